"""What states did: the outcomes of the panel, one per state-year, with their sources.

Four mutually exclusive outcomes are coded for state ``i`` in year ``t`` (:data:`OUTCOMES`):

* **internal balancing** (``"internal"``): a *military-burden surge*. ``M_it`` is the state's
  share of the system's military capability, the mean of its shares of world military
  expenditure and of world military personnel (the military half of CINC; Singer, Bremer &
  Stuckey 1972; computed by :func:`ncrealism.system.threat.threat_inputs`). Shares need no
  deflator and no exchange rate: NMC expenditure is in current pounds before 1914 and current
  dollars after, and within a year every state is in the same unit. With ``g_it = ln M_it −
  ln M_i,t−1`` and ``trend_it`` the mean of ``g`` over the previous ``window`` years (at least
  ``min_years`` of them), a surge is ``g_it − trend_it ≥ threshold`` (default ``ln 1.25``: the
  state's military share grows a quarter faster than its own trend). This follows the
  arms-build-up literature's rule of growth beyond a state's own past rate: Horn (1987, *Arms
  Races and the International System*, PhD thesis, University of Rochester) compares a state's
  recent growth of military spending with its long-run average, as do Sample (1997, "Arms Races
  and Dispute Escalation", *Journal of Peace Research* 34(1): 7-22) and Gibler, Rider & Hutchison
  (2005, "Taking Arms Against a Sea of Troubles", *JPR* 42(2): 131-147); Diehl (1983, "Arms
  Races and Escalation", *JPR* 20(3): 205-212) uses a fixed 8% a year. Internal balancing as
  "moves to increase economic capability, to increase military strength" is Waltz (1979,
  *Theory of International Politics*, p. 118); its measurement by military build-ups follows
  Morrow (1993, "Arms versus Allies", *International Organization* 47(2): 207-233) and
  Fordham (2004, "A Very Sharp Sword", *Journal of Conflict Resolution* 48(5): 632-656).
* **external balancing** (``"external"``): the *onset* of a defence pact or entente (COW Formal
  Alliances v4.1, Gibler 2009; in force in ``t`` and not in ``t − 1``) with a partner ``j`` that
  *shares the threat*: the largest source of threat to ``i`` in ``t − 1`` (Walt's 1987 index,
  :mod:`ncrealism.system.threat`, among states not allied with ``i``) is one of the ``top_k``
  (default 3) largest sources of threat to ``j`` in ``t − 1``. Alliance formation as the
  external form of balancing is Waltz (1979, p. 118) and Walt (1987, *The Origins of
  Alliances*); the onset coding follows Most & Siverson (1987, "Substituting Arms and
  Alliances", in Hermann, Kegley & Rosenau eds., *New Directions in the Study of Foreign
  Policy*) and Morrow (1993). Undetermined after 2012 (the alliance data end).
* **nuclear step** (``"nuclear"``): the state's nuclear-weapons status rises between ``t − 1``
  and ``t`` on Bleek's (2017, "When Did (and Didn't) States Proliferate?", Belfer Center)
  stages as coded by OWID/NTI: 0 none, 1 considering, 2 pursuing, 3 possessing
  (:func:`ncrealism.data.nuclear.load_nuclear_status`; 0 before the file's first year, 1938).
* **none** (``"none"``): none of the three.

A year with more than one is given the costlier, rarer step: nuclear, then external, then
internal (:func:`classify`); the share of years with several is printed by ``ncr panel build``.

Columns added by :func:`military_surge`: ``military_growth`` (Float64, log points),
``military_trend`` (Float64, log points), ``internal_balancing`` (Int8, 0/1; null where the
share or its trend is missing). :func:`nuclear_steps`: ``nuclear_step`` (Int8, 0/1; null where
either year's status is missing).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import polars as pl
from numpy.typing import NDArray

from ncrealism.errors import InputError

__all__ = [
    "ERAS",
    "OUTCOMES",
    "base_rates",
    "classify",
    "external_balancing",
    "military_surge",
    "nuclear_steps",
]

#: The outcomes, in the column order of every probability matrix of the panel layer.
OUTCOMES: tuple[str, ...] = ("none", "internal", "external", "nuclear")

#: Eras for the printed base rates and the rolling-origin folds: (label, first, last).
ERAS: tuple[tuple[str, int, int], ...] = (
    ("1816-1945", 1816, 1945),
    ("1946-1970", 1946, 1970),
    ("1971-1990", 1971, 1990),
    ("1991-2012", 1991, 2012),
)

#: Default surge threshold: ln 1.25, growth a quarter beyond the state's own trend.
SURGE_THRESHOLD = math.log(1.25)


def _need(frame: pl.DataFrame, cols: Sequence[str], what: str) -> None:
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise InputError(f"{what} needs the columns {list(cols)}; missing {missing}")


def military_surge(
    frame: pl.DataFrame,
    *,
    threshold: float = SURGE_THRESHOLD,
    window: int = 10,
    min_years: int = 3,
) -> pl.DataFrame:
    """Add the military-burden surge (internal balancing; module docstring) to a state-year frame.

    ``frame`` needs ``ccode``, ``year`` and ``military`` (Float64, the state's share of system
    military capability, > 0; null or ≤ 0 where unknown). Growth is computed only between
    consecutive years of the same state. Returns the frame sorted by ``ccode``, ``year`` with
    ``military_growth``, ``military_trend`` and ``internal_balancing`` added.
    """
    _need(frame, ["ccode", "year", "military"], "military_surge")
    if window < 1 or min_years < 1 or min_years > window:
        raise InputError("military_surge needs 1 <= min_years <= window")
    logm = pl.when(pl.col("military") > 0).then(pl.col("military").log()).otherwise(None)
    out = (
        frame.sort("ccode", "year")
        .with_columns(logm.alias("__logm"))
        .with_columns(
            pl.when(pl.col("year").shift(1).over("ccode") == pl.col("year") - 1)
            .then(pl.col("__logm") - pl.col("__logm").shift(1).over("ccode"))
            .otherwise(None)
            .alias("military_growth")
        )
        .with_columns(
            pl.col("military_growth")
            .shift(1)
            .rolling_mean(window_size=window, min_samples=min_years)
            .over("ccode")
            .alias("military_trend")
        )
    )
    # A trend is only valid if the state's previous rows are the previous years.
    out = out.with_columns(
        pl.when(pl.col("military_growth").is_not_null() & pl.col("military_trend").is_not_null())
        .then((pl.col("military_growth") - pl.col("military_trend") >= threshold).cast(pl.Int8))
        .otherwise(None)
        .alias("internal_balancing")
    )
    return out.drop("__logm")


def nuclear_steps(frame: pl.DataFrame) -> pl.DataFrame:
    """Add ``nuclear_step`` (Int8): 1 if ``nuclear_status`` rises from the previous year.

    ``frame`` needs ``ccode``, ``year``, ``nuclear_status`` (0-3, Bleek 2017 stages). Null
    where this or the previous year's status is missing or the previous year is absent.
    Returns the frame sorted by ``ccode``, ``year``.
    """
    _need(frame, ["ccode", "year", "nuclear_status"], "nuclear_steps")
    prev = pl.col("nuclear_status").shift(1).over("ccode")
    consecutive = pl.col("year").shift(1).over("ccode") == pl.col("year") - 1
    return frame.sort("ccode", "year").with_columns(
        pl.when(consecutive & prev.is_not_null() & pl.col("nuclear_status").is_not_null())
        .then((pl.col("nuclear_status") > prev).cast(pl.Int8))
        .otherwise(None)
        .alias("nuclear_step")
    )


def external_balancing(
    allied_prev: NDArray[np.bool_],
    allied_now: NDArray[np.bool_],
    threat_prev: NDArray[np.float64],
    present_prev: NDArray[np.bool_],
    *,
    top_k: int = 3,
) -> tuple[NDArray[np.bool_], NDArray[np.int64]]:
    """External balancing in one year, for K states (module docstring).

    ``allied_prev``/``allied_now`` (K×K, symmetric): a defence pact or entente in force in
    ``t − 1`` / ``t``. ``threat_prev`` (K×K): the threat that column ``j`` posed to row ``i`` in
    ``t − 1`` (nan where there is no dyad). ``present_prev`` (K): in the system in ``t − 1``.
    Returns (``external`` (K,) bool: an alliance onset with a partner sharing the threat;
    ``top_source`` (K,) int: position of each state's largest non-allied source in ``t − 1``, -1
    if none).
    """
    k = present_prev.size
    shapes = {allied_prev.shape, allied_now.shape, threat_prev.shape}
    if shapes != {(k, k)}:
        raise InputError(f"external_balancing needs K×K matrices for K={k}; got {shapes}")
    if top_k < 1:
        raise InputError("top_k must be at least 1")
    both = present_prev[:, None] & present_prev[None, :]
    usable = both & ~allied_prev & np.isfinite(threat_prev)
    np.fill_diagonal(usable, False)
    score = np.where(usable, threat_prev, -np.inf)
    has = np.isfinite(score).any(axis=1)
    top = np.where(has, np.argmax(score, axis=1), -1).astype(np.int64)
    # in_top[j, s]: s is among the top_k non-allied sources of threat to j.
    kk = min(top_k, k)
    order = np.argsort(-score, axis=1, kind="stable")[:, :kk]
    in_top = np.zeros((k, k), dtype=bool)
    rows = np.repeat(np.arange(k), kk)
    cols = order.ravel()
    in_top[rows, cols] = np.isfinite(score[rows, cols])
    onset = allied_now & ~allied_prev & both
    np.fill_diagonal(onset, False)
    ext = np.zeros(k, dtype=bool)
    for i in np.flatnonzero(onset.any(axis=1) & (top >= 0)):
        s = top[i]
        partners = np.flatnonzero(onset[i])
        partners = partners[partners != s]
        ext[i] = bool(in_top[partners, s].any())
    return ext, top


def classify(frame: pl.DataFrame) -> pl.DataFrame:
    """Add ``outcome`` (Utf8, one of :data:`OUTCOMES`) and ``n_outcomes`` (Int8, how many of
    the three steps happened) from ``internal_balancing``, ``external_balancing`` and
    ``nuclear_step`` (Int8 0/1). Priority: nuclear, then external, then internal; null where any
    of the three is null."""
    cols = ["internal_balancing", "external_balancing", "nuclear_step"]
    _need(frame, cols, "classify")
    known = pl.all_horizontal(pl.col(c).is_not_null() for c in cols)
    outcome = (
        pl.when(~known)
        .then(None)
        .when(pl.col("nuclear_step") == 1)
        .then(pl.lit("nuclear"))
        .when(pl.col("external_balancing") == 1)
        .then(pl.lit("external"))
        .when(pl.col("internal_balancing") == 1)
        .then(pl.lit("internal"))
        .otherwise(pl.lit("none"))
    )
    return frame.with_columns(
        outcome.alias("outcome"),
        pl.when(known)
        .then(pl.sum_horizontal(cols))
        .otherwise(None)
        .cast(pl.Int8)
        .alias("n_outcomes"),
    )


def base_rates(frame: pl.DataFrame, eras: Sequence[tuple[str, int, int]] = ERAS) -> pl.DataFrame:
    """Share of state-years with each outcome, by era (and over all eras).

    ``frame`` needs ``year`` and ``outcome``. Columns: ``era`` (Utf8), ``n`` (Int64,
    state-years with an outcome), then one Float64 column per outcome (share, 0-1).
    """
    _need(frame, ["year", "outcome"], "base_rates")
    rows = []
    spans = [*eras, ("all", min(e[1] for e in eras), max(e[2] for e in eras))]
    for label, first, last in spans:
        sub = frame.filter(pl.col("year").is_between(first, last) & pl.col("outcome").is_not_null())
        n = sub.height
        row: dict[str, object] = {"era": label, "n": n}
        for o in OUTCOMES:
            row[o] = (sub.filter(pl.col("outcome") == o).height / n) if n else None
        rows.append(row)
    schema = {"era": pl.Utf8, "n": pl.Int64, **{o: pl.Float64 for o in OUTCOMES}}
    return pl.DataFrame(rows, schema=schema, orient="row")
