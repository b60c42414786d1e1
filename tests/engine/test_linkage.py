"""Linking feed rows to registry persons (engine.linkage, feeds.md "Matching"): exact on
the ID number, then the Splink model on DuckDB; known answers on a hand-made registry."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest
from tests.engine.linkage_tables import (
    ADDRESS,
    DIVISIONS,
    HOUSEHOLDS,
    PERSONS,
    VILLAGE_A1,
    VILLAGE_B1,
    feed,
    id_number,
    person,
    sample_feed,
    swap_adjacent,
)

from neisheng.engine.feeds import MATCH_KINDS
from neisheng.engine.linkage import COMPARISONS, LEVEL_LABELS, LEVELS, link_feed

AUTO_ACCEPT, REVIEW = 0.95, 0.5


def link(table: pa.Table, persons: pa.Table = PERSONS):
    return link_feed(table, persons=persons, households=HOUSEHOLDS, divisions=DIVISIONS,
                     auto_accept=AUTO_ACCEPT, review=REVIEW)


@pytest.fixture(scope="module")
def linked():
    table, expected = sample_feed()
    return table, expected, link(table)


def by_row(linkage) -> dict[int, dict]:
    return {m["row"]: m for m in linkage.matches.to_pylist()}


def test_each_row_gets_its_expected_outcome(linked):
    _, expected, linkage = linked
    got = by_row(linkage)
    for row, (kind, person_id) in expected.items():
        if kind == "not probable":
            assert got[row]["match_kind"] in ("review", "unmatched"), got[row]
        else:
            assert (got[row]["match_kind"], got[row]["person_id"]) == (kind, person_id), got[row]


def test_exact_row_carries_probability_one_and_household(linked):
    zhao = person("赵强")
    row = by_row(linked[2])[2]
    assert row == {"row": 2, "person_id": zhao["person_id"], "household_id": "H05", "match_kind": "exact",
                   "match_probability": 1.0, "match_weight": None}


def test_exact_ignores_case_and_spaces_of_the_id_number():
    number = person("高春燕")["person_id"]
    spaced = f" {number[:6]} {number[6:14]} {number[14:].lower()}"
    got = by_row(link(feed([{"row": 2, "id_number": spaced, "name": "高春燕"}])))[2]
    assert (got["match_kind"], got["person_id"]) == ("exact", number)


def test_transposed_id_and_homophone_name_are_linked_with_their_evidence(linked):
    li = person("李明")
    match = by_row(linked[2])[7]
    assert match["match_kind"] == "probable"
    assert match["household_id"] == "H01"
    assert AUTO_ACCEPT <= match["match_probability"] < 1.0
    best = next(p for p in linked[2].pairs.to_pylist() if p["row"] == 7 and p["rank"] == 1)
    assert best["person_id"] == li["person_id"]
    assert best["level_name"] == "name_pinyin"
    assert best["level_id_number"] == "id_number_1"
    assert best["level_village"] == "village_same"
    # The swapped digits are the sequence's, so the number's date and sex still read.
    assert best["level_sex"] == "sex_same"
    assert best["level_birth_date"] == "birth_date_exact"
    assert best["w_id_number"] > 0 and best["w_name"] > 0 and best["w_village"] > 0
    assert best["match_weight"] == pytest.approx(match["match_weight"])


def test_transposition_inside_the_birth_date_digits_still_links():
    li = person("李明")
    # 19800315 -> 19803015: no such date, so the row has no birth date or sex.
    number = swap_adjacent(li["person_id"], 12)
    got = by_row(link(feed([{"row": 2, "id_number": number, "name": "李铭", "address": ADDRESS[VILLAGE_A1]}])))[2]
    assert (got["match_kind"], got["person_id"]) == ("probable", li["person_id"])


def test_traditional_characters_are_linked(linked):
    chen = person("陈建国")
    assert (by_row(linked[2])[5]["match_kind"], by_row(linked[2])[5]["person_id"]) == ("probable",
                                                                                      chen["person_id"])


def test_namesakes_in_one_village_are_never_linked_on_name_alone(linked):
    match = by_row(linked[2])[3]
    assert match["match_kind"] in ("review", "unmatched")
    namesakes = {p["person_id"] for p in PERSONS.to_pylist() if p["name"] == "王芳"}
    shown = [p for p in linked[2].pairs.to_pylist() if p["row"] == 3]
    if match["match_kind"] == "review":
        # The clerk sees both women to choose from.
        assert {p["person_id"] for p in shown} == namesakes
        assert match["person_id"] in namesakes


def test_name_and_village_alone_never_auto_accept_even_without_a_namesake():
    got = by_row(link(feed([{"row": 2, "name": "郑磊", "address": ADDRESS[VILLAGE_B1]}])))[2]
    assert got["match_kind"] in ("review", "unmatched")


def test_a_stranger_stays_unmatched(linked):
    assert by_row(linked[2])[6] == {"row": 6, "person_id": None, "household_id": None, "match_kind": "unmatched",
                                    "match_probability": None, "match_weight": None}


def test_a_valid_id_of_someone_born_the_same_day_is_not_a_link():
    wang = person("王芳", dt.date(1990, 5, 17))
    other = id_number(wang["birth_date"], 58)  # same place and birthday, another person
    got = by_row(link(feed([{"row": 2, "id_number": other, "name": "刘畅", "address": ADDRESS[VILLAGE_A1]}])))[2]
    assert got["match_kind"] == "unmatched"


def test_rows_come_back_in_feed_order_one_each(linked):
    table, _, linkage = linked
    assert linkage.matches.column("row").to_pylist() == table.column("row").to_pylist()
    assert set(linkage.matches.column("match_kind").to_pylist()) <= set(MATCH_KINDS)
    assert linkage.matches.schema.field("match_probability").type == pa.float64()
    assert linkage.matches.schema.field("row").type == pa.int64()


def test_pairs_only_for_rows_shown_and_at_most_three_each(linked):
    linkage = linked[2]
    kinds = {m["row"]: m["match_kind"] for m in linkage.matches.to_pylist()}
    pairs = linkage.pairs.to_pylist()
    assert {p["row"] for p in pairs if kinds[p["row"]] in ("exact",)} == set()
    for row in {p["row"] for p in pairs}:
        ranks = [p["rank"] for p in pairs if p["row"] == row]
        assert ranks == list(range(1, len(ranks) + 1)) and len(ranks) <= 3
    for p in pairs:
        for c in COMPARISONS:
            assert p[f"level_{c}"] in LEVEL_LABELS
            assert p[f"level_{c}"] in LEVELS[c] or p[f"level_{c}"] == f"{c}_missing"


def test_every_level_has_chinese_words():
    for c in COMPARISONS:
        for level in (*LEVELS[c], f"{c}_missing"):
            assert LEVEL_LABELS[level] and not any("a" <= ch.lower() <= "z" for ch in LEVEL_LABELS[level])


def test_same_input_same_output(linked):
    table, _, first = linked
    second = link(table)
    assert first.matches.equals(second.matches)
    assert first.pairs.equals(second.pairs)
    assert first.settings == second.settings


def test_settings_describe_the_model(linked):
    settings = linked[2].settings
    assert settings["registry_size"] == PERSONS.num_rows
    assert settings["prior"] == pytest.approx(1 / PERSONS.num_rows)
    for c in COMPARISONS:
        assert len(settings["m_probabilities"][c]) == len(LEVELS[c])
        assert sum(settings["u_probabilities"][c]) == pytest.approx(1.0)
    assert (settings["auto_accept"], settings["review"]) == (AUTO_ACCEPT, REVIEW)


def test_a_feed_of_exact_rows_only_and_an_empty_feed():
    number = person("李明")["person_id"]
    assert by_row(link(feed([{"row": 2, "id_number": number, "name": "李明"}])))[2]["match_kind"] == "exact"
    empty = link(feed([]))
    assert empty.matches.num_rows == 0 and empty.pairs.num_rows == 0


def test_a_valid_number_not_one_slip_from_the_candidate_goes_to_review():
    li = person("李明")
    # A well-formed number (check character fits) for a birthday nine days later: the
    # same name, month and village, but the number says it is someone else.
    number = id_number(dt.date(1980, 3, 24), 13)
    got = by_row(link(feed([{"row": 2, "id_number": number, "name": "李明", "address": ADDRESS[VILLAGE_A1]}])))[2]
    assert got["match_kind"] == "review"
    assert got["person_id"] == li["person_id"]


def test_a_feed_settled_by_id_numbers_alone_skips_the_model():
    numbers = [person(name)["person_id"] for name in ("李明", "陈建国")]
    linkage = link(feed([{"row": i + 2, "id_number": n, "name": "某"} for i, n in enumerate(numbers)]))
    assert linkage.matches.column("match_kind").to_pylist() == ["exact", "exact"]
    assert "u_probabilities" not in linkage.settings


def test_one_slip_from_a_number_does_not_carry_a_different_name_through():
    li = person("李明")
    number = li["person_id"][:16] + ("1" if li["person_id"][16] != "1" else "3") + li["person_id"][17]
    got = by_row(link(feed([{"row": 2, "id_number": number, "name": "欧阳娜娜"}])))[2]
    assert got["match_kind"] in ("review", "unmatched")


def test_any_single_slip_in_the_first_17_digits_still_links():
    """Every wrong digit and every swap of two different neighbours among the first 17
    digits: the blocking on parts of the number must still find the person."""
    li = person("李明")
    number = li["person_id"]
    slipped = [number[:i] + str((int(number[i]) + 5) % 10) + number[i + 1:] for i in range(17)]
    slipped += [swap_adjacent(number, p) for p in range(1, 17) if number[p - 1] != number[p]]
    rows = [{"row": i + 2, "id_number": n, "name": "李铭"} for i, n in enumerate(slipped)]
    got = link(feed(rows)).matches.to_pylist()
    assert len(got) == len(slipped) > 30
    for row, number_sent in zip(got, slipped):
        assert (row["match_kind"], row["person_id"]) == ("probable", li["person_id"]), number_sent
