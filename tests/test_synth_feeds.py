"""The synthetic feed generator: its errors come out at the rates asked, are the errors
they claim to be, and are the same for the same seed."""

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from opencc import OpenCC
from pypinyin import lazy_pinyin

from neisheng import ids
from neisheng.engine.feeds import FEED_TYPES
from neisheng.synth import generate_county
from neisheng.synth.feeds import (
    HOMOPHONES,
    FeedErrors,
    add_namesakes,
    feed_write,
    make_feed,
    namesake_flags,
)

ROWS = 4_000


@pytest.fixture(scope="module")
def county():
    return generate_county(households=3_000, seed=7, year=2026)


@pytest.fixture(scope="module")
def synth(county):
    return make_feed(persons=county["persons"], households=county["households"],
                     divisions=county["divisions"], rows=ROWS, seed=3)


def _column(table, name):
    return table[name].to_numpy(zero_copy_only=False)


def test_error_counts_are_the_rates_asked(synth):
    errors = FeedErrors()
    truth = synth.truth
    id_error = _column(truth, "id_error").astype(str)
    name_error = _column(truth, "name_error").astype(str)
    assert (id_error == "missing").sum() == round(errors.id_missing * ROWS)
    assert (id_error == "transposed").sum() == round(errors.id_transposed * ROWS)
    assert (id_error == "wrong_digit").sum() == round(errors.id_wrong_digit * ROWS)
    assert (name_error == "homophone").sum() == round(errors.name_homophone * ROWS)
    assert (name_error == "traditional").sum() == round(errors.name_traditional * ROWS)
    assert _column(truth, "birth_date_missing").sum() == round(errors.birth_date_missing * ROWS)
    assert _column(truth, "address_missing").sum() == round(errors.address_missing * ROWS)
    assert _column(truth, "stranger").sum() == round(errors.strangers * ROWS)
    # The scale case of the issue: 10% of rows without a usable ID number.
    assert np.isin(id_error, ["missing", "transposed", "wrong_digit"]).mean() == pytest.approx(0.10)


def test_other_rates_are_honoured(county):
    errors = FeedErrors(id_missing=0.2, id_transposed=0, id_wrong_digit=0.1, name_homophone=0.1,
                        name_traditional=0, strangers=0.25, birth_date_missing=0.5, namesakes=0.2)
    synth = make_feed(persons=county["persons"], households=county["households"],
                      divisions=county["divisions"], rows=2_000, seed=9, errors=errors)
    truth = synth.truth
    id_error = _column(truth, "id_error").astype(str)
    assert (id_error == "missing").sum() == 400
    assert (id_error == "transposed").sum() == 0
    assert (id_error == "wrong_digit").sum() == 200
    assert (_column(truth, "name_error").astype(str) == "homophone").sum() == 200
    assert _column(truth, "stranger").sum() == 500
    assert _column(truth, "birth_date_missing").sum() == 1_000
    # 20% of the 1,500 registry rows are namesakes.
    assert _column(truth, "namesake").sum() == 300


def test_rows_carry_the_errors_the_truth_names(county, synth):
    feed, truth = synth.feed, synth.truth
    assert feed["row"].to_pylist() == list(range(2, ROWS + 2))
    assert truth["row"].to_pylist() == feed["row"].to_pylist()
    persons = county["persons"]
    by_id = dict(zip(persons["person_id"].to_pylist(), zip(persons["name"].to_pylist(),
                                                           persons["birth_date"].to_pylist())))
    to_traditional = OpenCC("s2t")
    for got_id, got_name, got_birth, address, true_id, id_error, name_error, stranger in zip(
            feed["id_number"].to_pylist(), feed["name"].to_pylist(), feed["birth_date"].to_pylist(),
            feed["address"].to_pylist(), *(truth[c].to_pylist() for c in (
                "true_person_id", "id_error", "name_error", "stranger"))):
        assert stranger == (true_id is None)
        if id_error == "missing":
            assert got_id is None
        elif id_error == "none":
            if true_id is not None:
                assert got_id == true_id
            assert ids.is_valid(got_id)
        else:
            # A slip in the first 17 digits never passes the check character.
            assert not ids.is_valid(got_id)
            if true_id is not None:
                changed = [i for i in range(18) if got_id[i] != true_id[i]]
                if id_error == "transposed":
                    assert len(changed) == 2 and changed[1] == changed[0] + 1
                    assert got_id[changed[0]] == true_id[changed[1]]
                    assert got_id[changed[1]] == true_id[changed[0]]
                else:
                    assert len(changed) == 1 and changed[0] < 17
        if address is not None:
            assert address.endswith("村") and ("镇" in address or "乡" in address)
        if true_id is None:
            assert got_id is None or got_id not in by_id
            continue
        true_name, true_birth = by_id[true_id]
        if got_birth is not None:
            assert got_birth == true_birth
        if name_error == "none":
            assert got_name == true_name
        elif name_error == "traditional":
            # Character by character: a name is not a phrase.
            assert got_name == "".join(to_traditional.convert(c) for c in true_name) != true_name
        else:
            assert got_name != true_name and len(got_name) == len(true_name)
            assert got_name[0] == true_name[0]
            assert lazy_pinyin(got_name) == lazy_pinyin(true_name)


