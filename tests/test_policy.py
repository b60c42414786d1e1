"""Every refusal `neisheng.policy` can make, one row each: the message names the key (and
the file), in Chinese and English. And `extends:`: a county's file over its province's,
over the built-in default.

The last test checks that the table reaches every `fail(...)` / `raise PolicyError` line
of policy.py, so a refusal added there without a row here fails the suite."""

from __future__ import annotations

import copy
import datetime as dt
import inspect
import re
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from neisheng import policy as policy_module
from neisheng.policy import PolicyError, default_policy_text, load_policy, policy_from_text


def defaults() -> dict:
    return yaml.safe_load(default_policy_text())


def _set(path: str, value):
    """A change to the default policy: `path` is dotted ("rules.training_ages")."""
    def change(data: dict) -> None:
        *parents, last = path.split(".")
        node = data
        for part in parents:
            node = node[part]
        node[last] = value
    return change


def _drop(path: str):
    def change(data: dict) -> None:
        *parents, last = path.split(".")
        node = data
        for part in parents:
            node = node[part]
        del node[last]
    return change


def _indicators(**specs):
    return _set("motivation_indicators", specs)


EIGHTH = {"dimension": "awareness", "weight": 0.125}

# (id, change to the default policy, the key the message must name)
CASES = [
    ("unknown top-level key", _set("poverty_lines", 4500), "poverty_lines"),
    ("year missing", _drop("year"), "year"),
    ("year out of range", _set("year", 1999), "year"),
    ("year a string", _set("year", "2026"), "year"),
    ("year a boolean", _set("year", True), "year"),
    ("reference_date not a date string", _set("reference_date", "31/12/2026"), "reference_date"),
    ("reference_date a number", _set("reference_date", 20261231), "reference_date"),
    ("poverty_line missing", _drop("poverty_line"), "poverty_line"),
    ("poverty_line a boolean", _set("poverty_line", True), "poverty_line"),
    ("poverty_line not a number", _set("poverty_line", "four thousand"), "poverty_line"),
    ("poverty_line not finite", _set("poverty_line", "Infinity"), "poverty_line"),
    ("poverty_line zero (must be above 0)", _set("poverty_line", 0), "poverty_line"),
    ("monitoring_threshold below poverty_line", _set("monitoring_threshold", 4000), "monitoring_threshold"),
    ("monitoring_threshold negative", _set("monitoring_threshold", -1), "monitoring_threshold"),
    ("drop_ratio above 1", _set("drop_ratio", 1.5), "drop_ratio"),
    ("drop_ratio zero", _set("drop_ratio", 0), "drop_ratio"),
    ("rigid_ratio zero", _set("rigid_ratio", 0), "rigid_ratio"),
    ("stable_multiple below 1", _set("stable_multiple", 0.5), "stable_multiple"),
    ("motivation_k above 1", _set("motivation_k", 2), "motivation_k"),
    ("motivation_indicators missing", _drop("motivation_indicators"), "motivation_indicators"),
    ("motivation_indicators empty", _set("motivation_indicators", {}), "motivation_indicators"),
    ("unknown indicator", _indicators(luck={"dimension": "awareness", "weight": 1}),
     "motivation_indicators.luck"),
    ("indicator without a mapping", _indicators(will=1), "motivation_indicators.will"),
    ("indicator's unknown dimension", _indicators(will={"dimension": "luck", "weight": 1}),
     "motivation_indicators.will.dimension"),
    ("indicator's weight above 1", _indicators(will={"dimension": "awareness", "weight": 2}),
     "motivation_indicators.will.weight"),
    ("indicator's weight a boolean", _indicators(will={"dimension": "awareness", "weight": True}),
     "motivation_indicators.will.weight"),
    ("weights not summing to 1", _indicators(will=EIGHTH, skill={"dimension": "capability", "weight": 0.125}),
     "motivation_indicators"),
    ("rules missing", _drop("rules"), "rules"),
    ("a rule missing", _drop("rules.training_ages"), "rules.training_ages"),
    ("age range reversed", _set("rules.training_ages", [59, 16]), "rules.training_ages"),
    ("age range of one number", _set("rules.education_ages", [16]), "rules.education_ages"),
    ("age range beyond 130", _set("rules.welfare_post_ages", [16, 200]), "rules.welfare_post_ages"),
    ("disability grades outside 1–4", _set("rules.severe_disability_grades", [0, 5]),
     "rules.severe_disability_grades"),
    ("disability grades not a list", _set("rules.home_schooling_disability_grades", 2),
     "rules.home_schooling_disability_grades"),
    ("willingness cut-off above 5", _set("rules.willingness_deprived_at_most", 6),
     "rules.willingness_deprived_at_most"),
    ("employment months above 12", _set("rules.employment_months_at_least", 13),
     "rules.employment_months_at_least"),
    ("employment months a boolean", _set("rules.employment_months_at_least", True),
     "rules.employment_months_at_least"),
    ("unknown education level", _set("rules.education_at_least", "phd"), "rules.education_at_least"),
    ("uploads not a mapping", _set("uploads", 30), "uploads"),
    ("uploads' unknown key", _set("uploads.keep_days", 30), "uploads.keep_days"),
    ("retention_days missing", _drop("uploads.retention_days"), "uploads.retention_days"),
    ("retention_days zero", _set("uploads.retention_days", 0), "uploads.retention_days"),
    ("retention_days above ten years", _set("uploads.retention_days", 3651), "uploads.retention_days"),
    ("retention_days a boolean", _set("uploads.retention_days", True), "uploads.retention_days"),
    ("review not a mapping", _set("review", 5), "review"),
    ("review's unknown key", _set("review.objection_days", 3), "review.objection_days"),
    ("publicity_days missing", _drop("review.publicity_days"), "review.publicity_days"),
    ("publicity_days zero", _set("review.publicity_days", 0), "review.publicity_days"),
    ("publicity_days above 90", _set("review.publicity_days", 91), "review.publicity_days"),
    ("publicity_days a string", _set("review.publicity_days", "5"), "review.publicity_days"),
    ("findings_days missing", _drop("audit.findings_days"), "audit.findings_days"),
    ("findings_days zero", _set("audit.findings_days", 0), "audit.findings_days"),
    ("findings_days above a year", _set("audit.findings_days", 367), "audit.findings_days"),
    ("cases not a mapping", _set("cases", 15), "cases"),
    ("cases' unknown key", _set("cases.approval_days", 3), "cases.approval_days"),
    ("identification_days missing", _drop("cases.identification_days"), "cases.identification_days"),
    ("identification_days zero", _set("cases.identification_days", 0), "cases.identification_days"),
    ("case publicity_days a string", _set("cases.publicity_days", "5"), "cases.publicity_days"),
    ("elimination_publicity_days above 90", _set("cases.elimination_publicity_days", 91),
     "cases.elimination_publicity_days"),
    ("min_monitoring_months negative", _set("cases.min_monitoring_months", -1), "cases.min_monitoring_months"),
    ("warning_days a boolean", _set("cases.warning_days", True), "cases.warning_days"),
    ("grid not a mapping", _set("grid", [5]), "grid"),
    ("an unknown grid key", _set("grid.per_cadre", 5), "grid.per_cadre"),
    ("max_per_cadre zero", _set("grid.max_per_cadre", 0), "grid.max_per_cadre"),
    ("county_cost below town_cost", _set("grid.county_cost", 500), "grid.county_cost"),
    ("visit_days not a mapping", _set("grid.visit_days", 7), "grid.visit_days"),
    ("an unknown visit status", _set("grid.visit_days.poor", 7), "grid.visit_days.poor"),
    ("a visit cadence of zero days", _set("grid.visit_days.monitored", 0), "grid.visit_days.monitored"),
    ("an empty hotline", _set("grid.hotline", " "), "grid.hotline"),
    ("feeds not a mapping", _set("feeds", [1]), "feeds"),
    ("an unknown feeds key", _set("feeds.accept", 0.9), "feeds.accept"),
    ("auto_accept of one", _set("feeds.auto_accept", 1), "feeds.auto_accept"),
    ("review above auto_accept", _set("feeds.review", 0.97), "feeds.review"),
    ("a negative fee threshold", _set("feeds.school_fees_over", -1), "feeds.school_fees_over"),
    ("an amount as text", _set("feeds.outpatient_month", "500"), "feeds.outpatient_month"),
    ("illness days of zero", _set("feeds.illness_recent_days", 0), "feeds.illness_recent_days"),
    ("school ages reversed", _set("feeds.school_age_to", 5), "feeds.school_age_to"),
    ("measures not a mapping", _set("measures", 30), "measures"),
    ("an unknown measures key", _set("measures.days", 30), "measures.days"),
    ("first_measure_days zero", _set("measures.first_measure_days", 0), "measures.first_measure_days"),
    ("evaluation_min_households one", _set("measures.evaluation_min_households", 1),
     "measures.evaluation_min_households"),
    ("an unknown coverage status", _set("measures.coverage_statuses", ["poor"]), "measures.coverage_statuses"),
    ("no coverage status", _set("measures.coverage_statuses", []), "measures.coverage_statuses"),
    ("a confidence of one", _set("measures.evaluation_confidence", 1), "measures.evaluation_confidence"),
    ("a trim of one half", _set("measures.evaluation_trim", 0.5), "measures.evaluation_trim"),
    ("projects not a mapping", _set("projects", 5), "projects"),
    ("an unknown projects key", _set("projects.cap", 5), "projects.cap"),
    ("no publicity days", _set("projects.distribution_publicity_days", 0), "projects.distribution_publicity_days"),
    ("a negative tolerance", _set("projects.price_tolerance", -0.1), "projects.price_tolerance"),
    ("a zero renovation cap", _set("projects.renovation_cap", 0), "projects.renovation_cap"),
    ("an unknown renovation status", _set("projects.renovation_statuses", ["poor"]), "projects.renovation_statuses"),
    ("archives not a mapping", _set("archives", 5), "archives"),
    ("an unknown archives key", _set("archives.max_mb", 5), "archives.max_mb"),
    ("a zero file size", _set("archives.max_file_mb", 0), "archives.max_file_mb"),
    ("required not a mapping", _set("archives.required", []), "archives.required"),
    ("required for an unknown status", _set("archives.required.poor", {}), "archives.required.poor"),
    ("required categories not a mapping", _set("archives.required.lifted", ["household"]),
     "archives.required.lifted"),
    ("an unknown archive category", _set("archives.required.lifted.misc", []), "archives.required.lifted.misc"),
    ("an unknown document type", _set("archives.required.lifted.household", ["passport"]),
     "archives.required.lifted.household"),
    ("no student status", _set("archives.student_statuses", []), "archives.student_statuses"),
    ("weights not summing to 1", _set("honours.weights.willingness", 0.5), "honours.weights"),
    ("a zero income growth", _set("honours.income_growth_full", 0), "honours.income_growth_full"),
    ("a pass score above 100", _set("honours.pass_score", 101), "honours.pass_score"),
    ("no model household a village", _set("honours.per_village", 0), "honours.per_village"),
    ("an unknown nominee status", _set("honours.nominee_statuses", ["poor"]), "honours.nominee_statuses"),
    ("no answer days", _set("councils.answer_days", 0), "councils.answer_days"),
    ("working_days a string", _set("cases.working_days", "yes"), "cases.working_days"),
    ("working_days missing", _drop("cases.working_days"), "cases.working_days"),
]


