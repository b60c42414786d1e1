"""Village poverty councils (扶贫理事会, issue 16; 许营镇 in the seeds): a council per
village, its members and their roles over time, its meetings and who came, the
villagers' suggestions (建议) and demands (诉求) each tracked to the responses that
answered it, and the council's supervision notes on projects and dividend plans.

Nothing is overwritten: a member who leaves keeps their row with the day they left and
why; an item's responses are added, never edited, and the first closing response closes
it (its `closed_on` is that response's date, written by the service with it). Every row
carries its village code (`division_code`), which is how scope reads it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy


def _recorder():
    return models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+")


class Council(models.Model):
    """The council of one village (one per village)."""

    division_field = "division_code"

    division_code = models.CharField(gettext_lazy("村"), max_length=12, db_index=True, unique=True)
    name = models.CharField(gettext_lazy("理事会名称"), max_length=100)
    founded_on = models.DateField(gettext_lazy("成立日期"))
    purpose = models.TextField(gettext_lazy("章程要点"), blank=True)
    recorded_by = _recorder()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["division_code"]

    def __str__(self) -> str:
        return self.name


class CouncilMember(models.Model):
    """A member and their role from one day to another: a villager of the registry (the
    person, and through them the household) or someone named from outside (a retired
    teacher, the first secretary). A change of role is the old row ended and a new one."""

    class Role(models.TextChoices):
        PRESIDENT = "president", gettext_lazy("会长")
        VICE = "vice", gettext_lazy("副会长")
        SECRETARY = "secretary", gettext_lazy("秘书长")
        DIRECTOR = "director", gettext_lazy("理事")
        SUPERVISOR = "supervisor", gettext_lazy("监事")

    division_field = "division_code"

    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="members")
    division_code = models.CharField(gettext_lazy("村"), max_length=12, db_index=True)
    person = models.ForeignKey("registry.Person", verbose_name=gettext_lazy("村民"), on_delete=models.PROTECT,
                               null=True, blank=True, related_name="+")
    household = models.ForeignKey("registry.Household", verbose_name=gettext_lazy("农户"),
                                  on_delete=models.PROTECT, null=True, blank=True, related_name="council_roles")
    name = models.CharField(gettext_lazy("姓名"), max_length=64)
    affiliation = models.CharField(gettext_lazy("身份或单位"), max_length=100, blank=True)
    role = models.CharField(gettext_lazy("职务"), max_length=12, choices=Role.choices)
    starts_on = models.DateField(gettext_lazy("任职日期"))
    ends_on = models.DateField(gettext_lazy("离任日期"), null=True, blank=True)
    end_reason = models.CharField(gettext_lazy("离任原因"), max_length=200, blank=True)
    recorded_by = _recorder()
    recorded_at = models.DateTimeField(auto_now_add=True)
    ended_by = _recorder()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["council_id", "ends_on", "starts_on", "pk"]

    def __str__(self) -> str:
        return self.name

    def current_on(self, day) -> bool:
        return self.starts_on <= day and (self.ends_on is None or self.ends_on >= day)


class Meeting(models.Model):
    """A meeting of the council: the kinds are the council's work in the seed (许营镇)."""

    class Kind(models.TextChoices):
        REGULAR = "regular", gettext_lazy("例会")
        POLICY = "policy", gettext_lazy("政策宣传")
        PAIRING = "pairing", gettext_lazy("结对帮扶")
        ASSESSMENT = "assessment", gettext_lazy("评议和数据核查")
        SUPERVISION = "supervision", gettext_lazy("项目和分红监督")
        HEARING = "hearing", gettext_lazy("听取群众意见")

    division_field = "division_code"

    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="meetings")
    division_code = models.CharField(gettext_lazy("村"), max_length=12, db_index=True)
    held_on = models.DateField(gettext_lazy("会议日期"))
    kind = models.CharField(gettext_lazy("会议类型"), max_length=12, choices=Kind.choices)
    topic = models.CharField(gettext_lazy("议题"), max_length=200)
    minutes = models.TextField(gettext_lazy("会议记录"), blank=True)
    recorded_by = _recorder()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return self.topic


