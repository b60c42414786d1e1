"""Issue 9: the household page opens with the result, explained (engine.explain): each
reason with the values compared and the threshold of the run's own policy, why the colour
follows, the motivation score on its scale with the cut-off and the deprived indicators
by dimension, the measures grouped by measure naming members as the page does; then the
facts. In English, wholly English outside data."""

from __future__ import annotations

import ast
import datetime as dt
import html
import re
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from django.utils import translation
from tests.support import fresh_id_number

import neisheng
from neisheng.monitoring.models import RecommendedMeasure
from neisheng.monitoring.services import monitoring_run
from neisheng.policy import load_policy, resolved_policy_text
from neisheng.registry.models import Household, IncomeItem, Person
from neisheng.registry.selectors.household_file import member_names

pytestmark = pytest.mark.django_db

YEAR = load_policy().year


@pytest.fixture
def officer(client, places, make_user):
    user = make_user("village", places["village"])
    client.force_login(user)
    return user


def _member(household, name, birth, relation, **changes):
    fields = {"sex": "male", "education": "junior", "schooling": "not_in_school", "labor": "ordinary",
              "health": "healthy", "medical_insured": True, "has_skill": False, "employed_months": 12}
    fields.update(changes)
    sequence = 302 if fields["sex"] == "female" else 301  # the ID number's parity is the sex
    return Person.objects.create(person_id=fresh_id_number(birth, sequence), household=household,
                                 name=name, relation=relation, birth_date=birth, **fields)


@pytest.fixture
def red_household(places, tmp_path):
    """Two members with the same surname, 徐伟 (uninsured) and 徐芳, neither with a skill;
    7,960 yuan net income this year (3,980 each) after 20,000 last year; willingness 2 and
    no cooperative: deprived in will, skill and cooperative (3 × 1/8 = 0.375). Monitored
    with a policy whose poverty line (5,000) is not the default's (4,500)."""
    household = Household.objects.create(
        household_id="T-EXPLAIN-1", village=places["village"], status="lifted", category="ordinary",
        housing="safe", water="safe", food_clothing_ok=True, cooperative_member=False, industry_linked=True,
        credit_access=True, participates_village_affairs=True, willingness=2, sudden_event="none",
        lifted_year=2019,
    )
    wei = _member(household, "徐伟", dt.date(1980, 1, 3), "head", medical_insured=False, employed_months=8)
    fang = _member(household, "徐芳", dt.date(1982, 1, 5), "spouse", sex="female", employed_months=2)
    IncomeItem.objects.create(household=household, year=YEAR, item="wage", amount=Decimal(7960))
    IncomeItem.objects.create(household=household, year=YEAR - 1, item="wage", amount=Decimal(20000))

    policy = yaml.safe_load(resolved_policy_text())
    policy.update(poverty_line=5000, monitoring_threshold=9500)
    path = tmp_path / "county.yaml"
    path.write_text(yaml.safe_dump(policy, allow_unicode=True), encoding="utf-8")
    run = monitoring_run(year=YEAR, policy_path=path, work_dir=tmp_path / "run")
    return household, wei, fang, run


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def _element(page: str, attribute: str) -> str:
    """The <li>…</li> or <p>…</p> carrying `attribute` (e.g. data-reason="housing")."""
    found = re.findall(rf'<(li|p|section)[^>]*{re.escape(attribute)}[^>]*>(.*?)</\1>', page, flags=re.DOTALL)
    assert len(found) == 1, (attribute, found)
    return found[0][1]


def test_a_red_household_opens_with_its_reasons_values_and_the_runs_thresholds(client, officer, red_household):
    household, *_ = red_household
    page = client.get(f"/households/{household.pk}/").content.decode()

    # The result comes first, the facts after it.
    assert page.index('id="result"') < page.index('id="monitoring"') < page.index('id="facts"')
    assert page.index('id="risk-why"') < page.index("基本信息")
    assert re.search(r'<span class="badge risk-red" id="risk">红色</span>', page)

    assert _text(_element(page, 'data-reason="income_below_line"')) == (
        "人均纯收入低于脱贫标准 人均纯收入 3,980 元 < 脱贫标准 5,000 元")
    assert _text(_element(page, 'data-reason="medical_insurance"')).endswith("徐伟 未参加基本医疗保险")
    assert _text(_element(page, 'data-reason="income_drop"')).endswith(
        "纯收入由上年 20,000 元降至 7,960 元,下降 60.2% ≥ 30%")
    assert _text(_element(page, 'id="risk-why"')) == (
        "红色:有红色原因(人均纯收入低于脱贫标准、未参加基本医疗保险),另有黄色原因(收入大幅下降);有任一红色原因即为红色")
    assert "4,500" not in _text(_element(page, 'id="monitoring"'))  # the default's line is not this run's
    assert 'id="explanation-stale"' not in page


