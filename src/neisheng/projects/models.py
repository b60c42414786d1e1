"""Projects and what flows through them (projects.md): funds in, expenditures out, the
assets built, the households that benefit, the yearly revenue and the plans that
distribute it; renovations (双提升) priced against the county's reference list; and the
audit's findings.

Amounts are `Decimal` yuan with two places (fen). Nothing is deleted: a beneficiary
leaves with an end date, a plan that is not approved stays rejected, a finding that no
check raises any more is marked cleared. Every row carries or reaches its division code,
so `platform.scope.visible_to` restricts it.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy

FEN = Decimal("0.01")
ZERO = Decimal(0)


def _recorder():
    return models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+")


class Project(models.Model):
    """A project (扶贫项目): what it is, the division that runs it (`division_code`, the
    scope of its funds, assets and revenue) and the divisions it serves (`divisions`)."""

    class Kind(models.TextChoices):
        PHOTOVOLTAIC = "photovoltaic", gettext_lazy("光伏电站")
        GREENHOUSE = "greenhouse", gettext_lazy("大棚园区")
        EQUITY_SHARE = "equity_share", gettext_lazy("资产入股")
        WORKSHOP = "workshop", gettext_lazy("扶贫车间")
        COOPERATIVE = "cooperative", gettext_lazy("合作社")
        TOURISM = "tourism", gettext_lazy("乡村旅游")
        INFRASTRUCTURE = "infrastructure", gettext_lazy("基础设施")
        OTHER = "other", gettext_lazy("其他")

    division_field = "division_code"

    division_code = models.CharField(gettext_lazy("主管区划"), max_length=12, db_index=True)
    number = models.CharField(gettext_lazy("项目编号"), max_length=40, blank=True)
    name = models.CharField(gettext_lazy("项目名称"), max_length=120)
    kind = models.CharField(gettext_lazy("项目类型"), max_length=20, choices=Kind.choices)
    description = models.TextField(gettext_lazy("项目内容"), blank=True)
    started_on = models.DateField(gettext_lazy("开工日期"), null=True, blank=True)
    completed_on = models.DateField(gettext_lazy("建成日期"), null=True, blank=True)
    manager = models.CharField(gettext_lazy("管护单位"), max_length=100, blank=True)
    created_by = _recorder()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["division_code", "name", "pk"]

    def __str__(self) -> str:
        return self.name


class ProjectDivision(models.Model):
    """A division the project serves: its villagers are among the beneficiaries, and its
    users see the project (their own households' part of it)."""

    division_field = "division_code"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="divisions")
    division_code = models.CharField(gettext_lazy("受益区划"), max_length=12, db_index=True)

    class Meta:
        ordering = ["project_id", "division_code"]
        constraints = [models.UniqueConstraint(fields=["project", "division_code"], name="projects_served_once")]


class Fund(models.Model):
    """Money put into a project from one source (a 'fund'): it can never be spent beyond
    its amount (`projects.services` refuses; the audit's overspent_fund checks)."""

    class Source(models.TextChoices):
        CENTRAL = "central", gettext_lazy("中央资金")
        PROVINCIAL = "provincial", gettext_lazy("省级资金")
        CITY = "city", gettext_lazy("市级资金")
        COUNTY = "county", gettext_lazy("县级资金")
        COLLECTIVE = "collective", gettext_lazy("村集体资金")
        SOCIAL = "social", gettext_lazy("社会捐赠")
        LOAN = "loan", gettext_lazy("贷款")

    division_field = "project__division_code"

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="funds")
    source = models.CharField(gettext_lazy("资金来源"), max_length=12, choices=Source.choices)
    amount = models.DecimalField(gettext_lazy("金额(元)"), max_digits=14, decimal_places=2)
    received_on = models.DateField(gettext_lazy("到位日期"))
    document_no = models.CharField(gettext_lazy("文号"), max_length=80, blank=True)
    note = models.CharField(gettext_lazy("说明"), max_length=200, blank=True)
    recorded_by = _recorder()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project_id", "received_on", "pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="projects_fund_positive")]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.amount}"


