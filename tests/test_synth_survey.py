"""The synthetic research survey (neisheng.synth.survey) reported with the research's
questionnaire template reproduces the research's counts and every published share."""

import collections
import importlib.resources

import pytest

from neisheng.engine.surveys import questionnaire_load, responses_read, survey_report
from neisheng.synth.survey import (
    PLANTED_INVALID,
    QUESTION_COLUMNS,
    research_survey,
    research_survey_file,
    research_survey_planted,
)

TEMPLATE = importlib.resources.files("neisheng.engine") / "survey_templates" / "motivation-2019.yaml"

# The research's published figures: shared/seeds/002_94cbce1ac84ac4bd.txt, section
# 三 (图1 扶贫工作难题反馈调查, 图2 贫困户收入影响因素调查, 图3 贫困户精神需求调查,
# 图4 扶贫资源供给调查) and section 四 (图5 受访贫困户返贫致贫因素分布; its 其他 4.43 %
# is the remainder of the four causes named). Figure 2 publishes only its first two
# shares (42.42 % in 四(一)三, 33.09 % in 四(一)一).
# (figure, question, group, option, per cent)
PUBLISHED = [
    ("图1", "difficulties", "helper", "A", 58.7),       # 贫困户脱贫意愿不强
    ("图1", "difficulties", "helper", "B", 59.66),      # 基层贫困群众参与度低
    ("图1", "difficulties", "household", "A", 48.17),
    ("图1", "difficulties", "household", "B", 48.20),
    ("图2", "income_factors", "household", "A", 42.42),  # 文化水平、技术水平低
    ("图2", "income_factors", "household", "B", 33.09),  # 耕地少、交通、农田水利等设施落后
    ("图3", "learning_wishes", "household", "A", 67.6),   # 方针政策
    ("图3", "learning_wishes", "household", "B", 59.05),  # 农业科技
    ("图3", "learning_wishes", "household", "C", 39.61),  # 基础法律知识
    ("图3", "learning_wishes", "household", "D", 32.76),  # 创业经营常识
    ("图3", "learning_wishes", "household", "E", 13.94),  # 重大新闻
    ("图3", "learning_wishes", "household", "F", 10.64),  # 电影、戏剧、民俗活动
    ("图4", "support_received", "household", "A", 38.85),  # 日常生活用品
    ("图4", "support_received", "household", "B", 37.13),  # 专职扶贫人员
    ("图4", "support_received", "household", "C", 32.48),  # 牲畜或种子
    ("图4", "support_received", "household", "D", 30.15),  # 资金
    ("图4", "support_received", "household", "E", 27.45),  # 专业技术培训
    ("图4", "support_received", "household", "F", 16.3),   # 长期性产业项目
    ("图4", "support_received", "household", "G", 12.5),   # 其他物资
    ("图5", "poverty_cause", "household", "A", 37.62),     # 因病
    ("图5", "poverty_cause", "household", "B", 22.41),     # 收入低于扶贫标准
    ("图5", "poverty_cause", "household", "C", 18.16),     # 子女无法完成义务教育
    ("图5", "poverty_cause", "household", "D", 17.38),     # 无房或危房
    ("图5", "poverty_cause", "household", "E", 4.43),      # 其他 (remainder)
]


@pytest.fixture(scope="module")
def questionnaire():
    return questionnaire_load(TEMPLATE)


@pytest.fixture(scope="module")
def report(questionnaire):
    table, issued = research_survey()
    return survey_report(questionnaire, table, issued=issued)


def shares(report):
    return {(r["question"], r["group"], r["option"]): r for r in report.distribution.to_pylist()}


def test_the_template_parses_and_the_survey_has_its_columns(questionnaire):
    table, issued = research_survey()
    assert issued == 1_700
    assert table.column_names == ["respondent_id", "group", "household_id", "village_code",
                                  *QUESTION_COLUMNS]
    codes = [q.code for q in questionnaire.questions]
    assert codes == list(QUESTION_COLUMNS)


def test_counts_and_validity_rate_are_the_research_s(report):
    s = report.summary
    assert (s["issued"], s["returned"], s["valid"]) == (1_700, 1_651, 1_634)
    assert round(s["validity_rate"] * 100, 2) == 96.12          # 问卷有效率为 96.12%
    assert round(s["response_rate"] * 100, 2) == 97.12


@pytest.mark.parametrize(("figure", "question", "group", "option", "published"), PUBLISHED)
def test_every_published_share_is_reproduced(report, figure, question, group, option, published):
    row = shares(report)[(question, group, option)]
    assert abs(row["share"] * 100 - published) <= 0.05, (figure, row)


def test_group_sizes_and_whole_counts(report):
    by_key = shares(report)
    asked = {"helper": 593, "household": 1_041}
    for _figure, question, group, option, published in PUBLISHED:
        row = by_key[(question, group, option)]
        assert row["share"] == pytest.approx(row["count"] / asked[group])
    # Figure 5 is single choice: its five causes share out every valid household.
    assert sum(by_key[("poverty_cause", "household", k)]["count"] for k in "ABCDE") == 1_041


def test_the_invalid_questionnaires_have_their_planted_reasons(report):
    planted = research_survey_planted()
    assert len(planted) == 17 == len(PLANTED_INVALID)
    got = collections.Counter(
        (r["respondent_id"], tuple(sorted(r["reasons"].split(";"))))
        for r in report.invalid.to_pylist())
    want = collections.Counter((rid, tuple(sorted(reasons))) for rid, reasons in planted)
    assert got == want
    kinds = collections.Counter(reason for _rid, reasons in planted for reason in reasons)
    assert kinds == {"duplicate": 5, "unknown_group": 2, "incomplete": 6, "out_of_range": 4,
                     "straight_lining": 4}
    assert sum(len(reasons) == 2 for _rid, reasons in planted) == 4


def test_the_survey_is_deterministic():
    assert research_survey()[0].equals(research_survey(2019)[0])
    assert not research_survey(7)[0].equals(research_survey()[0])


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_the_written_file_reads_back_to_the_same_report(tmp_path, questionnaire, report, suffix):
    path = tmp_path / f"motivation-2019{suffix}"
    issued = research_survey_file(path)
    again = survey_report(questionnaire, responses_read(path, questionnaire), issued=issued)
    assert again.summary == report.summary
    assert again.distribution.equals(report.distribution)


def test_villages_rates_and_correlations_look_like_a_survey(report):
    table, _ = research_survey()
    villages = set(table.column("village_code").to_pylist())
    assert len(villages) == 54 and all(len(v) == 12 and v.startswith("500") for v in villages)
    assert len({v[:9] for v in villages}) == 18 and len({v[:6] for v in villages}) == 6
    rates = collections.defaultdict(list)
    for r in report.rates.to_pylist():
        rates[r["rate"]].append(r["share"])
    assert {k: len(v) for k, v in rates.items()} == {"awareness": 54, "execution": 54, "satisfaction": 54}
    assert max(rates["awareness"]) - min(rates["awareness"]) > 0.2   # villages differ
    # Households poor through illness mostly had medical aid; the others less often.
    rows = [r for r in table.to_pylist() if r["group"] == "脱贫主体" and r["poverty_cause"]]
    aid = collections.defaultdict(list)
    for r in rows:
        aid[r["poverty_cause"] == "A"].append(r["medical_aid"] == "A")
    assert sum(aid[True]) / len(aid[True]) > sum(aid[False]) / len(aid[False]) + 0.3
