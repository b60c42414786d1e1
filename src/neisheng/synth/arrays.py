"""Vectorised draws and the conversions from numpy arrays to Arrow columns."""

from __future__ import annotations

import numpy as np
import pyarrow as pa


def categorical(rng: np.random.Generator, p, size: int) -> np.ndarray:
    """Categorical draws from one probability vector."""
    cdf = np.cumsum(np.asarray(p, dtype=float))
    cdf /= cdf[-1]
    return np.searchsorted(cdf, rng.random(size), side="right").astype(np.int8)


def categorical_rows(rng: np.random.Generator, table, row: np.ndarray) -> np.ndarray:
    """Categorical draws where each element picks its probability vector by `row`."""
    table = np.asarray(table, dtype=float)
    cdf = np.cumsum(table, axis=1)
    cdf /= cdf[:, -1:]
    u = rng.random(row.shape[0])
    return (u[:, None] >= cdf[row]).sum(axis=1).astype(np.int8)


def band_index(age: np.ndarray, edges) -> np.ndarray:
    """Index of the age band, with bands starting at each edge."""
    return (np.searchsorted(np.asarray(edges), age, side="right") - 1).astype(np.int8)


def lognormal(rng, median, sigma, size) -> np.ndarray:
    return median * np.exp(sigma * rng.standard_normal(size))


def string_array(codes) -> pa.Array:
    return pa.array(list(codes), type=pa.string())


def take_codes(codes: tuple[str, ...] | pa.Array, idx: np.ndarray, mask=None) -> pa.Array:
    labels = codes if isinstance(codes, pa.Array) else string_array(codes)
    return labels.take(pa.array(idx, mask=mask))


def to_decimal(cents: np.ndarray) -> pa.Array:
    """int64 cents -> decimal128(18, 2) without any per-row Python object."""
    cents = np.ascontiguousarray(cents, dtype=np.int64)
    words = np.empty((cents.shape[0], 2), dtype=np.int64)
    words[:, 0] = cents
    words[:, 1] = cents >> 63  # sign extension into the high 64 bits
    return pa.Array.from_buffers(
        pa.decimal128(18, 2), cents.shape[0], [None, pa.py_buffer(words)]
    )


def ascii_digits(values: np.ndarray, width: int) -> np.ndarray:
    """(n, width) ASCII digit bytes of non-negative integers, zero padded."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (values.astype(np.int64)[:, None] // powers % 10 + 48).astype(np.uint8)


def ascii_strings(codes: np.ndarray) -> pa.Array:
    """A (n, width) uint8 matrix of ASCII bytes as a pyarrow string array."""
    n, width = codes.shape
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    return pa.Array.from_buffers(
        pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(codes))]
    )
