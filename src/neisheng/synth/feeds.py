"""Synthetic department feeds with the errors real ones carry, and the truth behind them.

A feed row is drawn from a registry person (or from a stranger the registry does not
know), then spoilt the way department lists are: an ID number with two adjacent digits
swapped, one digit wrong or left empty; the name written with a homophone (李明 → 李铭)
or in traditional characters (陈 → 陳); no birth date; no address. The truth table says
which person each row really is and which errors it carries, so that
`benchmarks/feed_accuracy.py` can measure precision and recall of the linkage by error kind.

Error counts are exact (round(rate × rows), drawn without replacement) so that a small
sample shows the rates asked for. Everything is vectorised over the whole feed: the only
Python loops run over distinct names (a few thousand even for a million rows), so a feed
of 1,000,000 rows against 3.5 million persons is made in seconds.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from neisheng import ids
from neisheng.engine.feeds import FEED_TYPES
from neisheng.synth.arrays import to_decimal
from neisheng.synth.names import Names

# Given-name characters common in rural registers, each with characters read the same
# way (pinyin without tones) that clerks write for it. Only same-reading alternatives
# belong here: a homophone is the error a clerk makes when a name is dictated.
HOMOPHONES: dict[str, str] = {
    "秀": "绣琇", "桂": "贵", "英": "瑛鹰", "梅": "玫媒", "华": "桦骅", "兰": "岚澜",
    "玉": "钰毓", "建": "健剑", "丽": "莉俐利", "红": "虹宏鸿", "珍": "真贞", "淑": "舒书",
    "芳": "方舫", "婷": "亭庭", "凤": "峰锋", "荣": "蓉容", "强": "蔷", "军": "君钧",
    "平": "萍苹", "霞": "侠", "娟": "涓鹃", "燕": "艳妍", "雪": "学", "云": "芸昀",
    "伟": "玮炜", "磊": "蕾垒", "洋": "阳扬", "勇": "永咏", "杰": "洁捷", "涛": "韬滔",
    "超": "潮", "明": "铭鸣", "刚": "钢纲", "辉": "晖徽", "鹏": "朋彭", "飞": "菲非",
    "鑫": "欣馨", "波": "博", "斌": "彬滨", "宇": "雨羽", "浩": "昊皓", "凯": "楷恺",
    "健": "建剑", "俊": "骏峻", "帆": "凡", "旭": "煦绪", "宁": "凝", "龙": "隆",
    "林": "琳霖", "欢": "焕", "佳": "家嘉", "阳": "洋扬", "亮": "良", "成": "诚城",
    "峰": "锋丰", "国": "帼", "晨": "辰臣", "瑞": "睿锐", "志": "智", "兵": "冰",
    "雷": "蕾", "东": "冬", "博": "波", "彬": "斌", "坤": "昆", "岩": "炎言", "杨": "扬",
    "文": "雯闻", "利": "丽莉", "楠": "南男", "娜": "纳", "敏": "民闽", "静": "晶婧",
    "艳": "燕妍", "玲": "铃灵", "萍": "平苹", "莉": "丽俐", "晶": "静菁", "颖": "莹影",
    "慧": "惠蕙", "倩": "芊", "琴": "芹勤", "洁": "杰婕", "春": "椿", "冬": "东",
    "莹": "颖盈", "琳": "林霖", "欣": "馨鑫", "香": "湘", "芝": "枝", "金": "锦晋",
}

ID_ERRORS = ("none", "missing", "transposed", "wrong_digit")
NAME_ERRORS = ("none", "homophone", "traditional")


@dataclass(frozen=True)
class FeedErrors:
    """Shares of feed rows with each error (each drawn as an exact count).

    The ID-number errors exclude each other and together default to 10% of rows without a
    usable ID number (the issue's scale case); the name errors exclude each other; every
    error is drawn independently of the others, so a row may carry a wrong ID number and a
    homophone at once. `namesakes`, when set, is the exact share of registry rows whose
    person shares the name with another person of the same village; None draws persons
    uniformly, which gives the registry's own share (about 10% in the synthetic county,
    whose rural given names are few; `add_namesakes` raises it).
    """

    id_missing: float = 0.04
    id_transposed: float = 0.03
    id_wrong_digit: float = 0.03
    name_homophone: float = 0.05
    name_traditional: float = 0.03
    birth_date_missing: float = 0.20
    address_missing: float = 0.15
    strangers: float = 0.05
    namesakes: float | None = None

    def __post_init__(self) -> None:
        for f in fields(self):
            if getattr(self, f.name) is not None and not 0 <= getattr(self, f.name) <= 1:
                raise ValueError(f"{f.name} must lie in [0, 1]")
        if self.id_missing + self.id_transposed + self.id_wrong_digit > 1:
            raise ValueError("the ID-number error shares add up to more than 1")
        if self.name_homophone + self.name_traditional > 1:
            raise ValueError("the name error shares add up to more than 1")


@dataclass(frozen=True)
class SynthFeed:
    # The feed as engine.feeds.feed_read returns it: row (2 = first data row), id_number,
    # name, birth_date, address, then the type's own columns.
    feed: pa.Table
    # row, true_person_id (null for a stranger), id_error, name_error, birth_date_missing,
    # address_missing, stranger, namesake (the true person shares name and village).
    truth: pa.Table


def make_feed(*, persons: pa.Table, households: pa.Table, divisions: pa.Table, rows: int, seed: int,
              feed_type: str = "social_assistance", errors: FeedErrors = FeedErrors(),
              today: dt.date = dt.date(2026, 11, 30)) -> SynthFeed:
    """A feed of `rows` rows of `feed_type` drawn from the registry, spoilt by `errors`.

    `today` dates the type's own columns (last month's payments, claims of the past year);
    it is a fixed day by default so that a seed alone fixes the feed."""
    if feed_type not in FEED_TYPES:
        raise ValueError(f"unknown feed type {feed_type!r}")
    if rows < 1:
        raise ValueError("rows must be at least 1")
    root = np.random.SeedSequence(seed)
    pick_ss, stranger_ss, id_ss, name_ss, other_ss, type_ss = root.spawn(6)
    rng = np.random.default_rng(pick_ss)

    person_village = _person_villages(persons, households)
    namesake = namesake_flags(persons, person_village)
    n_strangers = _count(errors.strangers, rows)
    known = rows - n_strangers
    if known > persons.num_rows:
        raise ValueError("more registry rows asked for than the registry has persons")
    # Each registry person at most once, so that precision and recall count persons.
    if errors.namesakes is None:
        chosen = _choose(rng, np.arange(persons.num_rows), known)
    else:
        want_namesakes = min(_count(errors.namesakes, known), int(namesake.sum()))
        chosen = np.concatenate([
            _choose(rng, np.flatnonzero(namesake), want_namesakes),
            _choose(rng, np.flatnonzero(~namesake), known - want_namesakes),
        ])
    chosen_pa = pa.array(chosen)

    person_id = persons["person_id"].take(chosen_pa).combine_chunks()
    name = persons["name"].take(chosen_pa).combine_chunks()
    birth = persons["birth_date"].take(chosen_pa).combine_chunks()
    village = person_village.take(chosen_pa)

    s_id, s_name, s_birth, s_village = _strangers(
        n_strangers, np.random.default_rng(stranger_ss), divisions, person_id_set=persons["person_id"],
        today=today)
    person_id = pa.concat_arrays([person_id, s_id])
    name = pa.concat_arrays([name, s_name])
    birth = pa.concat_arrays([birth, s_birth])
    village = pa.concat_arrays([village, s_village])
    is_namesake = np.concatenate([namesake[chosen], np.zeros(n_strangers, bool)])
    stranger = np.concatenate([np.zeros(known, bool), np.ones(n_strangers, bool)])
    true_person = pa.concat_arrays([person_id.slice(0, known), pa.nulls(n_strangers, pa.string())])

    # Strangers interleave with everyone else, as in a real list.
    order = pa.array(rng.permutation(rows))
    person_id, name, birth, village, true_person = (
        a.take(order) for a in (person_id, name, birth, village, true_person))
    is_namesake, stranger = is_namesake[order.to_numpy()], stranger[order.to_numpy()]

    id_number, id_error = _spoil_ids(person_id, errors, np.random.default_rng(id_ss))
    name, name_error = _spoil_names(name, errors, np.random.default_rng(name_ss))
    other = np.random.default_rng(other_ss)
    birth_missing = _mask(other, errors.birth_date_missing, rows)
    address_missing = _mask(other, errors.address_missing, rows)
    birth = pc.if_else(pa.array(birth_missing), pa.scalar(None, pa.date32()), birth)
    address = _addresses(village, divisions)
    address = pc.if_else(pa.array(address_missing), pa.scalar(None, pa.string()), address)

    row = pa.array(np.arange(2, rows + 2, dtype=np.int64))
    columns = {"row": row, "id_number": id_number, "name": name, "birth_date": birth, "address": address}
    columns.update(type_columns(feed_type, rows, np.random.default_rng(type_ss), today))
    truth = pa.table({
        "row": row,
        "true_person_id": true_person,
        "id_error": pa.array(np.array(ID_ERRORS)[id_error]),
        "name_error": pa.array(np.array(NAME_ERRORS)[name_error]),
        "birth_date_missing": pa.array(birth_missing),
        "address_missing": pa.array(address_missing),
        "stranger": pa.array(stranger),
        "namesake": pa.array(is_namesake),
    })
    return SynthFeed(feed=pa.table(columns), truth=truth)


def add_namesakes(persons: pa.Table, households: pa.Table, *, share: float, seed: int) -> pa.Table:
    """The persons with about `share` of them renamed so that each shares the name of a
    person of the same sex in another household of the same village.

    Renaming rather than adding keeps every household as the county generated it (sizes,
    members' relations, the ledger); the renamed person keeps birth date and ID number, so
    the two namesakes differ exactly where real ones do. The synthetic county already has
    namesakes (rural given names are few); this makes the hard case common enough to measure.
    """
    n = persons.num_rows
    rng = np.random.default_rng(seed)
    village = _person_villages(persons, households)
    # Neighbours in (village, sex, random) order are pairs of the same village and sex.
    village_idx = pc.index_in(village, pc.unique(village)).to_numpy()
    male = pc.equal(persons["sex"], "male").to_numpy(zero_copy_only=False)
    order = np.lexsort((rng.random(n), male, village_idx))
    household = pc.index_in(persons["household_id"], pc.unique(persons["household_id"])).to_numpy()
    first, second = order[0:-1:2], order[1::2]
    usable = ((village_idx[first] == village_idx[second]) & (male[first] == male[second])
              & (household[first] != household[second]))
    first, second = first[usable], second[usable]
    pairs = _choose(rng, np.arange(first.size), min(first.size, _count(share / 2, n)))
    source = np.arange(n)
    source[second[pairs]] = first[pairs]
    names = persons["name"].combine_chunks().take(pa.array(source))
    at = persons.schema.get_field_index("name")
    return persons.set_column(at, persons.schema.field(at), names)


def namesake_flags(persons: pa.Table, person_village: pa.Array | None = None, *,
                   households: pa.Table | None = None) -> np.ndarray:
    """True for each person who shares the exact name with another person of the same village."""
    if person_village is None:
        person_village = _person_villages(persons, households)
    village_idx = pc.index_in(person_village, value_set=pc.unique(person_village)).to_numpy()
    name = persons["name"].combine_chunks()
    name_idx = pc.index_in(name, value_set=pc.unique(name)).to_numpy()
    # Integer keys: sorting 3.5 million of them is far quicker than grouping strings.
    key = village_idx.astype(np.int64) * (int(name_idx.max()) + 1 if len(name_idx) else 1) + name_idx
    _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    return counts[inverse] > 1


def feed_write(feed: pa.Table, path: Path, *, feed_type: str, headers: str = "zh") -> Path:
    """The feed as a department would send it: CSV (UTF-8 with BOM), Chinese or English headers,
    choices as their codes, yes/no as 是/否, no row column."""
    columns = FEED_TYPES[feed_type].all_columns
    out = {}
    for column in columns:
        values = feed[column.name]
        if column.kind == "yesno":
            values = pc.if_else(values, "是", "否")
        header = column.header_zh if headers == "zh" else column.name
        out[header] = pc.cast(values, pa.string())
    table = pa.table(out)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # The csv module quotes only where needed and writes nulls as empty cells; batches keep
    # a million rows within a few hundred megabytes.
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(table.column_names)
        for batch in table.to_batches(max_chunksize=100_000):
            cols = [c.to_pylist() for c in batch.columns]
            writer.writerows(zip(*cols))
    return path


def type_columns(feed_type: str, rows: int, rng: np.random.Generator, today: dt.date) -> dict[str, pa.Array]:
    """Plausible values for the type's own columns, typed as feed_read types them."""
    last_month = (today.replace(day=1) - dt.timedelta(days=1))
    out: dict[str, pa.Array] = {}
    for column in FEED_TYPES[feed_type].columns:
        kind = column.kind
        if kind == "date":
            days = rng.integers(1, 365, rows)
            out[column.name] = pa.array(np.datetime64(today, "D") - days.astype("timedelta64[D]"), pa.date32())
        elif kind == "month":
            out[column.name] = pa.array(np.full(rows, f"{last_month:%Y-%m}", dtype=object), pa.string())
        elif kind == "year":
            out[column.name] = pa.array(np.full(rows, today.year, np.int32))
        elif kind == "term":
            term = f"{today.year}-{'autumn' if today.month >= 9 else 'spring'}"
            out[column.name] = pa.array(np.full(rows, term, dtype=object), pa.string())
        elif kind == "amount":
            cents = np.round(rng.lognormal(np.log(60_000), 0.8, rows)).astype(np.int64)
            out[column.name] = to_decimal(cents).cast(pa.decimal128(14, 2))
        elif kind == "number":
            out[column.name] = pa.array(np.round(rng.uniform(40, 160, rows), 1))
        elif kind == "yesno":
            out[column.name] = pa.array(rng.random(rows) < 0.2)
        elif kind == "choice":
            codes = pa.array([code for code, _ in column.choices])
            out[column.name] = codes.take(pa.array(rng.integers(0, len(codes), rows)))
        else:
            serial = pc.cast(pa.array(rng.integers(10_000, 99_999, rows)), pa.string())
            out[column.name] = pc.binary_join_element_wise(f"{column.header_zh}", serial, "")
    return out


# ------------------------------------------------------------------ internals

def _count(rate: float, n: int) -> int:
    return round(rate * n)


def _choose(rng: np.random.Generator, pool: np.ndarray, k: int) -> np.ndarray:
    if k <= 0:
        return pool[:0]
    return pool[rng.permutation(pool.size)[:k]] if pool.size < 4 * k else pool[_sample(rng, pool.size, k)]


def _sample(rng: np.random.Generator, n: int, k: int) -> np.ndarray:
    """k distinct positions of n without materialising a permutation of n."""
    picked = np.unique(rng.integers(0, n, int(k * 1.2) + 16))
    while picked.size < k:
        picked = np.unique(np.concatenate([picked, rng.integers(0, n, k)]))
    return rng.permutation(picked)[:k]


def _mask(rng: np.random.Generator, rate: float, n: int) -> np.ndarray:
    mask = np.zeros(n, bool)
    mask[_choose(rng, np.arange(n), _count(rate, n))] = True
    return mask


def _person_villages(persons: pa.Table, households: pa.Table) -> pa.Array:
    at = pc.index_in(persons["household_id"], value_set=households["household_id"])
    return households["village_code"].combine_chunks().take(at.combine_chunks()
                                                            if isinstance(at, pa.ChunkedArray) else at)


def _addresses(village: pa.Array, divisions: pa.Table) -> pa.Array:
    """"X镇Y村" (or "X乡Y村") for each village code: how a clerk writes where someone lives."""
    names = dict(zip(divisions["code"].to_pylist(), divisions["name"].to_pylist()))
    parents = dict(zip(divisions["code"].to_pylist(), divisions["parent_code"].to_pylist()))
    codes = pc.unique(village)
    text = pa.array([names.get(parents.get(c), "") + names.get(c, "") for c in codes.to_pylist()])
    return text.take(pc.index_in(village, value_set=codes))


def _strangers(n: int, rng: np.random.Generator, divisions: pa.Table, *, person_id_set,
               today: dt.date):
    """People the registry does not know: valid ID numbers of the county and its
    neighbours, real-looking names, and a village of the county where they say they live."""
    if n == 0:
        return (pa.array([], pa.string()), pa.array([], pa.string()), pa.array([], pa.date32()),
                pa.array([], pa.string()))
    villages = divisions.filter(pc.equal(divisions["level"], 5))["code"].combine_chunks()
    village = villages.take(pa.array(rng.integers(0, len(villages), n)))
    male = rng.random(n) < 0.5
    age_days = rng.integers(18 * 365, 85 * 365, n)
    birth = np.datetime64(today, "D") - age_days.astype("timedelta64[D]")
    area = pc.utf8_slice_codeunits(village, 0, 6).to_numpy(zero_copy_only=False)
    numbers = ids.make_id_numbers(area, birth, male, rng)
    # A number the registry already holds would make the stranger a registered person.
    # A county of millions uses a good share of the 500 sequence codes of each birth date,
    # so redrawing rarely helps: such a stranger is first registered in another province
    # (a migrant), whose numbers the registry cannot hold.
    clash = pc.is_in(pa.array(numbers), value_set=person_id_set).to_numpy(zero_copy_only=False)
    if clash.any():
        elsewhere = _area_of_another_province(str(area[0]))
        numbers[clash] = ids.make_id_numbers(np.full(int(clash.sum()), elsewhere), birth[clash], male[clash], rng)
    names = Names()
    surname = names.surname(rng, n)
    first, second = names.given_names(rng, male)
    return (pa.array(numbers, pa.string()), names.full_names(surname, first, second),
            pa.array(birth, pa.date32()), village)


def _area_of_another_province(area: str) -> str:
    from neisheng import divisions as admin_divisions

    return next(c.code for c in admin_divisions.counties() if c.code[:2] != area[:2])


def _spoil_ids(person_id: pa.Array, errors: FeedErrors, rng: np.random.Generator):
    """ID numbers with the three errors; the changed digit always lies among the first 17,
    so the check character no longer fits, as with a real slip."""
    n = len(person_id)
    kind = np.zeros(n, np.int8)
    counts = [_count(errors.id_missing, n), _count(errors.id_transposed, n), _count(errors.id_wrong_digit, n)]
    order = _choose(rng, np.arange(n), sum(counts))
    start = 0
    for code, k in enumerate(counts, start=1):
        kind[order[start:start + k]] = code
        start += k
    digits = np.frombuffer(
        person_id.to_numpy(zero_copy_only=False).astype("S18").tobytes(), np.uint8).reshape(n, 18).copy()

    swap = np.flatnonzero(kind == 2)
    if swap.size:
        # Adjacent positions whose digits differ (a swap of equal digits changes nothing).
        left = digits[swap, :16]
        right = digits[swap, 1:17]
        differs = left != right
        # A random differing position per row: argmax over random keys where differs.
        keys = np.where(differs, rng.random(differs.shape), -1.0)
        pos = keys.argmax(axis=1)
        a = digits[swap, pos].copy()
        digits[swap, pos] = digits[swap, pos + 1]
        digits[swap, pos + 1] = a
    wrong = np.flatnonzero(kind == 3)
    if wrong.size:
        pos = rng.integers(0, 17, wrong.size)
        old = digits[wrong, pos] - 48
        new = (old + rng.integers(1, 10, wrong.size)) % 10
        digits[wrong, pos] = new + 48
    text = pa.array(digits.view("S18").reshape(n).astype("U18"), pa.string())
    text = pc.if_else(pa.array(kind == 1), pa.scalar(None, pa.string()), text)
    return text, kind


def _spoil_names(name: pa.Array, errors: FeedErrors, rng: np.random.Generator):
    """Homophones and traditional forms, decided per distinct name (few) and gathered."""
    from opencc import OpenCC

    n = len(name)
    distinct = pc.unique(name)
    at = pc.index_in(name, value_set=distinct).to_numpy()
    texts = distinct.to_pylist()
    # Character by character (a name is not a phrase), so OpenCC runs once per distinct
    # character rather than once per distinct name: 225,000 names at the million-row scale.
    to_traditional = OpenCC("s2t")
    chars = {ch for t in texts for ch in t}
    char_map = {ch: to_traditional.convert(ch) for ch in chars}
    traditional = ["".join(char_map[ch] for ch in t) for t in texts]
    # Positions of given-name characters with homophones (the first character is the surname).
    homophone_slots = [[i for i, ch in enumerate(t) if i > 0 and ch in HOMOPHONES] for t in texts]
    can_homophone = np.array([bool(s) for s in homophone_slots])[at]
    can_traditional = np.array([a != b for a, b in zip(texts, traditional)])[at]

    kind = np.zeros(n, np.int8)
    homophone_rows = _choose(rng, np.flatnonzero(can_homophone), _count(errors.name_homophone, n))
    kind[homophone_rows] = 1
    free = can_traditional & (kind == 0)
    kind[_choose(rng, np.flatnonzero(free), _count(errors.name_traditional, n))] = 2

    out = name.to_numpy(zero_copy_only=False).copy()
    for row in np.flatnonzero(kind == 1):
        text = texts[at[row]]
        slot = homophone_slots[at[row]][rng.integers(0, len(homophone_slots[at[row]]))]
        choices = HOMOPHONES[text[slot]]
        out[row] = text[:slot] + choices[rng.integers(0, len(choices))] + text[slot + 1:]
    trad = np.flatnonzero(kind == 2)
    out[trad] = np.array(traditional, dtype=object)[at[trad]]
    return pa.array(out, pa.string()), kind

