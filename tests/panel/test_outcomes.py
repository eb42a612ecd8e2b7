"""Outcome definitions on hand-built frames: every expected value is worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from ncrealism.errors import InputError
from ncrealism.panel.outcomes import (
    base_rates,
    classify,
    external_balancing,
    military_surge,
    nuclear_steps,
)


def test_military_surge_by_hand() -> None:
    # growth 0.01 a year for six years, then +0.30 (a surge: 0.30 - 0.01 >= ln 1.25 = 0.223),
    # then +0.20 (0.20 - mean(0.01 x6, 0.30) = 0.20 - 0.0514 = 0.149 < 0.223: no surge).
    logs = [0.0, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.36, 0.56]
    df = pl.DataFrame(
        {
            "ccode": [2] * 9,
            "year": list(range(1900, 1909)),
            "military": [math.exp(v) / 100 for v in logs],
        }
    )
    out = military_surge(df, window=10, min_years=3)
    flags = out["internal_balancing"].to_list()
    assert flags[:4] == [None, None, None, None]  # fewer than 3 earlier growth values
    assert flags[4:7] == [0, 0, 0]
    assert flags[7] == 1
    assert flags[8] == 0
    assert out["military_trend"][8] == pytest.approx((0.01 * 6 + 0.30) / 7)


def test_military_surge_needs_consecutive_years() -> None:
    df = pl.DataFrame({"ccode": [2, 2, 2], "year": [1900, 1901, 1905], "military": [0.1, 0.2, 0.4]})
    out = military_surge(df)
    assert out["military_growth"].to_list()[2] is None
    assert out["military_growth"][1] == pytest.approx(math.log(2))


def test_nuclear_steps_by_hand() -> None:
    df = pl.DataFrame(
        {
            "ccode": [731] * 5 + [2],
            "year": [1960, 1961, 1962, 1963, 1964, 1945],
            "nuclear_status": [0, 0, 1, 1, 3, 3],
        }
    )
    out = nuclear_steps(df).filter(pl.col("ccode") == 731)
    assert out["nuclear_step"].to_list() == [None, 0, 1, 0, 1]


def test_external_balancing_shared_threat() -> None:
    # States A, B, C, D (positions 0-3). C is the largest threat to A and second to B;
    # D's threats come from A and B only. Onsets in t: A-B (shared threat C: yes) and
    # A-D (D is not threatened by C: no for D; yes for A through B).
    nan = np.nan
    threat = np.array(
        [
            [nan, 0.1, 0.5, 0.2],
            [0.1, nan, 0.3, 0.4],
            [0.1, 0.1, nan, 0.1],
            [0.2, 0.3, 0.0, nan],
        ]
    )
    prev = np.zeros((4, 4), dtype=bool)
    now = prev.copy()
    for a, b in ((0, 1), (0, 3)):
        now[a, b] = now[b, a] = True
    present = np.ones(4, dtype=bool)
    ext, top = external_balancing(prev, now, threat, present, top_k=2)
    assert top.tolist() == [2, 3, 0, 1]
    # A: top source C; partner B has C among its top 2 (D 0.4, C 0.3) -> yes
    # B: top source D; partner A has D among its top 2 (C 0.5, D 0.2) -> yes
    # D: top source B; partner A has B? A's top 2 are C, D -> no
    assert ext.tolist() == [True, True, False, False]
    # With top_k=1 B's partner A has only C on top: B no longer balances against D with A.
    ext1, _ = external_balancing(prev, now, threat, present, top_k=1)
    assert ext1.tolist() == [False, False, False, False]


def test_external_balancing_allied_source_is_not_a_threat() -> None:
    nan = np.nan
    threat = np.array([[nan, 0.9, 0.1], [0.9, nan, 0.5], [0.2, 0.5, nan]])
    prev = np.zeros((3, 3), dtype=bool)
    prev[0, 1] = prev[1, 0] = True  # A allied with B: B is not A's threat
    now = prev.copy()
    now[0, 2] = now[2, 0] = True
    ext, top = external_balancing(prev, now, threat, np.ones(3, dtype=bool))
    assert top[0] == 2  # C, since B is an ally
    assert not ext[0]  # A's top source is its new partner C itself


def test_external_balancing_checks_shapes() -> None:
    with pytest.raises(InputError):
        external_balancing(
            np.zeros((2, 2), bool), np.zeros((3, 3), bool), np.zeros((3, 3)), np.ones(3, bool)
        )


def test_classify_priority_and_base_rates() -> None:
    df = pl.DataFrame(
        {
            "year": [1900, 1900, 1950, 1950, 1950, 1950],
            "internal_balancing": [1, 0, 1, 0, 0, None],
            "external_balancing": [1, 0, 0, 1, 0, 0],
            "nuclear_step": [1, 0, 0, 1, 0, 0],
        },
        schema_overrides={
            c: pl.Int8 for c in ("internal_balancing", "external_balancing", "nuclear_step")
        },
    )
    out = classify(df)
    assert out["outcome"].to_list() == ["nuclear", "none", "internal", "nuclear", "none", None]
    assert out["n_outcomes"].to_list() == [3, 0, 1, 2, 0, None]
    rates = base_rates(out, eras=(("a", 1816, 1945), ("b", 1946, 1970)))
    a = rates.filter(pl.col("era") == "a").row(0, named=True)
    b = rates.filter(pl.col("era") == "b").row(0, named=True)
    assert (a["n"], a["nuclear"], a["none"]) == (2, 0.5, 0.5)
    assert (b["n"], b["internal"], b["nuclear"], b["none"]) == (3, 1 / 3, 1 / 3, 1 / 3)
