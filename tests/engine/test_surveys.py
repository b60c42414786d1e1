"""engine.surveys as an organiser meets it (surveys.md): each validity rule alone on its own
row and all five on one; 回收率 and 有效率 on the research's own numbers (1,700 issued,
1,651 returned, 1,634 valid: 97.12% and 96.12%); multiple-choice shares summing past 100%;
the chi-square against published worked examples; questionnaires refused with the key
named; a workbook headed with the questions' texts and groups written in Chinese; likert
and number statistics; rates per village."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa
import pytest

from neisheng.engine.surveys import (
    DISTRIBUTION_SCHEMA,
    INVALID_SCHEMA,
    NUMERIC_SCHEMA,
    RATES_SCHEMA,
    REASONS,
    VALIDITY_SCHEMA,
    QuestionnaireError,
    ResponsesError,
    crosstab,
    percent,
    questionnaire_dump,
    questionnaire_load,
    questionnaire_parse,
    registry_proposals,
    responses_read,
    responses_table,
    survey_report,
    validity,
)

TEMPLATE = Path(__file__).parents[2] / "src/neisheng/engine/survey_templates/motivation-2019.yaml"

YAML = """
code: test-2019
title: 测试问卷
groups: {helper: 扶贫主体, household: 脱贫主体}
questions:
  - code: difficulties
    text: 您认为开展扶贫工作的最大难点是(可多选)
    type: multiple
    options: {A: 贫困户脱贫意愿不强, B: 基层贫困群众参与度低, C: 其他}
  - code: cause
    text: 您家致贫的主要原因是
    type: single
    options: {A: 因病, B: 因学, C: 其他}
    groups: [household]
  - {code: g1, text: 我愿意靠自己的努力脱贫致富, type: likert, scale: 5, grid: attitudes, maps_to: willingness}
  - {code: g2, text: 我有信心增加收入, type: likert, scale: 5, grid: attitudes}
  - {code: g3, text: 我愿意参加技能培训, type: likert, scale: 5, grid: attitudes}
  - {code: g4, text: 我关心村里的事, type: likert, scale: 5, grid: attitudes}
  - {code: g5, text: 我相信日子会更好, type: likert, scale: 5, grid: attitudes}
  - code: income
    text: 您家去年人均纯收入(元)
    type: number
    min: 0
    max: 100000
    groups: [household]
    required: false
  - code: aware
    text: 您了解帮扶政策吗
    type: single
    options: {A: 很了解, B: 基本了解, C: 不了解}
    rate: awareness
    rate_yes: [A, B]
    groups: [household]
    required: false
  - code: affairs
    text: 是否参与村集体事务
    type: single
    options: {A: 是, B: 否}
    maps_to: participates_village_affairs
    maps: {A: true, B: false}
    groups: [household]
    required: false
  - code: remark
    text: 意见和建议
    type: text
    required: false
