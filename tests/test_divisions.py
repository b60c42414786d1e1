import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neisheng.divisions import (
    County,
    Division,
    UnknownDivision,
    counties,
    county,
    division_code,
    find_county,
    level_of,
    lineage,
    parent_of,
    town_names,
    village_names,
)


def test_wushan():
    c = find_county("巫山县")
    assert c == County("500237", "巫山县", "500200", "县", "500000", "重庆市")
    assert county("500237") == c


def test_dongchangfu():
    c = find_county("东昌府区")
    assert (c.code, c.city_code, c.city_name, c.province_name) == (
        "371502",
        "371500",
        "聊城市",
        "山东省",
    )


def test_current_name_is_taken_from_history():
    # loc.dat: 0101 county="[1997-1997]万县区,[1998-]万州区"
    assert county("500101").name == "万州区"
    assert county("500101").city_name == "市辖区"  # kept as the table gives it


def test_abolished_and_placeholder_codes_are_skipped():
    with pytest.raises(KeyError, match="unknown county code"):
        county("500221")  # 长寿县, [1997-2001]
    with pytest.raises(UnknownDivision):
        county("130101")  # 市辖区 placeholder
    with pytest.raises(KeyError):
        county("500200")  # a city-level grouping, not a county


def test_find_county_errors_and_qualified_names():
    with pytest.raises(KeyError, match="no current county named"):
        find_county("万县区")
    with pytest.raises(KeyError, match="ambiguous") as e:
        find_county("朝阳区")
    assert "110105" in str(e.value) and "220104" in str(e.value)
    assert find_county("北京市朝阳区").code == "110105"
    assert find_county("长春市朝阳区").code == "220104"
    assert find_county("吉林省长春市朝阳区").code == "220104"


def test_county_table_shape():
    cs = counties()
    assert len(cs) > 2800  # about 2,850 county-level divisions today
    codes = [c.code for c in cs]
    assert len(set(codes)) == len(codes)
    assert codes == sorted(codes)
    for c in cs:
        assert re.fullmatch(r"[0-9]{6}", c.code) and not c.code.endswith("00")
        assert c.city_code == c.code[:4] + "00" and c.province_code == c.code[:2] + "0000"
        assert c.name and c.province_name and c.name != "市辖区"
        assert "[" not in c.name and "," not in c.name


def test_division_code():
    assert division_code("500237") == "500237000000"
    assert division_code("500237", 12) == "500237012000"
    assert division_code("500237", 12, 3) == "500237012003"
    for bad in [("50023", 0, 0), ("500237", 1000, 0), ("500237", 0, 1), ("000000", 0, 0)]:
        with pytest.raises(ValueError):
            division_code(*bad)


def test_levels_and_parents():
    chain = ["500237012003", "500237012000", "500237000000", "500200000000", "500000000000"]
    assert [level_of(c) for c in chain] == [5, 4, 3, 2, 1]
    assert [parent_of(c) for c in chain] == chain[1:] + [None]
    # 东莞市 has towns directly under the prefecture city.
    assert level_of("441900003000") == 4
    assert parent_of("441900003000") == "441900000000"
    for bad in ["50023701200", "5002370120031", "000000000000", "500237000001", "50023701200x"]:
        with pytest.raises(ValueError):
            level_of(bad)


@settings(max_examples=200)
@given(
    c=st.sampled_from([c.code for c in counties()]),
    town=st.integers(0, 999),
    village=st.integers(0, 999),
)
def test_level_parent_round_trip(c, town, village):
    if village and not town:
        village = 0
    code = division_code(c, town, village)
    level = level_of(code)
    assert level == (5 if village else 4 if town else 3)
    # Walking up always reaches the province, one level or more at a time.
    seen = [code]
    while (p := parent_of(seen[-1])) is not None:
        assert level_of(p) < level_of(seen[-1])
        assert all(a in ("0", b) for a, b in zip(p, seen[-1]))
        seen.append(p)
    assert level_of(seen[-1]) == 1 and seen[-1] == c[:2] + "0" * 10


def test_lineage():
    assert lineage("371502") == [
        Division("370000000000", "山东省", 1, None),
        Division("371500000000", "聊城市", 2, "370000000000"),
        Division("371502000000", "东昌府区", 3, "371500000000"),
    ]
    assert [d.name for d in lineage("500237")] == ["重庆市", "县", "巫山县"]
    for d in lineage("500237"):
        assert level_of(d.code) == d.level and parent_of(d.code) == d.parent_code


@pytest.mark.parametrize("make,suffixes", [(town_names, ("镇", "乡")), (village_names, ("村",))])
def test_synthetic_names(make, suffixes):
    names = make(400, np.random.default_rng(42))
    assert len(names) == len(set(names)) == 400
    assert all(n.endswith(suffixes) and 3 <= len(n) <= 4 for n in names)
    assert names == make(400, np.random.default_rng(42))
    assert names != make(400, np.random.default_rng(43))


def test_town_names_use_both_suffixes_and_unique_stems():
    names = town_names(200, np.random.default_rng(0))
    assert {n[-1] for n in names} == {"镇", "乡"}
    assert len({n[:-1] for n in names}) == 200


def test_many_village_names_spill_into_three_characters():
    names = village_names(5000, np.random.default_rng(1))
    assert len(set(names)) == 5000
    assert any(len(n) == 4 for n in names)
    assert village_names(0, np.random.default_rng(1)) == []
    with pytest.raises(ValueError):
        village_names(10**6, np.random.default_rng(1))