class Expenditure(models.Model):
    """Money spent from one fund."""

    division_field = "fund__project__division_code"

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="expenditures")
    amount = models.DecimalField(gettext_lazy("金额(元)"), max_digits=14, decimal_places=2)
    spent_on = models.DateField(gettext_lazy("支出日期"))
    purpose = models.CharField(gettext_lazy("用途"), max_length=200)
    payee = models.CharField(gettext_lazy("收款单位"), max_length=120, blank=True)
    voucher_no = models.CharField(gettext_lazy("凭证号"), max_length=60, blank=True)
    recorded_by = _recorder()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["fund_id", "spent_on", "pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="projects_expenditure_positive")]


class Asset(models.Model):
    """What a project built or bought (资产), its value, where it is and who holds it."""

    division_field = "project__division_code"

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="assets")
    name = models.CharField(gettext_lazy("资产名称"), max_length=120)
    value = models.DecimalField(gettext_lazy("价值(元)"), max_digits=14, decimal_places=2)
    location = models.CharField(gettext_lazy("坐落"), max_length=120, blank=True)
    holder = models.CharField(gettext_lazy("产权或持有单位"), max_length=120, blank=True)
    acquired_on = models.DateField(gettext_lazy("形成日期"), null=True, blank=True)
    note = models.CharField(gettext_lazy("说明"), max_length=200, blank=True)
    recorded_by = _recorder()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project_id", "pk"]
        constraints = [models.CheckConstraint(condition=Q(value__gte=0), name="projects_asset_value")]


class Beneficiary(models.Model):
    """A household that benefits from a project from `starts_on` to `ends_on` (inclusive;
    open while empty). A household that leaves gets its end date; the row stays."""

    division_field = "household__village_id"

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="beneficiaries")
    household = models.ForeignKey("registry.Household", verbose_name=gettext_lazy("农户"), on_delete=models.PROTECT,
                                  related_name="+")
    starts_on = models.DateField(gettext_lazy("受益开始日期"))
    ends_on = models.DateField(gettext_lazy("受益结束日期"), null=True, blank=True)
    note = models.CharField(gettext_lazy("说明"), max_length=200, blank=True)
    recorded_by = _recorder()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project_id", "household_id", "starts_on"]
        constraints = [models.CheckConstraint(condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                                              name="projects_beneficiary_period")]

    def active_on(self, day) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


class Revenue(models.Model):
    """A project's revenue (收益) of a year, as received: rent, a dividend, electricity sold."""

    class Kind(models.TextChoices):
        RENT = "rent", gettext_lazy("租金")
        DIVIDEND = "dividend", gettext_lazy("入股分红")
        ELECTRICITY = "electricity", gettext_lazy("售电收入")
        OTHER = "other", gettext_lazy("其他收益")

    division_field = "project__division_code"

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="revenues")
    year = models.PositiveSmallIntegerField(gettext_lazy("年度"))
    kind = models.CharField(gettext_lazy("收益类型"), max_length=12, choices=Kind.choices)
    amount = models.DecimalField(gettext_lazy("金额(元)"), max_digits=14, decimal_places=2)
    received_on = models.DateField(gettext_lazy("到账日期"))
    payer = models.CharField(gettext_lazy("付款单位"), max_length=120, blank=True)
    note = models.CharField(gettext_lazy("说明"), max_length=200, blank=True)
    recorded_by = _recorder()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project_id", "year", "received_on", "pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="projects_revenue_positive")]

    def __str__(self) -> str:
        return f"{self.year} {self.get_kind_display()} {self.amount}"


