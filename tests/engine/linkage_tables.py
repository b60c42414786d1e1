"""A tiny registry and feeds for the linkage tests (engine.linkage), written by hand so
that every expected answer can be read off the rows."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from neisheng.ids import check_digit

AREA = "500237"
TOWN_A, TOWN_B = "500237201000", "500237102000"
VILLAGE_A1, VILLAGE_A2, VILLAGE_B1 = "500237201201", "500237201202", "500237102201"


def id_number(birth: dt.date, sequence: int) -> str:
    first17 = f"{AREA}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_digit(first17)


def swap_adjacent(number: str, position: int) -> str:
    """The number with its digits at 1-based `position` and `position + 1` swapped."""
    i = position - 1
    return number[:i] + number[i + 1] + number[i] + number[i + 2:]


DIVISIONS = pa.table({
    "code": ["500000000000", "500200000000", "500237000000", TOWN_A, TOWN_B, VILLAGE_A1, VILLAGE_A2,
             VILLAGE_B1],
    "name": ["重庆市", "县", "巫山县", "云塘乡", "福田镇", "长关村", "石门村", "双龙村"],
    "level": pa.array([1, 2, 3, 4, 4, 5, 5, 5], pa.int32()),
    "parent_code": [None, "500000000000", "500200000000", "500237000000", "500237000000", TOWN_A, TOWN_A,
                    TOWN_B],
})

ADDRESS = {VILLAGE_A1: "重庆市巫山县云塘乡长关村2组", VILLAGE_A2: "巫山县云塘乡石门村5组",
           VILLAGE_B1: "福田镇双龙村1组"}

# name, sex, birth date, sequence (odd: male), household
_PEOPLE = [
    ("李明", "male", dt.date(1980, 3, 15), 13, "H01"),
    ("张秀英", "female", dt.date(1982, 7, 2), 24, "H01"),
    ("陈建国", "male", dt.date(1965, 11, 30), 35, "H02"),
    ("刘桂兰", "female", dt.date(1968, 1, 9), 46, "H02"),
    # Two different women of the same name in the same village.
    ("王芳", "female", dt.date(1990, 5, 17), 52, "H03"),
    ("王芳", "female", dt.date(1993, 9, 8), 64, "H04"),
    ("赵强", "male", dt.date(1975, 2, 20), 71, "H05"),
    ("孙丽", "female", dt.date(1978, 6, 6), 82, "H05"),
    ("周伟", "male", dt.date(2001, 12, 1), 93, "H06"),
    ("吴敏", "female", dt.date(1959, 4, 25), 104, "H06"),
    ("郑磊", "male", dt.date(1988, 8, 18), 115, "H07"),
    ("黄丹", "female", dt.date(1991, 10, 3), 126, "H07"),
    ("何勇", "male", dt.date(1970, 3, 3), 137, "H08"),
    ("马玉梅", "female", dt.date(1972, 12, 12), 148, "H08"),
    ("胡志刚", "male", dt.date(1949, 7, 7), 159, "H09"),
    ("高春燕", "female", dt.date(1985, 2, 14), 160, "H09"),
]
HOUSEHOLD_VILLAGE = {"H01": VILLAGE_A1, "H02": VILLAGE_B1, "H03": VILLAGE_A1, "H04": VILLAGE_A1,
                     "H05": VILLAGE_A2, "H06": VILLAGE_A2, "H07": VILLAGE_B1, "H08": VILLAGE_B1,
                     "H09": VILLAGE_A1}

PERSONS = pa.table({
    "person_id": [id_number(b, s) for _, _, b, s, _ in _PEOPLE],
    "household_id": [h for *_, h in _PEOPLE],
    "name": [n for n, *_ in _PEOPLE],
    "sex": [x for _, x, *_ in _PEOPLE],
    "birth_date": pa.array([b for _, _, b, *_ in _PEOPLE], pa.date32()),
})
HOUSEHOLDS = pa.table({"household_id": list(HOUSEHOLD_VILLAGE), "village_code": list(HOUSEHOLD_VILLAGE.values())})


def person(name: str, birth: dt.date | None = None) -> dict:
    for row in PERSONS.to_pylist():
        if row["name"] == name and (birth is None or row["birth_date"] == birth):
            return {**row, "village_code": HOUSEHOLD_VILLAGE[row["household_id"]]}
    raise KeyError(name)


FEED_SCHEMA = pa.schema([("row", pa.int64()), ("id_number", pa.string()), ("name", pa.string()),
                         ("birth_date", pa.date32()), ("address", pa.string())])


def feed(rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(
        [{"id_number": None, "birth_date": None, "address": None, **r} for r in rows], schema=FEED_SCHEMA)


def sample_feed() -> tuple[pa.Table, dict[int, tuple[str, str | None]]]:
    """A feed covering every outcome, in a shuffled row order, and what each row must
    become: row -> (match kind or "not probable", the person it must name or None)."""
    li, chen, wang = person("李明"), person("陈建国"), person("王芳", dt.date(1990, 5, 17))
    zhao = person("赵强")
    rows = [
        # An ID number with two adjacent digits swapped, the name written with a homophone.
        {"row": 7, "id_number": swap_adjacent(li["person_id"], 15), "name": "李铭",
         "address": ADDRESS[VILLAGE_A1]},
        {"row": 2, "id_number": zhao["person_id"], "name": "赵强"},
        # Traditional characters, no ID number.
        {"row": 5, "name": "陳建國", "birth_date": chen["birth_date"], "address": ADDRESS[VILLAGE_B1]},
        # Name and village only, and two 王芳 live there.
        {"row": 3, "name": "王芳", "address": ADDRESS[VILLAGE_A1]},
        # The same name with a birth date: only one of them.
        {"row": 4, "name": "王芳", "birth_date": wang["birth_date"], "address": ADDRESS[VILLAGE_A1]},
        # Someone the registry does not know.
        {"row": 6, "id_number": id_number(dt.date(1996, 1, 21), 997), "name": "欧阳娜娜",
         "birth_date": dt.date(1996, 1, 21), "address": ADDRESS[VILLAGE_B1]},
    ]
    expected = {
        7: ("probable", li["person_id"]),
        2: ("exact", zhao["person_id"]),
        5: ("probable", chen["person_id"]),
        3: ("not probable", None),
        4: ("probable", wang["person_id"]),
        6: ("unmatched", None),
    }
    return feed(rows), expected
