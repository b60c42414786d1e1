"""The county's towns and villages: how many, how large, their codes and names."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from neisheng import divisions as admin_divisions
from neisheng.engine.schema import TABLES


class CountyTooLarge(ValueError):
    """More households than one county's codes can number (999 towns of at most 799
    villages): a province is synthesized as several counties."""


def layout(households: int, rng: np.random.Generator):
    """Village sizes (households) and the number of villages in each town."""
    est = households // 250 + 2
    sizes = rng.integers(250, 451, size=est)
    cum = np.cumsum(sizes)
    k = int(np.searchsorted(cum, households))  # village k holds the last household
    sizes = sizes[: k + 1].copy()
    sizes[-1] = households - (cum[k - 1] if k > 0 else 0)
    if sizes.size > 1 and sizes[-1] < 150:
        # A remnant of a few dozen households would stand out as a fake village.
        sizes[-2] += sizes[-1]
        sizes = sizes[:-1]
    n_villages = sizes.size
    town_sizes = rng.integers(8, 21, size=n_villages // 8 + 2)
    tcum = np.cumsum(town_sizes)
    t = int(np.searchsorted(tcum, n_villages))
    town_sizes = town_sizes[: t + 1].copy()
    town_sizes[-1] = n_villages - (tcum[t - 1] if t > 0 else 0)
    if town_sizes.size > 1 and town_sizes[-1] < 5 and town_sizes[-2] + town_sizes[-1] <= 24:
        town_sizes[-2] += town_sizes[-1]
        town_sizes = town_sizes[:-1]
    return sizes.astype(np.int64), town_sizes.astype(np.int64)


def division_table(county_code: str, town_sizes: np.ndarray, rng: np.random.Generator):
    n_towns = int(town_sizes.size)
    n_villages = int(town_sizes.sum())
    if town_sizes.max() > 799:
        raise CountyTooLarge("too many villages in one town for 3-digit village codes")
    town_names = list(admin_divisions.town_names(n_towns, rng))
    village_names = list(admin_divisions.village_names(n_villages, rng))
    # GB/T 2260 numbers 镇 from 101 and 乡 from 201, and village committees
    # from 201 within a town; fall back to plain serials for an outsized county.
    is_zhen = np.array([name.endswith("镇") for name in town_names], dtype=bool)
    if is_zhen.sum() <= 99 and (~is_zhen).sum() <= 99:
        town_no = np.where(is_zhen, 100 + np.cumsum(is_zhen), 200 + np.cumsum(~is_zhen))
    elif n_towns <= 999:
        town_no = np.arange(1, n_towns + 1)
    else:
        raise CountyTooLarge("too many households for one county's 3-digit town codes")
    town_of_village = np.repeat(np.arange(n_towns), town_sizes)
    starts = np.concatenate(([0], np.cumsum(town_sizes)[:-1]))
    village_no = 200 + np.arange(n_villages) - starts[town_of_village] + 1

    top = admin_divisions.lineage(county_code)
    county_full = top[-1].code
    town_codes = [admin_divisions.division_code(county_code, int(t)) for t in town_no]
    village_codes = np.array(
        [admin_divisions.division_code(county_code, int(town_no[t]), int(v))
         for t, v in zip(town_of_village.tolist(), village_no.tolist())]
    )
    codes = [d.code for d in top] + town_codes + village_codes.tolist()
    names = [d.name for d in top] + town_names + village_names
    levels = [d.level for d in top] + [4] * n_towns + [5] * n_villages
    parents = [d.parent_code for d in top] + [county_full] * n_towns + [
        town_codes[t] for t in town_of_village.tolist()
    ]
    table = pa.table(
        {
            "code": pa.array(codes, pa.string()),
            "name": pa.array(names, pa.string()),
            "level": pa.array(levels, pa.int32()),
            "parent_code": pa.array(parents, pa.string()),
        },
        schema=TABLES["divisions"].arrow_schema,
    )
    return table, village_codes


def other_area_codes(county_code: str) -> list[str]:
    """Other counties of the same province: birthplaces of wives who married in."""
    codes = [c.code for c in admin_divisions.counties()
             if c.code[:2] == county_code[:2] and c.code != county_code]
    return codes or [county_code]