class ProjectDocument(models.Model):
    """A document attached to a project (批复, 合同, 验收报告 ...), kept as it came."""

    division_field = "project__division_code"

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="documents")
    title = models.CharField(gettext_lazy("文件名称"), max_length=120)
    file = models.FileField(gettext_lazy("文件"), upload_to="projects/documents/%Y/%m/")
    file_name = models.CharField(gettext_lazy("原文件名"), max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField(default=0)
    uploaded_by = _recorder()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project_id", "-uploaded_at", "pk"]


class DistributionPlan(models.Model):
    """A plan (收益分配方案) that distributes one revenue amount of a project: the
    collective's share, then the rest among the beneficiaries active on `plan_on` by the
    largest-remainder method (`engine.dividends.allocate`). Drafted → under review (the
    shared review-and-publicity step) → approved (payments created) or rejected.

    A plan `imported` from a village's own records (a plan made before the platform) is
    kept with its payments exactly as recorded, so the audit checks them as they were."""

    class Method(models.TextChoices):
        PER_HOUSEHOLD = "per_household", gettext_lazy("按户均分")
        PER_PERSON = "per_person", gettext_lazy("按人口")
        WEIGHTED = "weighted", gettext_lazy("按权重")

    class State(models.TextChoices):
        DRAFT = "draft", gettext_lazy("草拟")
        REVIEWING = "reviewing", gettext_lazy("评议公示中")
        APPROVED = "approved", gettext_lazy("已批准")
        REJECTED = "rejected", gettext_lazy("未通过")

    class Origin(models.TextChoices):
        DRAFTED = "drafted", gettext_lazy("平台编制")
        IMPORTED = "imported", gettext_lazy("导入的既有方案")

    division_field = "division_code"

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="plans")
    revenue = models.ForeignKey(Revenue, verbose_name=gettext_lazy("分配的收益"), on_delete=models.PROTECT,
                                related_name="plans")
    # Where the plan is reviewed (the project's division): its council decides, the level
    # above approves.
    division_code = models.CharField(gettext_lazy("区划"), max_length=12, db_index=True)
    title = models.CharField(gettext_lazy("方案名称"), max_length=120)
    plan_on = models.DateField(gettext_lazy("方案日期"))
    total = models.DecimalField(gettext_lazy("分配金额(元)"), max_digits=14, decimal_places=2)
    collective_share = models.DecimalField(gettext_lazy("村集体比例"), max_digits=5, decimal_places=4,
                                           validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal(1))])
    collective_amount = models.DecimalField(gettext_lazy("村集体金额(元)"), max_digits=14, decimal_places=2,
                                            default=ZERO)
    method = models.CharField(gettext_lazy("分配方式"), max_length=16, choices=Method.choices)
    state = models.CharField(gettext_lazy("状态"), max_length=12, choices=State.choices, default=State.DRAFT)
    origin = models.CharField(gettext_lazy("来源"), max_length=10, choices=Origin.choices, default=Origin.DRAFTED)
    note = models.TextField(gettext_lazy("说明"), blank=True)
    created_by = _recorder()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-plan_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(collective_share__gte=0) & Q(collective_share__lte=1),
                                   name="projects_plan_collective_share"),
            models.CheckConstraint(condition=Q(total__gte=0), name="projects_plan_total"),
        ]

    def __str__(self) -> str:
        return self.title