def test_homophones_sound_the_same():
    for char, alternatives in HOMOPHONES.items():
        for alt in alternatives:
            assert lazy_pinyin(alt) == lazy_pinyin(char), (char, alt)


def test_the_same_seed_gives_the_same_feed(county, synth):
    again = make_feed(persons=county["persons"], households=county["households"],
                      divisions=county["divisions"], rows=ROWS, seed=3)
    assert again.feed.equals(synth.feed) and again.truth.equals(synth.truth)
    other = make_feed(persons=county["persons"], households=county["households"],
                      divisions=county["divisions"], rows=ROWS, seed=4)
    assert not other.feed.equals(synth.feed)


def test_feed_has_the_layout_of_its_type(county):
    today = dt.date(2026, 11, 30)
    for feed_type in ("social_assistance", "medical_claims", "death", "property"):
        synth = make_feed(persons=county["persons"], households=county["households"],
                          divisions=county["divisions"], rows=50, seed=1, feed_type=feed_type, today=today)
        names = [c.name for c in FEED_TYPES[feed_type].all_columns]
        assert synth.feed.column_names == ["row", *names]
        for column in FEED_TYPES[feed_type].columns:
            values = synth.feed[column.name]
            assert values.null_count == 0
            if column.kind == "choice":
                assert set(values.to_pylist()) <= {code for code, _ in column.choices}
            if column.kind == "date":
                assert all(v <= today for v in values.to_pylist())


def test_feed_write_reads_back(county, tmp_path):
    from neisheng.engine.feeds import feed_read

    synth = make_feed(persons=county["persons"], households=county["households"],
                      divisions=county["divisions"], rows=300, seed=2, feed_type="medical_claims")
    path = feed_write(synth.feed, tmp_path / "feed.csv", feed_type="medical_claims")
    header = path.read_text(encoding="utf-8-sig").splitlines()[0]
    assert header == "证件号码,姓名,出生日期,住址,类别,结算日期,个人自付"
    read = feed_read(path, "medical_claims")
    for name in ("row", "id_number", "name", "birth_date", "address", "kind", "date", "self_pay"):
        assert read[name].to_pylist() == synth.feed[name].to_pylist(), name


def test_add_namesakes_renames_within_a_village(county):
    persons, households = county["persons"], county["households"]
    before = namesake_flags(persons, households=households)
    renamed = add_namesakes(persons, households, share=0.1, seed=1)
    after = namesake_flags(renamed, households=households)
    changed = pc.not_equal(persons["name"], renamed["name"]).to_numpy(zero_copy_only=False)
    # About share / 2 persons take another's name; each now has a namesake in the village.
    assert changed.sum() == pytest.approx(0.05 * persons.num_rows, rel=0.05)
    assert after[changed].all()
    assert after.mean() > before.mean() + 0.05
    assert renamed["person_id"].equals(persons["person_id"])
    assert renamed.schema == persons.schema


def test_generation_is_vectorised():
    """The generator is vectorised: 200,000 rows (a fifth of the scale case) from a
    county of 60,000 households stays well within seconds."""
    import time

    county = generate_county(households=60_000, seed=2, year=2026)
    started = time.perf_counter()
    synth = make_feed(persons=county["persons"], households=county["households"],
                      divisions=county["divisions"], rows=200_000, seed=1)
    assert time.perf_counter() - started < 30
    assert synth.feed.num_rows == 200_000
    assert isinstance(synth.feed["id_number"], pa.ChunkedArray)
