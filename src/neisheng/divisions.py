"""Administrative divisions: real GB/T 2260 counties and synthetic towns and villages.

Province, prefecture and county names come from python-stdnum's maintained
``stdnum/cn/loc.dat`` so that the table is updated with the library rather than
hand-typed here. Each code there carries its naming history, e.g.
``[1997-1997]万县区,[1998-]万州区``; only the current name (open-ended or undated)
is used, and codes with no current name are dropped.

The registry's 12-digit division codes (data contract, divisions table) are the
6-digit county code followed by a 3-digit town and a 3-digit village part.
"""

from __future__ import annotations

import functools
import importlib.resources
import re
from dataclasses import dataclass

import numpy as np

__all__ = [
    "PREFIX_LENGTH",
    "County",
    "Division",
    "UnknownDivision",
    "counties",
    "county",
    "division_code",
    "find_county",
    "level_of",
    "lineage",
    "parent_of",
    "town_names",
    "village_names",
]


# The significant digits of a code at each level (province … village): every division
# below one shares them, so "under" is a range of codes.
PREFIX_LENGTH = {1: 2, 2: 4, 3: 6, 4: 9, 5: 12}


class UnknownDivision(KeyError):
    def __str__(self) -> str:
        # KeyError would show the message in quotes, as if it were the key.
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True)
class County:
    code: str  # 6 digits
    name: str
    city_code: str  # 6 digits, XXYY00
    city_name: str
    province_code: str  # 6 digits, XX0000
    province_name: str


@dataclass(frozen=True)
class Division:
    """One row of the contract's divisions table."""

    code: str  # 12 digits
    name: str
    level: int
    parent_code: str | None


# ------------------------------------------------------------------ GB/T 2260 table

_RANGED = re.compile(r"\[(\d*)-(\d*)\]([^,\[]+)")


def _current_name(spec: str) -> str | None:
    if "[" not in spec:
        return spec.strip() or None
    current = [name for _start, end, name in _RANGED.findall(spec) if end == ""]
    return current[-1].strip() if current else None


@functools.cache
def _names() -> dict[str, str]:
    """Current name of every 6-digit code in loc.dat, provinces included."""
    text = importlib.resources.files("stdnum.cn").joinpath("loc.dat").read_text("utf-8")
    names: dict[str, str] = {}
    province_line: dict[str, str] = {}
    prefix = None
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        m = re.fullmatch(r"(\d{2}) province=\"(.*)\"", line)
        if m:
            prefix = m.group(1)
            province_line[prefix] = m.group(2)
            continue
        m = re.fullmatch(r"\s+(\d{4}) county=\"(.*)\"", line)
        if not m or prefix is None:
            raise ValueError(f"unexpected line in stdnum/cn/loc.dat: {line!r}")
        name = _current_name(m.group(2))
        if name:
            names[prefix + m.group(1)] = name
    # The province line has no history; fall back to it when XX0000 is absent.
    for prefix, name in province_line.items():
        names.setdefault(prefix + "0000", name)
    return names


@functools.cache
def _counties() -> dict[str, County]:
    names = _names()
    out: dict[str, County] = {}
    for code, name in sorted(names.items()):
        if code.endswith("00"):
            continue
        # XXYY01 "市辖区" is a statistical placeholder for a city's districts as a
        # whole, not a county anyone lives in.
        if name == "市辖区":
            continue
        city_code = code[:4] + "00"
        province_code = code[:2] + "0000"
        out[code] = County(
            code=code,
            name=name,
            city_code=city_code,
            city_name=names.get(city_code, ""),
            province_code=province_code,
            province_name=names[province_code],
        )
    return out


def counties() -> list[County]:
    """All current counties (county-level divisions), ordered by code."""
    return list(_counties().values())


def county(code: str) -> County:
    try:
        return _counties()[code]
    except KeyError:
        raise UnknownDivision(
            f"未知的县级行政区划代码 / unknown county code {code!r} "
            "(GB/T 2260, 6 digits, current divisions only)"
        ) from None


@functools.cache
def _by_name() -> dict[str, list[County]]:
    index: dict[str, list[County]] = {}
    for c in _counties().values():
        keys = {
            c.name,
            c.province_name + c.name,
            c.city_name + c.name,
            c.province_name + c.city_name + c.name,
        }
        for key in keys:
            index.setdefault(key, []).append(c)
    return index


def find_county(name: str) -> County:
    """The county with this current name; qualify with province and/or city if ambiguous.

    ``find_county("巫山县")``, ``find_county("北京市朝阳区")``, ``find_county("长春市朝阳区")``.
    """
    found = _by_name().get(name.strip(), [])
    if len(found) == 1:
        return found[0]
    if not found:
        raise UnknownDivision(f"找不到县级行政区 / no current county named {name!r}")
    options = ", ".join(f"{c.code} {c.province_name}{c.city_name}{c.name}" for c in found)
    raise UnknownDivision(
        f"县名不唯一,请加上省或市名 / {name!r} is ambiguous, prefix the province or city: {options}"
    )


# ------------------------------------------------------------------ 12-digit codes

