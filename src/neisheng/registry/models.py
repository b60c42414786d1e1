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
    code = models.CharField(gettext_lazy("代码"), max_length=12, primary_key=True)
    name = models.CharField(gettext_lazy("名称"), max_length=64)
    level = models.PositiveSmallIntegerField(
        gettext_lazy("级别"), choices=[(int(k), gettext_lazy(v)) for k, v in schema.LEVELS.items()], db_index=True
    )
    parent = models.ForeignKey(
        "self", verbose_name=gettext_lazy("上级区划"), on_delete=models.PROTECT, null=True, blank=True,
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
    household_id = models.CharField(gettext_lazy("户编号"), max_length=32, primary_key=True)
    village = models.ForeignKey(
        Division, verbose_name=gettext_lazy("村"), on_delete=models.PROTECT, related_name="households",
        db_column="village_code", limit_choices_to={"level": 5},
    )
    status = models.CharField(gettext_lazy("户类型"), max_length=16, choices=_choices(schema.STATUS), db_index=True)
    category = models.CharField(gettext_lazy("保障类别"), max_length=16, choices=_choices(schema.CATEGORY), db_index=True)
    housing = models.CharField(gettext_lazy("住房安全"), max_length=16, choices=_choices(schema.HOUSING))
    water = models.CharField(gettext_lazy("饮水安全"), max_length=16, choices=_choices(schema.WATER))
    food_clothing_ok = models.BooleanField(gettext_lazy("不愁吃穿"), default=True)
    poverty_cause = models.CharField(
        gettext_lazy("主要致贫原因"), max_length=16, choices=_choices(schema.POVERTY_CAUSE),
        null=True, blank=True,
    )
    lifted_year = models.PositiveSmallIntegerField(gettext_lazy("脱贫年度"), null=True, blank=True)
    cooperative_member = models.BooleanField(gettext_lazy("加入合作社"), default=False)
    industry_linked = models.BooleanField(gettext_lazy("产业利益联结"), default=False)
    credit_access = models.BooleanField(gettext_lazy("获得小额信贷"), default=False)
    participates_village_affairs = models.BooleanField(gettext_lazy("参与村集体事务"), default=False)
    willingness = models.PositiveSmallIntegerField(gettext_lazy("脱贫意愿"), default=3)
    sudden_event = models.CharField(
        gettext_lazy("突发事件"), max_length=16, choices=_choices(schema.SUDDEN_EVENT), default="none"
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
    person_id = models.CharField(gettext_lazy("证件号码"), max_length=18, primary_key=True)
    key = models.CharField(gettext_lazy("地址键"), max_length=PERSON_KEY_LENGTH, unique=True,
                           default=new_person_key, editable=False)
    household = models.ForeignKey(Household, verbose_name=gettext_lazy("所属农户"), on_delete=models.CASCADE, related_name="members")
    name = models.CharField(gettext_lazy("姓名"), max_length=64, db_index=True)
    relation = models.CharField(gettext_lazy("与户主关系"), max_length=16, choices=_choices(schema.RELATION))
    sex = models.CharField(gettext_lazy("性别"), max_length=8, choices=_choices(schema.SEX))
    birth_date = models.DateField(gettext_lazy("出生日期"))
    alive = models.BooleanField(gettext_lazy("在世"), default=True)
    education = models.CharField(gettext_lazy("文化程度"), max_length=16, choices=_choices(schema.EDUCATION))
    schooling = models.CharField(gettext_lazy("在校生状况"), max_length=24, choices=_choices(schema.SCHOOLING))
    labor = models.CharField(gettext_lazy("劳动技能"), max_length=16, choices=_choices(schema.LABOR))
    health = models.CharField(gettext_lazy("健康状况"), max_length=16, choices=_choices(schema.HEALTH))
    disability_grade = models.PositiveSmallIntegerField(gettext_lazy("残疾等级"), default=0)
    medical_insured = models.BooleanField(gettext_lazy("参加基本医疗保险"), default=True)
    has_skill = models.BooleanField(gettext_lazy("掌握实用技能"), default=False)
    employed_months = models.PositiveSmallIntegerField(gettext_lazy("务工月数"), default=0)
    # Search keys derived from the name and the number (registry.names), kept by save()
    # and by every bulk write: "伟" finds 张伟 by an index on the given name, and the last
    # digits of an ID number are a prefix of the reversed suffix, so an index serves both.
    given_name = models.CharField(gettext_lazy("名"), max_length=64, blank=True, default="",
                                  db_index=True, editable=False)
    id_suffix_reversed = models.CharField(gettext_lazy("证件号码末六位倒序"), max_length=6, blank=True,
                                          default="", db_index=True, editable=False)
    history = HistoricalRecords()

    division_field = "household__village_id"

    class Meta:
        ordering = ["household_id", "birth_date"]

    def __str__(self) -> str:
        return self.name

    def search_keys_fill(self) -> None:
        from neisheng.registry.names import search_keys

        for name, value in search_keys(self.name, self.person_id).items():
            setattr(self, name, value)

    def save(self, *args, **kwargs):
        self.search_keys_fill()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and ({"name", "person_id"} & set(update_fields)):
            kwargs["update_fields"] = {*update_fields, "given_name", "id_suffix_reversed"}
        super().save(*args, **kwargs)


class IncomeItem(models.Model):
    household = models.ForeignKey(Household, verbose_name=gettext_lazy("所属农户"), on_delete=models.CASCADE, related_name="ledger")
    year = models.PositiveSmallIntegerField(gettext_lazy("年度"))
    item = models.CharField(gettext_lazy("项目"), max_length=32, choices=_choices(schema.ITEM_LABELS))
    amount = models.DecimalField(gettext_lazy("金额(元)"), max_digits=14, decimal_places=2)
    source = models.CharField(gettext_lazy("来源"), max_length=32, default="survey")
    history = HistoricalRecords()

    division_field = "household__village_id"

    class Meta:
        ordering = ["household_id", "year", "item"]
        indexes = [models.Index(fields=["household", "year"])]

    def __str__(self) -> str:
        return f"{self.household_id} {self.year} {self.item} {self.amount}"