def _refusal(change) -> PolicyError:
    data = defaults()
    change(data)
    with pytest.raises(PolicyError) as refused:
        policy_from_text(yaml.safe_dump(data, allow_unicode=True), source="county.yaml")
    return refused.value


def _names_the_key(error: PolicyError, key: str, source: str) -> None:
    assert error.key == key
    text = str(error)
    assert text.startswith(f"{source}: {key}: "), text
    zh, en = text[len(f"{source}: {key}: "):].split(" / ", 1)
    assert re.search(r"[\u4e00-\u9fff]", zh) and en and not re.search(r"[\u4e00-\u9fff]", en), text


@pytest.mark.parametrize("change, key", [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_each_refusal_names_its_key(change, key):
    _names_the_key(_refusal(change), key, "county.yaml")


# Refusals of the file itself, before any key is read: (id, write files, key).
def _file_cases(tmp_path: Path) -> list[tuple[str, Path, str]]:
    (tmp_path / "broken.yaml").write_text("year: [2026\n", encoding="utf-8")
    (tmp_path / "list.yaml").write_text("- 2026\n", encoding="utf-8")
    (tmp_path / "a.yaml").write_text("extends: b.yaml\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\n", encoding="utf-8")
    (tmp_path / "orphan.yaml").write_text("extends: province.yaml\n", encoding="utf-8")
    (tmp_path / "bad_child.yaml").write_text("extends: list.yaml\n", encoding="utf-8")
    return [
        ("file missing", tmp_path / "nowhere.yaml", "(file)"),
        ("not YAML", tmp_path / "broken.yaml", "(file)"),
        ("not a mapping", tmp_path / "list.yaml", "(file)"),
        ("extends in a cycle", tmp_path / "a.yaml", "extends"),
        ("extends a missing file", tmp_path / "orphan.yaml", "(file)"),
        ("extends a file that is not a mapping", tmp_path / "bad_child.yaml", "(file)"),
    ]


def test_refusals_of_the_file_name_the_file(tmp_path):
    for name, path, key in _file_cases(tmp_path):
        with pytest.raises(PolicyError) as refused:
            load_policy(path)
        error = refused.value
        assert error.key == key, name
        assert f": {key}: " in str(error), name
    # The parent of a cycle or a missing parent is named, so the right file gets fixed.
    with pytest.raises(PolicyError, match="province.yaml"):
        load_policy(tmp_path / "orphan.yaml")


@pytest.mark.parametrize("text", ["year: [2026\n", "- 2026\n"], ids=["not YAML", "not a mapping"])
def test_a_stored_policy_that_is_not_a_mapping_is_refused(text):
    with pytest.raises(PolicyError) as refused:
        policy_from_text(text, source="run 7")
    assert refused.value.key == "(file)" and str(refused.value).startswith("run 7: (file): ")


# --------------------------------------------------------------------------- extends


def test_a_county_inherits_from_its_province_and_the_default(tmp_path):
    (tmp_path / "province").mkdir()
    (tmp_path / "province" / "chongqing.yaml").write_text(
        "monitoring_threshold: 8500\n"
        "rules: {training_ages: [18, 55]}\n"
        "uploads: {retention_days: 60}\n"
        "review: {publicity_days: 7}\n", encoding="utf-8")
    (tmp_path / "county.yaml").write_text(
        "extends: province/chongqing.yaml\n"
        "monitoring_threshold: 8050\n"
        "rules: {welfare_post_ages: [18, 60]}\n"
        "review: {publicity_days: 10}\n", encoding="utf-8")

    policy = load_policy(tmp_path / "county.yaml")
    default = load_policy()
    assert policy.monitoring_threshold == Decimal(8050)  # the county's own value
    assert (policy.training_ages.low, policy.training_ages.high) == (18, 55)  # the province's rule
    assert (policy.welfare_post_ages.low, policy.welfare_post_ages.high) == (18, 60)  # the county's
    assert policy.job_placement_ages == default.job_placement_ages  # the default's
    assert policy.upload_retention_days == 60  # a section merges key by key through the chain
    assert policy.review_publicity_days == 10
    assert policy.poverty_line == default.poverty_line
    assert policy.source == str(tmp_path / "county.yaml")


def test_a_list_of_indicators_replaces_the_inherited_one_whole(tmp_path):
    (tmp_path / "province.yaml").write_text(yaml.safe_dump({"motivation_indicators": {
        "will": {"dimension": "awareness", "weight": 0.5},
        "credit": {"dimension": "opportunity", "weight": 0.5},
    }}, sort_keys=False), encoding="utf-8")
    (tmp_path / "county.yaml").write_text("extends: province.yaml\n", encoding="utf-8")
    assert [i.name for i in load_policy(tmp_path / "county.yaml").indicators] == ["will", "credit"]


def test_a_value_refused_in_a_parent_is_named_with_the_file_loaded(tmp_path):
    (tmp_path / "province.yaml").write_text("review: {publicity_days: 0}\n", encoding="utf-8")
    (tmp_path / "county.yaml").write_text("extends: province.yaml\n", encoding="utf-8")
    with pytest.raises(PolicyError) as refused:
        load_policy(tmp_path / "county.yaml")
    _names_the_key(refused.value, "review.publicity_days", str(tmp_path / "county.yaml"))


def test_the_default_policy_loads_with_its_dates_and_keys():
    policy = load_policy()
    assert policy.reference_date == dt.date(2026, 12, 31)
    assert policy.upload_retention_days == 30 and policy.review_publicity_days == 5
    # cases.md's built-in defaults.
    assert (policy.cases_identification_days, policy.cases_working_days, policy.cases_publicity_days,
            policy.cases_elimination_publicity_days, policy.cases_min_monitoring_months,
            policy.cases_warning_days) == (15, False, 5, 5, 6, 10)
    # grid.md's built-in defaults.
    assert (policy.grid_max_per_cadre, policy.grid_town_cost, policy.grid_county_cost,
            policy.grid_visit_days_monitored, policy.grid_visit_days_lifted, policy.grid_problem_days,
            policy.grid_hotline) == (5, 1000, 4000, 7, 30, 30, "12317")


def test_a_policy_stored_before_the_grid_section_takes_its_defaults():
    data = yaml.safe_load(default_policy_text())
    del data["grid"]
    policy = policy_from_text(yaml.safe_dump(data, allow_unicode=True))
    assert (policy.grid_max_per_cadre, policy.grid_visit_days_monitored) == (5, 7)


def test_a_county_counts_case_deadlines_in_working_days_over_the_default(tmp_path):
    (tmp_path / "county.yaml").write_text("cases: {working_days: true, identification_days: 10}\n",
                                          encoding="utf-8")
    policy = load_policy(tmp_path / "county.yaml")
    assert policy.cases_working_days is True and policy.cases_identification_days == 10
    assert policy.cases_publicity_days == 5  # the section merges key by key


# --------------------------------------------------------------------------- completeness


def _refusal_lines() -> set[int]:
    """Lines of policy.py that refuse: each `fail(...)` call and `raise PolicyError(...)`."""
    lines = inspect.getsource(policy_module).splitlines()
    return {number for number, line in enumerate(lines, start=1)
            if re.search(r"(?<!def )\bfail\(|raise PolicyError\(", line)
            and "def fail(" not in lines[number - 2]}  # fail's own raise serves all its callers


def _line_reached(error: PolicyError) -> int:
    """The line of policy.py that refused: the caller of `fail`, or the `raise` itself."""
    frames = []
    tb = error.__traceback__
    while tb is not None:
        frames.append(tb)
        tb = tb.tb_next
    in_policy = [f for f in frames if f.tb_frame.f_code.co_filename == policy_module.__file__]
    if in_policy[-1].tb_frame.f_code.co_name == "fail":
        return in_policy[-2].tb_lineno
    return in_policy[-1].tb_lineno


def test_the_table_reaches_every_refusal_of_policy_py(tmp_path):
    reached = {_line_reached(_refusal(change)) for _, change, _ in CASES}
    for _, path, _ in _file_cases(tmp_path):
        with pytest.raises(PolicyError) as refused:
            load_policy(path)
        reached.add(_line_reached(refused.value))
    for text in ("year: [2026\n", "- 2026\n"):
        with pytest.raises(PolicyError) as refused:
            policy_from_text(text)
        reached.add(_line_reached(refused.value))
    missing = _refusal_lines() - reached
    assert not missing, f"refusals of policy.py without a row in this table: lines {sorted(missing)}"


def test_cases_do_not_touch_the_shared_default():
    # Each case works on its own copy of the default policy.
    before = copy.deepcopy(defaults())
    for _, change, _ in CASES:
        _refusal(change)
    assert defaults() == before


def test_issue_16_sections_have_their_defaults_and_a_stored_policy_without_them_takes_them():
    policy = load_policy()
    assert policy.archives_required_for("monitored")["identification"] == (
        "application", "consent", "review_record", "publicity", "approval_form")
    assert policy.archives_required_for("general") == {}
    assert policy.honours_weight == {"income_growth": 0.4, "own_effort": 0.3, "helping_others": 0.15,
                                     "willingness": 0.15}
    assert (policy.honours_pass_score, policy.councils_answer_days) == (60, 15)
    data = yaml.safe_load(default_policy_text())
    for section in ("archives", "honours", "councils"):
        del data[section]
    stored = policy_from_text(yaml.safe_dump(data, allow_unicode=True))
    assert stored.archives_required == policy.archives_required and stored.honours_pair_max == 3


def test_the_feeds_section_has_feeds_md_defaults():
    policy = load_policy()
    assert (policy.feeds_auto_accept, policy.feeds_review, policy.feeds_school_fees_over,
            policy.feeds_inpatient_lifted, policy.feeds_inpatient_other, policy.feeds_outpatient_month,
            policy.feeds_illness_recent_days, policy.feeds_disaster_loss_at_least,
            policy.feeds_school_age_from, policy.feeds_school_age_to) == (
        0.95, 0.5, 10000, 5000, 20000, 500, 365, 5000, 6, 15)


def test_a_policy_stored_before_the_feeds_section_takes_its_defaults():
    data = yaml.safe_load(default_policy_text())
    del data["feeds"]
    policy = policy_from_text(yaml.safe_dump(data, allow_unicode=True))
    assert (policy.feeds_auto_accept, policy.feeds_inpatient_other) == (0.95, 20000)


def test_the_measures_section_has_its_defaults():
    policy = load_policy()
    assert (policy.measures_first_measure_days, policy.measures_coverage_statuses,
            policy.measures_evaluation_min_households, policy.measures_evaluation_confidence,
            policy.measures_evaluation_trim) == (30, ("lifted", "monitored"), 30, 0.95, 0.02)


def test_the_projects_section_has_its_defaults():
    policy = load_policy()
    assert (policy.projects_distribution_publicity_days, policy.projects_price_tolerance,
            policy.projects_renovation_cap, policy.projects_renovation_statuses) == (
        5, 0.10, 20000, ("lifted", "monitored"))


def test_a_policy_stored_before_the_projects_section_takes_its_defaults():
    data = yaml.safe_load(default_policy_text())
    del data["projects"]
    policy = policy_from_text(yaml.safe_dump(data, allow_unicode=True))
    assert (policy.projects_price_tolerance, policy.projects_renovation_cap) == (0.10, 20000)
