"""The registry as the data contract describes it (shared/spec/data-contract.md), with
full change history. Codes and Chinese labels come from neisheng.engine.schema."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy
from simple_history.models import HistoricalRecords

from neisheng.divisions import PREFIX_LENGTH
from neisheng.engine import schema


def _choices(mapping: dict[str, str]) -> list[tuple[str, str]]:
    # The contract's Chinese labels are the message ids of the English translation.
    return [(code, gettext_lazy(label)) for code, label in mapping.items()]


class Division(models.Model):
    code = models.CharField("代码 code", max_length=12, primary_key=True)
    name = models.CharField("名称 name", max_length=64)
    level = models.PositiveSmallIntegerField(
        "级别 level", choices=[(int(k), v) for k, v in schema.LEVELS.items()], db_index=True
    )
    parent = models.ForeignKey(
        "self", verbose_name="上级 parent", on_delete=models.PROTECT, null=True, blank=True,
        related_name="children", db_column="parent_code",
    )

    # Where each model's division code is, for neisheng.platform.scope.
    division_field = "code"

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def prefix(self) -> str:
        """The significant digits of the code: every division below shares them."""
        return self.code[: PREFIX_LENGTH[self.level]]


class Household(models.Model):
    household_id = models.CharField("户编号 household number", max_length=32, primary_key=True)
    village = models.ForeignKey(
        Division, verbose_name="村 village", on_delete=models.PROTECT, related_name="households",
        db_column="village_code", limit_choices_to={"level": 5},
    )
    status = models.CharField("户类型 status", max_length=16, choices=_choices(schema.STATUS), db_index=True)
    category = models.CharField("保障类别 category", max_length=16, choices=_choices(schema.CATEGORY), db_index=True)
    housing = models.CharField("住房安全 housing", max_length=16, choices=_choices(schema.HOUSING))
    water = models.CharField("饮水安全 water", max_length=16, choices=_choices(schema.WATER))
    food_clothing_ok = models.BooleanField("不愁吃穿 food and clothing assured", default=True)
    poverty_cause = models.CharField(
        "主要致贫原因 main cause of poverty", max_length=16, choices=_choices(schema.POVERTY_CAUSE),
        null=True, blank=True,
    )
    lifted_year = models.PositiveSmallIntegerField("脱贫年度 year lifted", null=True, blank=True)
    cooperative_member = models.BooleanField("加入合作社 cooperative member", default=False)
    industry_linked = models.BooleanField("产业利益联结 linked to an industry", default=False)
    credit_access = models.BooleanField("获得小额信贷 microcredit", default=False)
    participates_village_affairs = models.BooleanField("参与村集体事务 takes part in village affairs", default=False)
    willingness = models.PositiveSmallIntegerField("脱贫意愿 willingness (1–5)", default=3)
    sudden_event = models.CharField(
        "突发事件 sudden event", max_length=16, choices=_choices(schema.SUDDEN_EVENT), default="none"
    )
    history = HistoricalRecords()

    division_field = "village_id"

    class Meta:
        ordering = ["household_id"]
        indexes = [models.Index(fields=["village", "household_id"])]

    def __str__(self) -> str:
        return self.household_id


PERSON_KEY_BYTES = 16
PERSON_KEY_LENGTH = 22  # secrets.token_urlsafe(16): 22 characters of [A-Za-z0-9_-]


def new_person_key() -> str:
    """A person's address in URLs, reveal forms and the API. Random, not derived from the
    ID number: a digest of the number, however keyed, can be brute-forced offline from
    the masked number and the birth date once the key leaks (issue 7, rows 3 and 4)."""
    return secrets.token_urlsafe(PERSON_KEY_BYTES)


class Person(models.Model):
    person_id = models.CharField("证件号码 ID number", max_length=18, primary_key=True)
    key = models.CharField("地址键 opaque key", max_length=PERSON_KEY_LENGTH, unique=True,
                           default=new_person_key, editable=False)
    household = models.ForeignKey(Household, verbose_name="户 household", on_delete=models.CASCADE, related_name="members")
    name = models.CharField("姓名 name", max_length=64, db_index=True)
    relation = models.CharField("与户主关系 relation to head", max_length=16, choices=_choices(schema.RELATION))
    sex = models.CharField("性别 sex", max_length=8, choices=_choices(schema.SEX))
    birth_date = models.DateField("出生日期 birth date")
    alive = models.BooleanField("在世 alive", default=True)
    education = models.CharField("文化程度 education", max_length=16, choices=_choices(schema.EDUCATION))
    schooling = models.CharField("在校生状况 schooling", max_length=24, choices=_choices(schema.SCHOOLING))
    labor = models.CharField("劳动技能 labour", max_length=16, choices=_choices(schema.LABOR))
    health = models.CharField("健康状况 health", max_length=16, choices=_choices(schema.HEALTH))
    disability_grade = models.PositiveSmallIntegerField("残疾等级 disability grade", default=0)
    medical_insured = models.BooleanField("参加基本医疗保险 medical insurance", default=True)
    has_skill = models.BooleanField("掌握实用技能 practical skill", default=False)
    employed_months = models.PositiveSmallIntegerField("务工月数 months of wage work", default=0)
    history = HistoricalRecords()

    division_field = "household__village_id"

    class Meta:
        ordering = ["household_id", "birth_date"]

    def __str__(self) -> str:
        return self.name


class IncomeItem(models.Model):
    household = models.ForeignKey(Household, verbose_name="户 household", on_delete=models.CASCADE, related_name="ledger")
    year = models.PositiveSmallIntegerField("年度 year")
    item = models.CharField("项目 item", max_length=32, choices=_choices(schema.ITEM_LABELS))
    amount = models.DecimalField("金额(元) amount (yuan)", max_digits=14, decimal_places=2)
    source = models.CharField("来源 source", max_length=32, default="survey")
    history = HistoricalRecords()

    division_field = "household__village_id"

    class Meta:
        ordering = ["household_id", "year", "item"]
        indexes = [models.Index(fields=["household", "year"])]

    def __str__(self) -> str:
        return f"{self.household_id} {self.year} {self.item} {self.amount}"
