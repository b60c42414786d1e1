"""A whole county: divisions, then chunks of villages, then the persons' ID numbers."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
import pyarrow as pa

from neisheng import ids
from neisheng.engine.schema import TABLES
from neisheng.synth.chunk import chunk_tables
from neisheng.synth.divisions import division_table, layout, other_area_codes
from neisheng.synth.names import Names

CHUNK_HOUSEHOLDS = 40_000


def generate_county(
    *,
    households: int,
    seed: int,
    year: int,
    county_code: str = "500237",
    progress: Callable[[int], None] | None = None,
) -> dict[str, pa.Table]:
    """A synthetic county's registry snapshot: divisions, households, persons, income_items.

    Deterministic for (households, seed, year, county_code). Tables follow the
    contract's Arrow schemas exactly.
    """
    if households < 1:
        raise ValueError("households must be at least 1")
    root = np.random.SeedSequence(seed)
    layout_ss, ids_ss, chunk_root = root.spawn(3)
    layout_rng = np.random.default_rng(layout_ss)
    village_sizes, town_sizes = layout(households, layout_rng)
    divisions_table, village_codes = division_table(county_code, town_sizes, layout_rng)
    # Former poor villages (贫困村) have far more lifted households than the rest.
    village_lift = np.clip(0.2 * layout_rng.lognormal(-0.08, 0.4, village_sizes.size), 0.04, 0.55)
    other_areas = other_area_codes(county_code)
    names = Names()

    # Chunks are whole villages so that household serials restart per village.
    target = max(CHUNK_HOUSEHOLDS, households // 40)
    bounds = [0]
    acc = 0
    for i, s in enumerate(village_sizes):
        acc += int(s)
        if acc >= target:
            bounds.append(i + 1)
            acc = 0
    if bounds[-1] != village_sizes.size:
        bounds.append(village_sizes.size)
    chunk_seeds = chunk_root.spawn(len(bounds) - 1)

    hh_parts, person_parts, ledger_parts, id_parts = [], [], [], []
    done = 0
    for c, (a, b) in enumerate(itertools.pairwise(bounds)):
        rng = np.random.default_rng(chunk_seeds[c])
        h, p, li, idin = chunk_tables(rng, names, village_codes[a:b], village_sizes[a:b],
                                village_lift[a:b], year, len(other_areas))
        hh_parts.append(h)
        person_parts.append(p)
        ledger_parts.append(li)
        id_parts.append(idin)
        done += int(village_sizes[a:b].sum())
        if progress is not None and c < len(bounds) - 2:
            progress(done)

    area_idx = np.concatenate([x[0] for x in id_parts])
    births = np.concatenate([x[1] for x in id_parts])
    males = np.concatenate([x[2] for x in id_parts])
    area_table = np.array([county_code, *other_areas])
    person_ids = ids.make_id_numbers(area_table[area_idx], births, males,
                                     np.random.default_rng(ids_ss))
    person_id = pa.array(person_ids, type=pa.string())

    persons_schema = TABLES["persons"].arrow_schema
    persons_cols = {"person_id": person_id}
    for name in persons_schema.names[1:]:
        persons_cols[name] = pa.chunked_array([p[name] for p in person_parts])
    # Chunked columns are left as they are: combining would copy a gigabyte at 1M households.
    persons = pa.table(persons_cols, schema=persons_schema)
    households_table = pa.concat_tables(hh_parts)
    ledger_schema = TABLES["income_items"].arrow_schema
    ledger = pa.table(
        {name: pa.chunked_array([li[name] for li in ledger_parts]) for name in ledger_schema.names},
        schema=ledger_schema,
    )
    if progress is not None:
        progress(households)
    return {
        "divisions": divisions_table,
        "households": households_table,
        "persons": persons,
        "income_items": ledger,
    }