class PlanShare(models.Model):
    """One household's line of a plan: its weight and why (members alive on the plan date
    for per_person), and the amount `allocate` gave it. Approval turns lines into payments."""

    division_field = "household__village_id"

    plan = models.ForeignKey(DistributionPlan, on_delete=models.CASCADE, related_name="shares")
    household = models.ForeignKey("registry.Household", verbose_name=gettext_lazy("农户"), on_delete=models.PROTECT,
                                  related_name="+")
    weight = models.DecimalField(gettext_lazy("权重"), max_digits=12, decimal_places=4)
    members = models.PositiveSmallIntegerField(gettext_lazy("方案日在世人口"), default=0)
    amount = models.DecimalField(gettext_lazy("金额(元)"), max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["plan_id", "household_id"]
        constraints = [models.UniqueConstraint(fields=["plan", "household"], name="projects_one_share_per_household"),
                       models.CheckConstraint(condition=Q(weight__gte=0), name="projects_share_weight")]


class Payment(models.Model):
    """A dividend payment to one household. Paying it writes the household's income
    ledger (item `dividend`, source `project:<id>`, the year of payment) through the
    registry's one write path; `ledger_item` is that row. A plan's payments are not
    unique per household on purpose: an imported plan keeps what was recorded, and the
    audit's duplicate_payment finds the household paid twice."""

    class State(models.TextChoices):
        PENDING = "pending", gettext_lazy("待发放")
        PAID = "paid", gettext_lazy("已发放")

    division_field = "household__village_id"

    plan = models.ForeignKey(DistributionPlan, on_delete=models.PROTECT, related_name="payments")
    share = models.ForeignKey(PlanShare, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    household = models.ForeignKey("registry.Household", verbose_name=gettext_lazy("农户"), on_delete=models.PROTECT,
                                  related_name="+")
    amount = models.DecimalField(gettext_lazy("金额(元)"), max_digits=14, decimal_places=2)
    state = models.CharField(gettext_lazy("状态"), max_length=8, choices=State.choices, default=State.PENDING)
    paid_on = models.DateField(gettext_lazy("发放日期"), null=True, blank=True)
    voucher_no = models.CharField(gettext_lazy("发放凭证号"), max_length=60, blank=True)
    ledger_item = models.ForeignKey("registry.IncomeItem", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    paid_by = _recorder()
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["plan_id", "household_id", "pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="projects_payment_amount")]

    @property
    def payment_date(self):
        """The day the audit judges the payment on: paid, else the plan's date."""
        return self.paid_on or self.plan.plan_on


class PriceList(models.Model):
    """A county's reference price list for renovations (改造参考价格), in force from
    `effective_on` until a later list of the same county."""

    division_field = "division_code"

    division_code = models.CharField(gettext_lazy("区划"), max_length=12, db_index=True)
    name = models.CharField(gettext_lazy("名称"), max_length=120)
    effective_on = models.DateField(gettext_lazy("执行日期"))
    file = models.FileField(gettext_lazy("文件"), upload_to="projects/prices/%Y/", blank=True)
    file_name = models.CharField(gettext_lazy("原文件名"), max_length=255, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    # The list shipped with the platform (policies/reference_prices.xlsx), for a county
    # that has not imported its own yet.
    is_default = models.BooleanField(gettext_lazy("默认价格表"), default=False)
    uploaded_by = _recorder()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["division_code", "-effective_on", "-pk"]

    def __str__(self) -> str:
        return self.name


class ReferencePrice(models.Model):
    """One item of a price list: its unit, reference price and the most a household's
    renovation may use of it."""

    division_field = "price_list__division_code"

    price_list = models.ForeignKey(PriceList, on_delete=models.PROTECT, related_name="items")
    item_code = models.CharField(gettext_lazy("项目编码"), max_length=20)
    name = models.CharField(gettext_lazy("项目名称"), max_length=120)
    unit = models.CharField(gettext_lazy("单位"), max_length=20)
    reference_price = models.DecimalField(gettext_lazy("参考单价(元)"), max_digits=12, decimal_places=2)
    max_quantity = models.DecimalField(gettext_lazy("最大数量"), max_digits=12, decimal_places=3)

    class Meta:
        ordering = ["price_list_id", "item_code"]
        constraints = [models.UniqueConstraint(fields=["price_list", "item_code"], name="projects_price_item_once"),
                       models.CheckConstraint(condition=Q(reference_price__gt=0), name="projects_price_positive"),
                       models.CheckConstraint(condition=Q(max_quantity__gt=0), name="projects_price_max_quantity")]


class Renovation(models.Model):
    """A renovation of a household's home (双提升: 住房和人居环境提升): its line items,
    photos before and after, and the auditor's on-site check."""

    division_field = "household__village_id"

    household = models.ForeignKey("registry.Household", verbose_name=gettext_lazy("农户"), on_delete=models.PROTECT,
                                  related_name="+")
    project = models.ForeignKey(Project, verbose_name=gettext_lazy("所属项目"), on_delete=models.PROTECT,
                                null=True, blank=True, related_name="renovations")
    # The list in force for the county on `done_on` when the renovation was recorded.
    price_list = models.ForeignKey(PriceList, verbose_name=gettext_lazy("参考价格表"), on_delete=models.PROTECT,
                                   related_name="+")
    done_on = models.DateField(gettext_lazy("完工日期"))
    contractor = models.CharField(gettext_lazy("施工方"), max_length=120, blank=True)
    note = models.TextField(gettext_lazy("说明"), blank=True)
    site_checked = models.BooleanField(gettext_lazy("已入户核查"), default=False)
    site_checked_on = models.DateField(gettext_lazy("核查日期"), null=True, blank=True)
    site_remarks = models.TextField(gettext_lazy("核查意见"), blank=True)
    site_checked_by = _recorder()
    recorded_by = _recorder()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-done_on", "pk"]

    @property
    def site_check_state(self) -> str:
        """Where the on-site check stands (services.renovations.SITE_CHECK_WORKFLOW's
        states): pending until an auditor has been, then the latest check's verdict."""
        if self.site_checked_on is None:
            return "pending"
        return "confirmed" if self.site_checked else "not_confirmed"


class RenovationItem(models.Model):
    """A labour or material line item (明细) of a renovation; `amount` is quantity × unit
    price rounded half up to the fen."""

    class Kind(models.TextChoices):
        LABOR = "labor", gettext_lazy("人工")
        MATERIAL = "material", gettext_lazy("材料")

    division_field = "renovation__household__village_id"

    renovation = models.ForeignKey(Renovation, on_delete=models.PROTECT, related_name="items")
    item_code = models.CharField(gettext_lazy("项目编码"), max_length=20)
    name = models.CharField(gettext_lazy("项目名称"), max_length=120, blank=True)
    kind = models.CharField(gettext_lazy("类别"), max_length=8, choices=Kind.choices)
    quantity = models.DecimalField(gettext_lazy("数量"), max_digits=12, decimal_places=3)
    unit = models.CharField(gettext_lazy("单位"), max_length=20)
    unit_price = models.DecimalField(gettext_lazy("单价(元)"), max_digits=12, decimal_places=2)
    amount = models.DecimalField(gettext_lazy("金额(元)"), max_digits=14, decimal_places=2)
    recorded_by = _recorder()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["renovation_id", "pk"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="projects_item_quantity"),
                       models.CheckConstraint(condition=Q(unit_price__gte=0), name="projects_item_price")]


class RenovationPhoto(models.Model):
    """A photo of the work, before or after, kept as it came (type checked by content)."""

    class Moment(models.TextChoices):
        BEFORE = "before", gettext_lazy("改造前")
        AFTER = "after", gettext_lazy("改造后")

    division_field = "renovation__household__village_id"

    renovation = models.ForeignKey(Renovation, on_delete=models.PROTECT, related_name="photos")
    moment = models.CharField(gettext_lazy("时点"), max_length=8, choices=Moment.choices)
    file = models.FileField(gettext_lazy("照片"), upload_to="projects/renovations/%Y/%m/")
    caption = models.CharField(gettext_lazy("说明"), max_length=200, blank=True)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField(default=0)
    uploaded_by = _recorder()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["renovation_id", "moment", "pk"]


class AuditFinding(models.Model):
    """What one audit check found about one subject (a plan, payment, fund, renovation
    line item or renovation), with its evidence. Raised once per (check, subject); a later
    run that no longer finds it sets `cleared_at` (the row and its decisions stay).
    new → confirmed (the auditor agrees it is a problem) or explained (with a reason)."""

    class Check(models.TextChoices):
        PLAN_SUM = "plan_sum", gettext_lazy("分配合计不符")
        PAYEE_NOT_BENEFICIARY = "payee_not_beneficiary", gettext_lazy("领取人非受益户")
        PAYEE_DECEASED = "payee_deceased", gettext_lazy("领取户成员均已死亡")
        DUPLICATE_PAYMENT = "duplicate_payment", gettext_lazy("同一方案重复发放")
        OVERSPENT_FUND = "overspent_fund", gettext_lazy("资金超支")
        RENOVATION_PRICE = "renovation_price", gettext_lazy("改造单价超参考价")
        RENOVATION_QUANTITY = "renovation_quantity", gettext_lazy("改造数量超上限")
        RENOVATION_NOT_ELIGIBLE = "renovation_not_eligible", gettext_lazy("改造对象不符")
        RENOVATION_TOTAL = "renovation_total", gettext_lazy("改造总额超上限")

    class Subject(models.TextChoices):
        PLAN = "plan", gettext_lazy("分配方案")
        PAYMENT = "payment", gettext_lazy("分红发放")
        FUND = "fund", gettext_lazy("项目资金")
        RENOVATION = "renovation", gettext_lazy("改造")
        RENOVATION_ITEM = "renovation_item", gettext_lazy("改造明细")
        HOUSEHOLD = "household", gettext_lazy("农户")

    class State(models.TextChoices):
        NEW = "new", gettext_lazy("新发现")
        CONFIRMED = "confirmed", gettext_lazy("已确认")
        EXPLAINED = "explained", gettext_lazy("已说明")

    division_field = "division_code"

    rule = models.CharField(gettext_lazy("审计规则"), max_length=24, choices=Check.choices)
    subject_type = models.CharField(gettext_lazy("对象类型"), max_length=16, choices=Subject.choices)
    subject_id = models.CharField(gettext_lazy("对象编号"), max_length=40)
    division_code = models.CharField(gettext_lazy("区划"), max_length=12, db_index=True)
    project = models.ForeignKey(Project, on_delete=models.PROTECT, null=True, blank=True, related_name="findings")
    household = models.ForeignKey("registry.Household", verbose_name=gettext_lazy("农户"), on_delete=models.PROTECT,
                                  null=True, blank=True, related_name="+")
    # The figures the check compared (amounts as strings of yuan, dates as ISO), so the
    # finding explains itself after the data change.
    evidence = models.JSONField(gettext_lazy("证据"), default=dict)
    amount = models.DecimalField(gettext_lazy("涉及金额(元)"), max_digits=14, decimal_places=2, null=True,
                                 blank=True)
    state = models.CharField(gettext_lazy("状态"), max_length=10, choices=State.choices, default=State.NEW)
    reason = models.TextField(gettext_lazy("说明理由"), blank=True)
    decided_by = _recorder()
    decided_on = models.DateField(gettext_lazy("处理日期"), null=True, blank=True)
    first_seen_at = models.DateTimeField(gettext_lazy("首次发现"), auto_now_add=True)
    last_seen_at = models.DateTimeField(gettext_lazy("最近发现"), null=True, blank=True)
    cleared_at = models.DateTimeField(gettext_lazy("不再出现"), null=True, blank=True)

    class Meta:
        ordering = ["-first_seen_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["rule", "subject_type", "subject_id"],
                                               name="projects_finding_once")]


class AuditRun(models.Model):
    """One run of the checks over a division: on demand (a job) or after a change."""

    division_field = "division_code"

    division_code = models.CharField(gettext_lazy("区划"), max_length=12, db_index=True)
    trigger = models.CharField(gettext_lazy("触发"), max_length=60)
    started_at = models.DateTimeField(auto_now_add=True)
    seconds = models.FloatField(gettext_lazy("用时(秒)"), default=0)
    raised = models.PositiveIntegerField(gettext_lazy("新发现"), default=0)
    still_open = models.PositiveIntegerField(gettext_lazy("仍存在"), default=0)
    cleared = models.PositiveIntegerField(gettext_lazy("不再出现"), default=0)
    counts = models.JSONField(gettext_lazy("各规则数量"), default=dict)
    run_by = _recorder()

    class Meta:
        ordering = ["-started_at", "-pk"]


class ProjectsImport(models.Model):
    """A workbook (projects, funds, expenditures, beneficiaries, revenue, an existing plan's
    payments, a price list, renovation line items) as it came, and what became of it:
    applied whole or refused whole with every bad row named."""

    class Kind(models.TextChoices):
        PROJECTS = "projects", gettext_lazy("项目")
        FUNDS = "funds", gettext_lazy("项目资金")
        EXPENDITURES = "expenditures", gettext_lazy("资金支出")
        BENEFICIARIES = "beneficiaries", gettext_lazy("受益户")
        REVENUE = "revenue", gettext_lazy("项目收益")
        PAYMENTS = "payments", gettext_lazy("既有分配方案")
        PRICES = "prices", gettext_lazy("参考价格表")
        RENOVATION_ITEMS = "renovation_items", gettext_lazy("改造明细")

    class Outcome(models.TextChoices):
        APPLIED = "applied", gettext_lazy("已导入")
        REFUSED = "refused", gettext_lazy("已拒绝")

    division_field = "division_code"

    division_code = models.CharField(gettext_lazy("区划"), max_length=12, db_index=True)
    kind = models.CharField(gettext_lazy("类型"), max_length=20, choices=Kind.choices)
    project = models.ForeignKey(Project, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    file = models.FileField(gettext_lazy("文件"), upload_to="projects/imports/%Y/%m/")
    file_name = models.CharField(gettext_lazy("文件名"), max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField(default=0)
    outcome = models.CharField(gettext_lazy("结果"), max_length=16, choices=Outcome.choices)
    rows_written = models.PositiveIntegerField(gettext_lazy("写入行数"), default=0)
    problems = models.JSONField(default=list)
    uploaded_by = _recorder()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