def test_the_motivation_score_has_its_scale_cut_off_and_deprived_indicators(client, officer, red_household):
    household, *_ = red_household
    page = client.get(f"/households/{household.pk}/").content.decode()
    assert _text(_element(page, 'class="motivation-summary"')) == (
        "剥夺得分 0.375,满分 1,临界值 0.333:内生动力不足")
    dimensions = {code: _text(_element(page, f'data-dimension="{code}"'))
                  for code in ("awareness", "capability", "organization", "opportunity")}
    assert dimensions["awareness"] == "意识 脱贫意愿: 2 分,不高于 2 分为剥夺 · 权重 0.125"
    assert dimensions["capability"] == "能力 实用技能: 有劳动能力的成员均未掌握实用技能为剥夺 · 权重 0.125"
    assert dimensions["organization"] == "治理 加入合作社: 未加入合作社为剥夺 · 权重 0.125"
    assert dimensions["opportunity"] == "机会: 无剥夺"


def test_a_measure_for_two_members_appears_once_naming_both(client, officer, red_household):
    household, _, _, run = red_household
    stored = RecommendedMeasure.objects.filter(run=run, household=household, measure="skills_training")
    assert stored.count() == 2  # the run recommends it per member; the page groups them
    page = client.get(f"/households/{household.pk}/").content.decode()
    assert page.count('data-measure="skills_training"') == 1
    training = _element(page, 'data-measure="skills_training"')
    assert '<span class="member" translate="no">徐伟</span>' in training
    assert '<span class="member" translate="no">徐芳</span>' in training
    assert _text(training) == "技能培训: 徐伟、徐芳 有劳动能力、16–59 周岁,未掌握实用技能"
    assert _text(_element(page, 'data-measure="job_placement"')).startswith("就业帮扶: 徐芳 ")
    assert "徐某" not in page and "成员徐" not in page


def test_members_with_the_same_full_name_are_told_apart(red_household):
    household, wei, fang, _ = red_household
    twin = _member(household, "徐伟", dt.date(2001, 1, 7), "child")
    names = member_names(list(household.members.all()))
    assert names[fang.person_id] == "徐芳"
    assert names[wei.person_id] == f"徐伟…{wei.person_id[-4:]}"
    assert names[twin.person_id] == f"徐伟…{twin.person_id[-4:]}"
    assert names[wei.person_id] != names[twin.person_id]


def test_a_change_after_the_run_is_said_rather_than_explained_silently(client, officer, red_household):
    household, wei, *_ = red_household
    Person.objects.filter(pk=wei.pk).update(medical_insured=True)
    page = client.get(f"/households/{household.pk}/").content.decode()
    assert 'id="explanation-stale"' in page
    assert "未参加基本医疗保险" in _text(_element(page, 'id="explanation-stale"'))  # the run's reason


class _VisibleText(HTMLParser):
    """The text a reader sees, and the attributes they read, outside translate="no"."""

    VOID = frozenset({"br", "img", "input", "meta", "link", "hr", "source", "wbr"})

    def __init__(self):
        super().__init__()
        self.stack: list[bool] = []  # per open element: is it skipped?
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        skipped = (bool(self.stack) and self.stack[-1]) or dict(attrs).get("translate") == "no" \
            or tag in ("script", "style")
        if not skipped:
            self.text += [v for k, v in attrs if k in ("title", "aria-label", "placeholder", "alt") and v]
        if tag not in self.VOID:
            self.stack.append(skipped)

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not (self.stack and self.stack[-1]):
            self.text.append(data)


HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def test_the_english_household_page_has_no_chinese_outside_data(client, officer, red_household):
    household, *_ = red_household
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(f"/households/{household.pk}/").content.decode()
    article = page[page.index('<article class="detail">'):page.index("</article>")]
    parser = _VisibleText()
    parser.feed(article)
    chinese = [t.strip() for t in parser.text if HAN.search(t)]
    assert chinese == []
    assert "Net income per person 3,980 yuan &lt; poverty line 5,000 yuan" in page
    assert "0.375 out of 1, cut-off 0.333: lacking self-motivation" in page
    training = _element(page, 'data-measure="skills_training"')
    assert _text(training).endswith("徐伟, 徐芳: able to work, aged 16–59, without a practical skill")


def _noop_msgids(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.args[0].value for node in ast.walk(tree)
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "gettext_noop"
            and node.args and isinstance(node.args[0], ast.Constant)]


def test_every_explanation_has_english_with_the_same_placeholders():
    package = Path(neisheng.__file__).parent
    msgids = [m for f in ("engine/explain.py", "engine/measures.py", "registry/selectors/household_file.py")
              for m in _noop_msgids(package / f)]
    assert len(msgids) > 40
    with translation.override("en"):
        for msgid in msgids:
            english = translation.gettext(msgid)
            assert english != msgid and not HAN.search(english), msgid
            assert sorted(re.findall(r"%\(\w+\)s", english)) == sorted(re.findall(r"%\(\w+\)s", msgid)), msgid


def test_a_member_gone_since_the_run_is_named_by_the_masked_id_number(client, officer, red_household):
    from neisheng.accounts.masking import mask_id_number

    household, _, fang, _ = red_household
    Person.objects.filter(pk=fang.pk).delete()
    page = client.get(f"/households/{household.pk}/").content.decode()
    placement = _element(page, 'data-measure="job_placement"')  # the run's recommendation, kept
    assert f'<span class="member" translate="no">{mask_id_number(fang.person_id)}</span>' in placement
    assert fang.person_id not in page