_PARTS = ((0, 2), (2, 4), (4, 6), (6, 9), (9, 12))  # province, city, county, town, village


def _check_code12(code: str) -> None:
    if not (isinstance(code, str) and re.fullmatch(r"[0-9]{12}", code)):
        raise ValueError(f"division code must be 12 digits, got {code!r}")
    if code[:2] == "00":
        raise ValueError(f"division code {code!r} has no province part")
    if code[9:] != "000" and code[6:9] == "000":
        raise ValueError(f"division code {code!r} has a village but no town")


def division_code(county_code: str, town: int = 0, village: int = 0) -> str:
    """12-digit code: county (6) + town (3) + village (3), zeros where absent."""
    if not re.fullmatch(r"[0-9]{6}", county_code or ""):
        raise ValueError(f"county code must be 6 digits, got {county_code!r}")
    if not (0 <= town <= 999 and 0 <= village <= 999):
        raise ValueError(f"town and village numbers must be 0..999, got {town}, {village}")
    code = f"{county_code}{town:03d}{village:03d}"
    _check_code12(code)
    return code


def level_of(code12: str) -> int:
    """1 province, 2 city, 3 county, 4 town, 5 village: the last part that is not zero.

    A few prefecture cities (e.g. 东莞市 441900) have towns but no counties, so a
    town's code may have a zero county part; its level is still 4.
    """
    _check_code12(code12)
    for level in range(5, 0, -1):
        start, end = _PARTS[level - 1]
        if int(code12[start:end]):
            return level
    raise AssertionError("unreachable: province part checked non-zero")


def parent_of(code12: str) -> str | None:
    """The code with its last non-zero part zeroed; None for a province."""
    level = level_of(code12)
    if level == 1:
        return None
    start, end = _PARTS[level - 1]
    return code12[:start] + "0" * (end - start) + code12[end:]


def lineage(county_code: str) -> list[Division]:
    """Division rows for a county's province, city and the county itself, top down.

    The city is whatever loc.dat puts at XXYY00, e.g. 重庆市's counties sit under
    "县" (500200) or "市辖区" (500100); a county under no current city (a province
    directly administering it, XX90YY) is parented to the province.
    """
    c = county(county_code)
    province = Division(c.province_code + "000000", c.province_name, 1, None)
    rows = [province]
    parent = province.code
    if c.city_name:
        rows.append(Division(c.city_code + "000000", c.city_name, 2, province.code))
        parent = rows[-1].code
    rows.append(Division(c.code + "000000", c.name, 3, parent))
    return rows


# ------------------------------------------------------------------ synthetic names

# Characters common in real rural place names: the first of a two-character name is
# usually a descriptor (colour, animal, tree, direction, number, auspicious word),
# the second a landform or settlement word.
_FIRST = (
    "龙石河黄白青红新大小高马杨李王张陈刘桃柳松竹梅花金银铜铁东西南北中上下"
    "双三五六九长安太平永兴福和清凤鹤鹿牛羊狮虎云水山天古官仙回乐丰富宝明"
)
_SECOND = (
    "坪坝溪湾岭岩坡口沟塘桥庄场岗冲坳洞坑垭寨营堡铺店集屯河田林山门园滩坎台峰"
    "湖泉头池关寺庙井源潭渡洲浦堰岔"
)
_MIDDLE = "家水石山龙马花竹"  # for three-character names once two-character ones run out


@functools.cache
def _stems() -> tuple[str, ...]:
    two = [a + b for a in _FIRST for b in _SECOND if a != b]
    three = [a + m + b for a in _FIRST for m in _MIDDLE for b in _SECOND if len({a, m, b}) == 3]
    return tuple(two + three)


def _n_two_char() -> int:
    return sum(1 for s in _stems() if len(s) == 2)


def _pick_stems(n: int, rng: np.random.Generator) -> list[str]:
    stems = _stems()
    if n < 0:
        raise ValueError("n must be non-negative")
    if n > len(stems):
        raise ValueError(f"can make at most {len(stems)} unique names, asked for {n}")
    two = _n_two_char()
    # Prefer the shorter, more typical names; spill into three characters only when needed.
    if n <= two:
        idx = rng.choice(two, size=n, replace=False)
    else:
        idx = np.concatenate(
            [rng.permutation(two), two + rng.choice(len(stems) - two, size=n - two, replace=False)]
        )
    return [stems[i] for i in idx.tolist()]


def town_names(n: int, rng: np.random.Generator) -> list[str]:
    """n unique town names ending in 镇 (about 70 %) or 乡, e.g. 石坪镇, 龙溪乡.

    Stems are unique too, so a county never has both 石坪镇 and 石坪乡.
    """
    stems = _pick_stems(n, rng)
    is_zhen = rng.random(n) < 0.7
    return [s + ("镇" if z else "乡") for s, z in zip(stems, is_zhen.tolist())]


def village_names(n: int, rng: np.random.Generator) -> list[str]:
    """n unique village names ending in 村, e.g. 河坝村, 黄岭村."""
    return [s + "村" for s in _pick_stems(n, rng)]