"""

Q = questionnaire_parse(YAML)


def household(rid: str, **answers) -> dict:
    """A valid household response unless `answers` changes it."""
    base = {"difficulties": "A", "cause": "A", "g1": 4, "g2": 3, "g3": 4, "g4": 5, "g5": 2, "income": 5200}
    base.update(answers)
    return {"respondent_id": rid, "group": "household", "household_id": None, "village_code": "500237001001",
            "answers": {k: v for k, v in base.items() if v is not None}}


def helper(rid: str, **answers) -> dict:
    base = {"difficulties": ["A", "B"], "g1": 5, "g2": 4, "g3": 5, "g4": 4, "g5": 3}
    base.update(answers)
    return {"respondent_id": rid, "group": "helper", "answers": {k: v for k, v in base.items() if v is not None}}


def reasons_by_row(records: list[dict]) -> dict[int, list[str]]:
    checked = validity(Q, responses_table(records, Q))
    assert checked.schema == VALIDITY_SCHEMA
    return dict(zip(checked.column("row").to_pylist(), checked.column("reasons").to_pylist()))


# ---- Validity: the five rules ------------------------------------------------------------


def test_each_rule_on_its_own_row_and_all_five_on_one():
    records = [
        household("R1"),                                   # 1 valid
        household("R1", g1=5),                             # 2 duplicate of row 1 (the first stays)
        household("R3") | {"group": "村干部"},             # 3 unknown group
        household("R4", cause=None),                       # 4 incomplete: a required question unanswered
        household("R5", income=250000),                    # 5 out of range: above max
        household("R6", g1=3, g2=3, g3=3, g4=3, g5=3),    # 6 straight-lining: five equal grid answers
        helper("R7"),                                      # 7 valid: the helpers are not asked `cause`
        # 8: all five. R1 again; an unknown group is asked what every group is asked:
        # `difficulties` left empty, and the grid answered 7 throughout (beyond the
        # scale's 1..5, and all the same).
        {"respondent_id": "R1", "group": "村干部",
         "answers": {"g1": 7, "g2": 7, "g3": 7, "g4": 7, "g5": 7}},
    ]
    assert reasons_by_row(records) == {
        1: [], 2: ["duplicate"], 3: ["unknown_group"], 4: ["incomplete"], 5: ["out_of_range"],
        6: ["straight_lining"], 7: [], 8: list(REASONS),
    }


@pytest.mark.parametrize(("answers", "reasons"), [
    ({"cause": "D"}, ["out_of_range"]),                     # not an option
    ({"difficulties": "A;X"}, ["out_of_range"]),            # one chosen option is not one
    ({"cause": "A;B"}, ["out_of_range"]),                   # two answers to a single choice
    ({"g2": 0}, ["out_of_range"]),                          # below 1
    ({"g2": "3.5"}, ["out_of_range"]),                      # not a whole point of the scale
    ({"income": -1}, ["out_of_range"]),                     # below min
    ({"income": "很多"}, ["out_of_range"]),                  # not a number
    ({"difficulties": None}, ["incomplete"]),
    ({"g3": None, "g1": 3, "g2": 3, "g4": 3, "g5": 3}, ["incomplete"]),  # not all answered: no straight-lining
    ({"income": None, "aware": None, "remark": None}, []),  # optional questions
    ({"income": 0}, []), ({"income": "100,000"}, []),       # the bounds, a thousands separator
    ({"cause": "因学"}, []), ({"difficulties": "a，C"}, []),  # a label; a lower-case key, a full-width comma
])
def test_one_answer_decides(answers, reasons):
    assert reasons_by_row([household("R1", **answers)]) == {1: reasons}


def test_a_helper_answering_a_household_question_is_checked_but_not_counted():
    rows = reasons_by_row([helper("H1", cause="A"), helper("H2", cause="Z")])
    assert rows == {1: [], 2: ["out_of_range"]}
    report = survey_report(Q, responses_table([helper("H1", cause="A")], Q), issued=1)
    assert _rows(report.distribution, question="cause") == []


def test_straight_lining_needs_five_items_asked():
    few = questionnaire_parse(YAML.replace("code: test-2019", "code: test\nstraightline_min_items: 6"))
    records = [household("R1", g1=3, g2=3, g3=3, g4=3, g5=3)]
    assert validity(few, responses_table(records, few)).column("valid").to_pylist() == [True]


# ---- 回收率 and 有效率 -------------------------------------------------------------------------


def test_the_researchs_rates():
    """1,700 issued, 1,651 returned, 1,634 valid: 回收率 97.12%, 有效率 96.12% (valid / issued,
    as the research defines it); valid of returned 98.97%."""
    records = [household(f"R{i}") for i in range(1634)] + [household(f"R{i}") for i in range(17)]
    report = survey_report(Q, responses_table(records, Q), issued=1700)
    s = report.summary
    assert (s["issued"], s["returned"], s["valid"]) == (1700, 1651, 1634)
    assert s["response_rate"] == pytest.approx(1651 / 1700)
    assert s["validity_rate"] == pytest.approx(1634 / 1700)
    assert percent(s["response_rate"]) == "97.12%"
    assert percent(s["validity_rate"]) == "96.12%"
    assert percent(s["valid_of_returned"]) == "98.97%"
    assert report.invalid.schema == INVALID_SCHEMA
    assert report.invalid.num_rows == 17
    assert set(report.invalid.column("reasons").to_pylist()) == {"duplicate"}
    assert report.invalid.column("row").to_pylist() == list(range(1635, 1652))


def test_percent_rounds_half_up_to_two_decimals():
    assert [percent(x) for x in (0.0, 1, 0.96125, 0.5, None)] == ["0.00%", "100.00%", "96.13%", "50.00%", "—"]


def test_issued_must_be_positive():
    with pytest.raises(ValueError, match="issued"):
        survey_report(Q, responses_table([household("R1")], Q), issued=0)


# ---- Distribution --------------------------------------------------------------------------


def _rows(table: pa.Table, **where) -> list[dict]:
    return [r for r in table.to_pylist() if all(r[k] == v for k, v in where.items())]


def test_multiple_choice_shares_sum_past_100_percent():
    records = [household("R1", difficulties="A;B"), household("R2", difficulties="A、C"),
               household("R3", difficulties="B"), household("R4", difficulties="A；B；C"),
               household("R5", difficulties="A;A", g1=5),  # an option twice counts once
               household("R5", difficulties="C")]           # a duplicate: not counted
    report = survey_report(Q, responses_table(records, Q), issued=6)
    assert report.distribution.schema == DISTRIBUTION_SCHEMA
    rows = _rows(report.distribution, question="difficulties", group="household")
    assert [(r["option"], r["count"], r["share"]) for r in rows] == [
        ("A", 4, 0.8), ("B", 3, 0.6), ("C", 2, 0.4)]
    assert sum(r["share"] for r in rows) == pytest.approx(1.8)


def test_shares_are_of_the_groups_valid_respondents_and_list_every_option():
    records = [household("R1", cause="A"), household("R2", cause="A"), household("R3", cause="B"),
               household("R4", cause="C"), household("R5", cause="X"),  # invalid: not counted
               helper("H1"), helper("H2", difficulties="C")]
    d = survey_report(Q, responses_table(records, Q), issued=10).distribution
    assert [(r["option"], r["count"], r["share"]) for r in _rows(d, question="cause")] == [
        ("A", 2, 0.5), ("B", 1, 0.25), ("C", 1, 0.25)]
    # The helpers are not asked `cause`; an option nobody chose is listed with 0.
    assert [(r["group"], r["option"], r["count"]) for r in _rows(d, question="difficulties")] == [
        ("helper", "A", 1), ("helper", "B", 1), ("helper", "C", 1),
        ("household", "A", 4), ("household", "B", 0), ("household", "C", 0)]
    assert d.column("question").to_pylist()[:6] == ["difficulties"] * 6  # questionnaire order


def test_likert_and_number_statistics():
    records = [household("R1", g2=1, income=1000), household("R2", g2=2, income=2000),
               household("R3", g2=2, income=None), household("R4", g2=5, income="4500.5"),
               helper("H1", g2=4)]
    report = survey_report(Q, responses_table(records, Q), issued=5)
    assert report.numeric.schema == NUMERIC_SCHEMA
    stats = {(r["question"], r["group"]): r for r in report.numeric.to_pylist()}
    assert stats[("g2", "household")] == {"question": "g2", "group": "household", "count": 4,
                                                "mean": 2.5, "min": 1.0, "max": 5.0}
    assert stats[("g2", "helper")]["mean"] == 4.0
    income = stats[("income", "household")]
    assert (income["count"], income["min"], income["max"]) == (3, 1000.0, 4500.5)
    assert income["mean"] == pytest.approx(7500.5 / 3)
    # One distribution row per distinct value, over all valid respondents asked.
    assert [(r["option"], r["count"], r["share"]) for r in _rows(report.distribution, question="g2",
                                                                 group="household")] == [
        ("1", 1, 0.25), ("2", 2, 0.5), ("5", 1, 0.25)]
    assert [r["option"] for r in _rows(report.distribution, question="income")] == ["1000", "2000", "4500.5"]
    assert not _rows(report.distribution, question="remark")  # text is not tabulated


def test_rates_per_village():
    records = [household("R1", aware="A"), household("R2", aware="B"), household("R3", aware="C"),
               household("R4", aware=None),
               household("R5", aware="A") | {"village_code": "500237001002"},
               household("R6", aware="C", cause="X") | {"village_code": "500237001002"}]  # invalid
    rates = survey_report(Q, responses_table(records, Q), issued=6).rates
    assert rates.schema == RATES_SCHEMA
    assert rates.to_pylist() == [
        {"village_code": "500237001001", "rate": "awareness", "yes": 2, "answered": 3, "share": 2 / 3},
        {"village_code": "500237001002", "rate": "awareness", "yes": 1, "answered": 1, "share": 1.0},
    ]


# ---- Cross-tabulation -----------------------------------------------------------------------

TWO_WAY = """
code: two-way
groups: {all: 全体}
questions:
  - {code: x, type: single, options: {X1: a, X2: b, X3: c}}
  - {code: y, type: single, options: {Y1: a, Y2: b, Y3: c, Y4: d}}