class Attendance(models.Model):
    """Someone who came: a member (and their household, if a villager) or a villager's
    household (through the member of it who came, when known)."""

    division_field = "division_code"

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="attendance")
    division_code = models.CharField(gettext_lazy("村"), max_length=12, db_index=True)
    member = models.ForeignKey(CouncilMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="council_attendance")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+")
    # Whether this attendance set the household's participates_village_affairs (it was not yet).
    affairs_set = models.BooleanField(default=False)

    class Meta:
        ordering = ["meeting_id", "pk"]


class Item(models.Model):
    """A villager's suggestion or demand, raised at a meeting or on its own, and when its
    closing response came (None while open)."""

    class Kind(models.TextChoices):
        SUGGESTION = "suggestion", gettext_lazy("建议")
        DEMAND = "demand", gettext_lazy("诉求")

    class Category(models.TextChoices):
        POLICY = "policy", gettext_lazy("政策落实")
        INFRASTRUCTURE = "infrastructure", gettext_lazy("基础设施")
        INDUSTRY = "industry", gettext_lazy("产业和就业")
        ASSISTANCE = "assistance", gettext_lazy("帮扶措施")
        LIVELIHOOD = "livelihood", gettext_lazy("生活保障")
        FUNDS = "funds", gettext_lazy("项目资金和分红")
        OTHER = "other", gettext_lazy("其他")

    division_field = "division_code"

    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="items")
    division_code = models.CharField(gettext_lazy("村"), max_length=12, db_index=True)
    kind = models.CharField(gettext_lazy("类别"), max_length=12, choices=Kind.choices)
    category = models.CharField(gettext_lazy("事项分类"), max_length=16, choices=Category.choices)
    meeting = models.ForeignKey(Meeting, verbose_name=gettext_lazy("提出的会议"), on_delete=models.PROTECT,
                                null=True, blank=True, related_name="items")
    raised_on = models.DateField(gettext_lazy("提出日期"))
    household = models.ForeignKey("registry.Household", verbose_name=gettext_lazy("提出的农户"),
                                  on_delete=models.PROTECT, null=True, blank=True, related_name="council_items")
    raised_by = models.CharField(gettext_lazy("提出人"), max_length=100, blank=True)
    text = models.TextField(gettext_lazy("内容"))
    closed_on = models.DateField(gettext_lazy("办结日期"), null=True, blank=True)
    recorded_by = _recorder()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-raised_on", "-pk"]
        indexes = [models.Index(fields=["division_code", "raised_on"], name="councils_item_village_day")]

    def __str__(self) -> str:
        return f"#{self.pk}"


class Response(models.Model):
    """What was done about an item: who answered (a person or an office, as data), on
    which day, what was done, and whether that closes it."""

    division_field = "division_code"

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="responses")
    division_code = models.CharField(gettext_lazy("村"), max_length=12, db_index=True)
    responded_on = models.DateField(gettext_lazy("答复日期"))
    responder = models.CharField(gettext_lazy("答复人或单位"), max_length=100)
    action = models.TextField(gettext_lazy("办理情况"))
    closes = models.BooleanField(gettext_lazy("已办结"), default=False)
    recorded_by = _recorder()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["item_id", "responded_on", "pk"]


class SupervisionNote(models.Model):
    """The council's note on a project or a dividend distribution plan of
    `neisheng.projects` (监督): when, what it checked, what it found."""

    division_field = "division_code"

    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="notes")
    division_code = models.CharField(gettext_lazy("村"), max_length=12, db_index=True)
    checked_on = models.DateField(gettext_lazy("监督日期"))
    project = models.ForeignKey("projects.Project", verbose_name=gettext_lazy("项目"), on_delete=models.PROTECT,
                                null=True, blank=True, related_name="+")
    plan = models.ForeignKey("projects.DistributionPlan", verbose_name=gettext_lazy("收益分配方案"),
                             on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    checked = models.TextField(gettext_lazy("监督内容"))
    finding = models.TextField(gettext_lazy("发现的情况"))
    concern = models.BooleanField(gettext_lazy("发现问题需跟进"), default=False)
    recorded_by = _recorder()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-checked_on", "-pk"]
