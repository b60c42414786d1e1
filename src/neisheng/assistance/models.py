"""The activities that carry assistance measures out (issue 13), and what the coverage of
the policy targets needs to know about villages.

Each participation names its household (and member, when it is a person's), the measure
it carries out (`measure`, created or found by `assistance.services` when it is
recorded) and who recorded it when. What an activity changes in the registry (a skill,
months of work, ledger rows, a cooperative membership ...) goes through the registry's
one write path with the activity named as the reason; nothing here is a copy of a
registry value. Nothing is deleted: an activity that ends gets its end date.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy


class Participation(models.Model):
    """A household's (or one member's) part in an activity."""

    division_field = "household__village_id"

    household = models.ForeignKey("registry.Household", verbose_name=gettext_lazy("农户"),
                                  on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("registry.Person", verbose_name=gettext_lazy("成员"), on_delete=models.PROTECT,
                               null=True, blank=True, related_name="+")
    # The assigned measure this carries out (一户一策): found or created when recorded.
    measure = models.ForeignKey("measures.AssignedMeasure", verbose_name=gettext_lazy("帮扶措施"),
                                on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    note = models.TextField(gettext_lazy("说明"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class Training(models.Model):
    """A course (技能培训), held by a division's office or a department."""

    division_field = "division_code"

    division_code = models.CharField(gettext_lazy("举办区划"), max_length=12, db_index=True)
    course = models.CharField(gettext_lazy("课程"), max_length=100)
    skill = models.CharField(gettext_lazy("工种或技能"), max_length=60, blank=True)
    starts_on = models.DateField(gettext_lazy("开始日期"))
    ends_on = models.DateField(gettext_lazy("结束日期"))
    trainer = models.CharField(gettext_lazy("培训机构或讲师"), max_length=100)
    venue = models.CharField(gettext_lazy("地点"), max_length=100, blank=True)
    organizer = models.CharField(gettext_lazy("主办单位"), max_length=100, blank=True)
    fees_waived = models.BooleanField(gettext_lazy("免除学费"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "pk"]


class TrainingAttendance(Participation):
    """A trainee: days attended, completed or not, and the certificate, which gives the
    person `has_skill`."""

    training = models.ForeignKey(Training, on_delete=models.PROTECT, related_name="attendance")
    days_attended = models.PositiveSmallIntegerField(gettext_lazy("出勤天数"), default=0)
    completed = models.BooleanField(gettext_lazy("结业"), default=False)
    certificate_no = models.CharField(gettext_lazy("证书编号"), max_length=60, blank=True)
    certified_on = models.DateField(gettext_lazy("发证日期"), null=True, blank=True)

    class Meta:
        ordering = ["training_id", "pk"]
        constraints = [models.UniqueConstraint(fields=["training", "person"], name="assistance_one_seat_per_trainee")]


class Meeting(models.Model):
    """A policy lecture (宣讲) or a village meeting (议事) in a village or town; attending
    one gives the household `participates_village_affairs`."""

    class Kind(models.TextChoices):
        LECTURE = "lecture", gettext_lazy("政策宣讲")
        COUNCIL = "council", gettext_lazy("村民议事")
        MODEL_SHARING = "model_sharing", gettext_lazy("示范户分享")

    division_field = "division_code"

    division_code = models.CharField(gettext_lazy("举办区划"), max_length=12, db_index=True)
    kind = models.CharField(gettext_lazy("类型"), max_length=16, choices=Kind.choices)
    held_on = models.DateField(gettext_lazy("日期"))
    topic = models.CharField(gettext_lazy("主题"), max_length=200)
    host = models.CharField(gettext_lazy("主持人或宣讲人"), max_length=100, blank=True)
    minutes = models.TextField(gettext_lazy("纪要"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "pk"]


class MeetingAttendance(Participation):
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="attendance")

    class Meta:
        ordering = ["meeting_id", "pk"]
        constraints = [models.UniqueConstraint(fields=["meeting", "household"],
                                               name="assistance_one_attendance_per_household")]


class JobPlacement(Participation):
    """A job found for a member (就业帮扶): its months of the year and monthly wage give
    the member's `employed_months` and the household's `wage` ledger row of that year."""

    employer = models.CharField(gettext_lazy("用工单位"), max_length=100)
    job = models.CharField(gettext_lazy("岗位"), max_length=60, blank=True)
    starts_on = models.DateField(gettext_lazy("上岗日期"))
    ends_on = models.DateField(gettext_lazy("离岗日期"), null=True, blank=True)
    year = models.PositiveSmallIntegerField(gettext_lazy("收入年度"))
    months = models.PositiveSmallIntegerField(gettext_lazy("务工月数"))
    monthly_wage = models.DecimalField(gettext_lazy("月工资(元)"), max_digits=10, decimal_places=2)

    class Meta:
        ordering = ["-starts_on", "pk"]


class WelfarePost(Participation):
    """A public-welfare post (公益岗位): its months of the year and monthly pay give the
    household's `public_welfare_post` ledger row of that year."""

    post = models.CharField(gettext_lazy("岗位"), max_length=60)
    village = models.ForeignKey("registry.Division", verbose_name=gettext_lazy("服务村"), on_delete=models.PROTECT,
                                related_name="+")
    starts_on = models.DateField(gettext_lazy("上岗日期"))
    ends_on = models.DateField(gettext_lazy("离岗日期"), null=True, blank=True)
    year = models.PositiveSmallIntegerField(gettext_lazy("收入年度"))
    months = models.PositiveSmallIntegerField(gettext_lazy("在岗月数"))
    monthly_pay = models.DecimalField(gettext_lazy("月补贴(元)"), max_digits=10, decimal_places=2)

    class Meta:
        ordering = ["-starts_on", "pk"]


class IndustryParticipation(Participation):
    """A household in an industry project or cooperative (产业帮扶): `industry_linked`,
    and `cooperative_member` when it joins a cooperative."""

    class Kind(models.TextChoices):
        COOPERATIVE = "cooperative", gettext_lazy("加入合作社")
        SHARES = "shares", gettext_lazy("入股分红")
        ORDER = "order", gettext_lazy("订单收购")
        WORK = "work", gettext_lazy("基地务工")
        OWN = "own", gettext_lazy("自主发展产业")

    name = models.CharField(gettext_lazy("项目或合作社"), max_length=100)
    kind = models.CharField(gettext_lazy("联结方式"), max_length=16, choices=Kind.choices)
    joined_on = models.DateField(gettext_lazy("加入日期"))
    left_on = models.DateField(gettext_lazy("退出日期"), null=True, blank=True)

    class Meta:
        ordering = ["-joined_on", "pk"]


class Microcredit(Participation):
    """A poverty-alleviation microloan (扶贫小额信贷): `credit_access`; repayments and
    whether it is overdue."""

    bank = models.CharField(gettext_lazy("放贷银行"), max_length=100)
    amount = models.DecimalField(gettext_lazy("贷款金额(元)"), max_digits=12, decimal_places=2)
    lent_on = models.DateField(gettext_lazy("放款日期"))
    due_on = models.DateField(gettext_lazy("到期日期"))

    class Meta:
        ordering = ["-lent_on", "pk"]


class MicrocreditRepayment(models.Model):
    division_field = "loan__household__village_id"

    loan = models.ForeignKey(Microcredit, on_delete=models.PROTECT, related_name="repayments")
    paid_on = models.DateField(gettext_lazy("还款日期"))
    amount = models.DecimalField(gettext_lazy("还款金额(元)"), max_digits=12, decimal_places=2)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["loan_id", "paid_on", "pk"]


class EducationAid(Participation):
    """Education aid for a student (雨露计划 and others), per student and term."""

    class Program(models.TextChoices):
        YULU = "yulu", gettext_lazy("雨露计划")
        GRANT = "grant", gettext_lazy("国家助学金")
        FEE_WAIVER = "fee_waiver", gettext_lazy("学费减免")
        OTHER = "other", gettext_lazy("其他资助")

    class Term(models.TextChoices):
        SPRING = "spring", gettext_lazy("春季学期")
        AUTUMN = "autumn", gettext_lazy("秋季学期")

    program = models.CharField(gettext_lazy("资助项目"), max_length=16, choices=Program.choices)
    school = models.CharField(gettext_lazy("学校"), max_length=100, blank=True)
    year = models.PositiveSmallIntegerField(gettext_lazy("年度"))
    term = models.CharField(gettext_lazy("学期"), max_length=8, choices=Term.choices)
    amount = models.DecimalField(gettext_lazy("资助金额(元)"), max_digits=10, decimal_places=2)
    paid_on = models.DateField(gettext_lazy("发放日期"), null=True, blank=True)

    class Meta:
        ordering = ["-year", "term", "pk"]
        constraints = [models.UniqueConstraint(fields=["person", "program", "year", "term"],
                                               name="assistance_one_aid_per_student_term")]


class InsuranceEnrolment(Participation):
    """A member enrolled in insurance with a subsidy (参保资助): the basic medical scheme
    gives `medical_insured`."""

    class Scheme(models.TextChoices):
        BASIC_MEDICAL = "basic_medical", gettext_lazy("城乡居民基本医疗保险")
        SERIOUS_ILLNESS = "serious_illness", gettext_lazy("大病保险")
        PENSION = "pension", gettext_lazy("城乡居民养老保险")
        ACCIDENT = "accident", gettext_lazy("防贫保险")

    scheme = models.CharField(gettext_lazy("险种"), max_length=16, choices=Scheme.choices)
    year = models.PositiveSmallIntegerField(gettext_lazy("参保年度"))
    enrolled_on = models.DateField(gettext_lazy("参保日期"))
    subsidy = models.DecimalField(gettext_lazy("资助金额(元)"), max_digits=10, decimal_places=2, default=0)

    class Meta:
        ordering = ["-year", "pk"]
        constraints = [models.UniqueConstraint(fields=["person", "scheme", "year"],
                                               name="assistance_one_enrolment_per_scheme_year")]


class VillageIndustry(models.Model):
    """A village's specialty industry (一村一品)."""

    division_field = "village_id"

    village = models.ForeignKey("registry.Division", verbose_name=gettext_lazy("村"), on_delete=models.PROTECT,
                                related_name="+")
    name = models.CharField(gettext_lazy("产业"), max_length=100)
    since = models.PositiveSmallIntegerField(gettext_lazy("起始年度"))
    ended = models.PositiveSmallIntegerField(gettext_lazy("停止年度"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["village_id", "since", "pk"]


class PoorVillage(models.Model):
    """A former poor village (原贫困村) on the county's list: the coverage target "every
    poor village has a specialty industry" counts these."""

    division_field = "village_id"

    village = models.OneToOneField("registry.Division", verbose_name=gettext_lazy("村"), on_delete=models.PROTECT,
                                   related_name="+", primary_key=True)
    listed_year = models.PositiveSmallIntegerField(gettext_lazy("列入年度"))

    class Meta:
        ordering = ["village_id"]


class ActivityImport(models.Model):
    """An Excel/CSV of attendance or results as it came, and what became of it: applied
    whole (rows written) or refused whole (every bad row named in `problems`)."""

    class Kind(models.TextChoices):
        TRAINING_ATTENDANCE = "training_attendance", gettext_lazy("培训出勤和结业")
        MEETING_ATTENDANCE = "meeting_attendance", gettext_lazy("会议参加")
        JOB_PLACEMENT = "job_placement", gettext_lazy("就业帮扶")
        WELFARE_POST = "welfare_post", gettext_lazy("公益岗位")
        INDUSTRY = "industry", gettext_lazy("产业帮扶")
        MICROCREDIT = "microcredit", gettext_lazy("小额信贷")
        EDUCATION_AID = "education_aid", gettext_lazy("教育资助")
        INSURANCE = "insurance", gettext_lazy("参保资助")

    class Outcome(models.TextChoices):
        APPLIED = "applied", gettext_lazy("已导入")
        REFUSED = "refused", gettext_lazy("已拒绝")

    division_field = "division_code"

    division_code = models.CharField(gettext_lazy("区划"), max_length=12, db_index=True)
    kind = models.CharField(gettext_lazy("类型"), max_length=24, choices=Kind.choices)
    # The training or meeting an attendance sheet belongs to.
    training = models.ForeignKey(Training, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    file = models.FileField(gettext_lazy("文件"), upload_to="activities/%Y/%m/")
    file_name = models.CharField(gettext_lazy("文件名"), max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField(default=0)
    outcome = models.CharField(gettext_lazy("结果"), max_length=16, choices=Outcome.choices)
    rows_written = models.PositiveIntegerField(gettext_lazy("写入行数"), default=0)
    problems = models.JSONField(default=list, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at", "pk"]