"""


def _two_way(counts: list[list[int]]):
    q = questionnaire_parse(TWO_WAY)
    records, n = [], 0
    for i, line in enumerate(counts):
        for j, count in enumerate(line):
            for _ in range(count):
                n += 1
                records.append({"respondent_id": str(n), "group": "all",
                                "answers": {"x": f"X{i + 1}", "y": f"Y{j + 1}"}})
    return q, responses_table(records, q)


def test_chi_square_gender_gap_agresti():
    """Agresti, An Introduction to Categorical Data Analysis, 2nd ed. (Wiley, 2007), §2.4.3
    and Table 2.5, party identification by gender (GSS 2000): females 762 / 327 / 468,
    males 484 / 239 / 477 (Democrat / Independent / Republican); published X² = 30.1,
    df = 2, P-value < 0.0001 (Pearson's statistic, no continuity correction)."""
    q, responses = _two_way([[762, 327, 468], [484, 239, 477]])
    result = crosstab(q, responses, "x", "y")
    assert result.rows == ("X1", "X2", "X3") and result.columns == ("Y1", "Y2", "Y3", "Y4")
    assert result.counts == ((762, 327, 468, 0), (484, 239, 477, 0), (0, 0, 0, 0))
    assert result.respondents == 2757
    assert round(result.statistic, 1) == 30.1
    assert result.dof == 2
    assert result.p_value < 0.0001


def test_chi_square_wikipedia_neighbourhoods():
    """Wikipedia, "Chi-squared test", § Example chi-squared test for categorical data: 650
    residents of neighbourhoods A–D by white / blue / no collar (90 60 104 95; 30 50 51 20;
    30 40 45 35); the test statistic is ≈ 24.6 with (3 − 1)(4 − 1) = 6 degrees of freedom."""
    q, responses = _two_way([[90, 60, 104, 95], [30, 50, 51, 20], [30, 40, 45, 35]])
    result = crosstab(q, responses, "x", "y")
    assert round(result.statistic, 1) == 24.6
    assert result.dof == 6
    assert result.p_value == pytest.approx(0.0004, abs=0.00005)


def test_crosstab_counts_each_chosen_option_and_the_group():
    records = [household("R1", difficulties="A;B", cause="A"), household("R2", difficulties="B", cause="B"),
               helper("H1", difficulties="A;C"), household("R3", cause="Z", difficulties="C")]  # R3 invalid
    responses = responses_table(records, Q)
    by_cause = crosstab(Q, responses, "difficulties", "cause")
    assert by_cause.counts == ((1, 0, 0), (1, 1, 0), (0, 0, 0))
    assert by_cause.respondents == 2
    by_group = crosstab(Q, responses, "difficulties", "group")
    assert by_group.columns == ("helper", "household")
    assert by_group.counts == ((1, 1), (0, 2), (1, 0))
    only = crosstab(Q, responses, "difficulties", "g1", group="脱贫主体")
    assert only.group == "household"
    assert sum(map(sum, only.counts)) == 3
    with pytest.raises(ValueError, match="income"):
        crosstab(Q, responses, "income", "cause")


# ---- The questionnaire ----------------------------------------------------------------------


@pytest.mark.parametrize(("change", "key"), [
    (lambda y: y.replace("title: 测试问卷", "title: 测试: 问卷"), "line 3"),  # YAML's own error
    (lambda y: y.replace("type: number", "type: scale"), "questions.income.type"),
    (lambda y: y.replace("code: cause", "code: difficulties"), "questions[2].code"),
    (lambda y: y.replace("groups: [household]\n  - {code: g1", "groups: [villager]\n  - {code: g1"),
     "questions.cause.groups"),
    (lambda y: y.replace("    options: {A: 因病, B: 因学, C: 其他}\n", ""), "questions.cause.options"),
    (lambda y: y.replace("code: g2, text: 我有信心增加收入, type: likert, scale: 5",
                         "code: g2, text: 我有信心增加收入, type: likert, scale: 1"), "questions.g2.scale"),
    (lambda y: y.replace("max: 100000", "max: -1"), "questions.income.max"),
    (lambda y: y.replace("min: 0", "min: 零"), "questions.income.min"),
    (lambda y: y.replace("rate: awareness", "rate: knowledge"), "questions.aware.rate"),
    (lambda y: y.replace("rate_yes: [A, B]", "rate_yes: [A, D]"), "questions.aware.rate_yes"),
    (lambda y: y.replace("    rate_yes: [A, B]\n", ""), "questions.aware.rate_yes"),
    (lambda y: y.replace("maps_to: participates_village_affairs", "maps_to: happiness"),
     "questions.affairs.maps_to"),
    (lambda y: y.replace("maps: {A: true, B: false}", "maps: {A: 1, B: 0}"), "questions.affairs.maps.A"),
    (lambda y: y.replace("required: false\n  - code: aware", "requried: false\n  - code: aware"),
     "questions.income.requried"),
    (lambda y: y.replace("code: test-2019\n", ""), "code"),
    (lambda y: y.replace("code: remark", "code: group"), "questions.group.code"),
])
def test_a_bad_questionnaire_is_refused_naming_the_key(change, key):
    text = change(YAML)
    assert text != YAML
    with pytest.raises(QuestionnaireError) as caught:
        questionnaire_parse(text, source="q.yaml")
    assert caught.value.key == key
    message = str(caught.value)
    assert message.startswith(f"q.yaml: {key}: ") and " / " in message and "\n" not in message


def test_the_shipped_template_reads_and_dumps_back_equal():
    q = questionnaire_load(TEMPLATE)
    assert q.code == "motivation-2019" and q.groups == {"helper": "扶贫主体", "household": "脱贫主体"}
    assert questionnaire_parse(questionnaire_dump(q)) == q
    assert questionnaire_parse(questionnaire_dump(Q)) == Q
    will = q.question("will")
    assert (will.type, will.scale, will.grid, will.maps_to, will.maps) == ("likert", 5, "attitudes", "willingness", {})
    assert [x.code for x in q.asked("helper")][:3] == ["role", "years_in_poverty_work", "households_paired"]


def test_multiple_choice_labels_holding_a_separator():
    difficulties = questionnaire_load(TEMPLATE).question("difficulties")  # C: 贫困户自身能力不足、缺少技术
    answer = difficulties.parse("贫困户脱贫意愿不强、贫困户自身能力不足、缺少技术，f")
    assert (answer.ok, answer.options) == (True, ("A", "C", "F"))
    assert difficulties.parse("A;X").ok is False


def test_defaults():
    q = questionnaire_parse("code: c\ngroups: {a: 甲}\nquestions:\n  - {code: s, type: likert}\n")
    s = q.question("s")
    assert (q.title, q.straightline_min_items, s.text, s.scale, s.groups, s.required) == ("c", 5, "s", 5, ("a",), True)


def test_registry_proposals():
    records = [household("R1", g1=2, affairs="A") | {"household_id": "H001"},
               household("R2", g1=4, affairs="否") | {"household_id": "H002"},
               household("R3", g1=4, cause="X") | {"household_id": "H003"},  # invalid
               household("R4", g1=4)]                                        # no household
    proposals = registry_proposals(Q, responses_table(records, Q))
    assert [(p["household_id"], p["field"], p["value"]) for p in proposals] == [
        ("H001", "willingness", 2), ("H001", "participates_village_affairs", True),
        ("H002", "willingness", 4), ("H002", "participates_village_affairs", False)]


# ---- Reading files ---------------------------------------------------------------------------


def _write_csv(path: Path, header: list[str], rows: list[list]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


TEXT_HEADER = ["respondent_id", "调查对象", "村代码"] + [q.text for q in Q.questions]


def _text_row(rid: str, group: str, *, difficulties="A；C", cause="因病", grid=(4, 3, 4, 5, 2)) -> list:
    return [rid, group, "500237001001", difficulties, cause, *grid, "5200", "基本了解", "是", ""]


def test_headers_as_question_text_and_groups_in_chinese(tmp_path):
    path = _write_csv(tmp_path / "回收问卷.csv", TEXT_HEADER, [
        _text_row("R1", "脱贫主体"),
        [],                                        # a blank line: skipped, but counted
        _text_row("R2", "扶贫主体", cause=""),
        _text_row("R3", "村民", grid=(3, 3, 3, 3, 3)),
    ])
    responses = responses_read(path, Q)
    assert responses.column("row").to_pylist() == [2, 4, 5]
    assert responses.column("group").to_pylist() == ["household", "helper", "村民"]
    assert responses.column("difficulties").to_pylist()[0] == "A；C"  # kept as written
    checked = validity(Q, responses)
    assert checked.column("reasons").to_pylist() == [[], [], ["unknown_group", "straight_lining"]]
    d = survey_report(Q, responses, issued=3).distribution
    assert [(r["option"], r["count"]) for r in _rows(d, question="difficulties", group="household")] == [
        ("A", 1), ("B", 0), ("C", 1)]


def test_an_excel_workbook(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["respondent_id", "group"] + [q.code for q in Q.questions])
    sheet.append(["R1", "household", "A;B", "A", 4, 3, 4, 5, 2, 5200.0, "A", "A", None])
    sheet.append(["R2", "helper", "C", None, 5, 5, 5, 5, 5, None, None, None, "无"])
    book.save(tmp_path / "r.xlsx")
    responses = responses_read(tmp_path / "r.xlsx", Q)
    assert responses.column("row").to_pylist() == [2, 3]
    assert responses.column("income").to_pylist() == ["5200", None]
    assert validity(Q, responses).column("reasons").to_pylist() == [[], ["straight_lining"]]


@pytest.mark.parametrize(("header", "rows", "sentence"), [
    (["respondent_id"] + [q.code for q in Q.questions], [["R1"] + [""] * len(Q.questions)],
     "r.csv row 1, column group: the required column group is missing"),
    (["respondent_id", "group", "difficulties"], [["R1", "household", "A"]],
     "r.csv row 1, column cause: no column for the question cause"),
    (["respondent_id", "group", "cause", Q.question("cause").text], [["R1", "household", "A", "A"]],
     "r.csv row 1, column 您家致贫的主要原因是: holds the same column (cause) as “cause”; delete one"),
])
def test_a_bad_file_is_one_sentence(tmp_path, header, rows, sentence):
    path = _write_csv(tmp_path / "r.csv", header, rows)
    with pytest.raises(ResponsesError) as caught:
        responses_read(path, Q)
    assert sentence in caught.value.sentence("en")
    assert caught.value.row == 1


def test_a_ragged_row_is_named(tmp_path):
    path = _write_csv(tmp_path / "r.csv", ["respondent_id", "group", "difficulties"],
                      [["R1", "household", "A"], ["R2", "household", "A", "B"]])
    with pytest.raises(ResponsesError) as caught:
        responses_read(path, Q)
    assert caught.value.sentence("en") == "r.csv row 3: the row has 4 cells and the header 3"


def test_an_empty_or_missing_file(tmp_path):
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(ResponsesError, match="empty.csv"):
        responses_read(tmp_path / "empty.csv", Q)
    with pytest.raises(ResponsesError, match="does not exist"):
        responses_read(tmp_path / "none.csv", Q)


def test_a_questionnaire_wider_than_any_registry_table_is_read_from_excel(tmp_path):
    """A hundred questions: the file is 104 columns wide, past the registry tables' limit."""
    import openpyxl

    from neisheng.engine.surveys import questionnaire_parse, responses_read, survey_report

    questions = "\n".join(f"  - {{code: q{i}, type: single, options: {{A: 是, B: 否}}}}" for i in range(100))
    questionnaire = questionnaire_parse(f"code: wide\ntitle: 宽问卷\ngroups: {{household: 脱贫主体}}\nquestions:\n{questions}\n")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["respondent_id", "group", "household_id", "village_code"] + [f"q{i}" for i in range(100)])
    sheet.append(["R1", "household", None, None] + ["A"] * 100)
    sheet.append(["R2", "脱贫主体", None, None] + ["B"] * 99 + ["C"])
    workbook.save(tmp_path / "wide.xlsx")
    report = survey_report(questionnaire, responses_read(tmp_path / "wide.xlsx", questionnaire), issued=2)
    assert (report.summary["returned"], report.summary["valid"]) == (2, 1)
    assert report.invalid.to_pylist()[0]["reasons"] == "out_of_range"
