"""Chinese names drawn from Faker's zh_CN tables with numpy."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def _name_tables():
    from faker.providers.person import zh_CN

    provider = zh_CN.Provider
    surnames = list(provider.last_names.keys())
    weights = np.array(list(provider.last_names.values()), dtype=float)
    male = list(dict.fromkeys(provider.first_names_male))
    female = list(dict.fromkeys(provider.first_names_female))
    return surnames, weights / weights.sum(), male, female


class Names:
    """Surname and given-name tables from Faker's zh_CN provider, sampled with numpy."""

    def __init__(self) -> None:
        surnames, weights, male, female = _name_tables()
        self.surnames = pa.array(surnames, type=pa.string())
        self.surname_cdf = np.cumsum(weights)
        self.surname_cdf[-1] = 1.0
        # Given names: male codes first, then female, then "" for single-character names.
        self.given = pa.array(male + female + [""], type=pa.string())
        self.n_male, self.n_female = len(male), len(female)
        self.empty = len(male) + len(female)
        lengths = np.array([len(g) for g in male + female])
        self.single_male = np.flatnonzero(lengths[: len(male)] == 1)
        self.single_female = len(male) + np.flatnonzero(lengths[len(male):] == 1)

    def surname(self, rng, size) -> np.ndarray:
        return np.searchsorted(self.surname_cdf, rng.random(size), side="right").astype(np.int32)

    def given_names(self, rng, is_male: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """First and second given-name parts; most rural names have two characters."""
        n = is_male.shape[0]
        first = np.where(
            is_male,
            rng.integers(0, self.n_male, n),
            self.n_male + rng.integers(0, self.n_female, n),
        )
        second = np.where(
            is_male,
            self.single_male[rng.integers(0, self.single_male.size, n)],
            self.single_female[rng.integers(0, self.single_female.size, n)],
        )
        # A listed name is used as it is when it already has two characters, and
        # otherwise paired with a second single character about half the time.
        first_single = np.isin(first, np.concatenate([self.single_male, self.single_female]))
        compose = first_single & (rng.random(n) < 0.5) & (second != first)
        second = np.where(compose, second, self.empty)
        return first.astype(np.int32), second.astype(np.int32)

    def full_names(self, surname: np.ndarray, first: np.ndarray, second: np.ndarray) -> pa.Array:
        return pc.binary_join_element_wise(
            self.surnames.take(pa.array(surname)),
            self.given.take(pa.array(first)),
            self.given.take(pa.array(second)),
            "",
        )
