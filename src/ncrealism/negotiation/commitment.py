"""Commitment problems and the durability of agreements: survival curves and expected days held.

Why agreements break (Fearon 1995, pp. 401-409; Powell 2006): a party that cannot commit not
to exploit a future shift in power, or not to withdraw what it gave, leaves the other side with
a deal whose value erodes. The module turns that argument into a survival curve.

Powell's condition (2006; THEORY §5.5)
    With per-period pie 1, discount factor δ, per-period war cost c_D and war absorbing, a
    rising side D with war probability p_t today and p_{t+1} tomorrow cannot be bought off when
    ``δ·(p_{t+1} − p_t) > (1 − δ)·(1 − p_t + c_D)`` (:func:`powell_breaks`), i.e. when the
    one-period shift exceeds :func:`powell_threshold`. Written here for the side whose power
    rises, so that a positive shift is the anticipated gain of D.

Durability as a first-passage time ([R]: this package's reconstruction, not a published model)
    Each party i of an agreement holds it while its **slack** (the distance, in issue-scale
    units, between the agreement and its red line: :attr:`~ncrealism.negotiation.bargaining.
    NashSolution.slack`) stays positive. The slack follows a Brownian motion with drift,
    ``S_i(t) = S_i0 − μ_i·t + σ_i·W_i(t)`` (t in years):

    * drift ``μ_i`` = the anticipated shift of power in i's favour per year (share points per
      year, ≥ 0 erodes). In Fearon's range a side's reservation is its war value ``p − c``, so a
      shift of p moves its red line one for one towards the agreement (Powell 2006);
    * volatility ``σ_i = σ_0 · (1 − q_i·(1 − ρ_i))``: political shocks (a revelation, a
      sanction, a change of government) move i's reading of the deal; ``q_i`` is the
      credibility of the assurances i received as i reads them and ``ρ_i`` the reversibility of
      what i received. A credible commitment to something that cannot be withdrawn (q = 1,
      ρ = 0) damps the shocks; a reversible inducement (ρ = 1) is only as good as the next
      shock, whatever its credibility (Fearon 1995, p. 406; Koga 2009 §1.4 in THEORY).

    The hitting time of 0 is the first passage of a Wiener process with drift, inverse-Gaussian
    when μ > 0 (Schrödinger 1915; Cox & Miller 1965, *The Theory of Stochastic Processes*,
    ch. 5): with ``ν = −μ``,
    ``P(T > t) = Φ((S_0 + ν t)/(σ√t)) − exp(−2 ν S_0 / σ²)·Φ((−S_0 + ν t)/(σ√t))``,
    ``E[T] = S_0/μ`` for μ > 0. Parties' slacks move independently, so the agreement survives
    to t with probability ``Π_i P(T_i > t)``. With σ = 0 the slack hits 0 at ``S_0/μ``
    exactly (or never, if μ ≤ 0).

Expected days held are ``365.25 · ∫_0^H S(t) dt`` (truncated at the horizon H, because a
credible agreement with no adverse shift may never break: then the expectation is infinite).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from ncrealism.errors import InputError

if TYPE_CHECKING:
    import polars as pl

__all__ = [
    "DAYS_PER_YEAR",
    "Durability",
    "PartyCommitment",
    "durability",
    "powell_breaks",
    "powell_threshold",
    "survival_probability",
]

FloatArray = NDArray[np.float64]

#: Days per (Julian) year, converting durations in years to days.
DAYS_PER_YEAR = 365.25


def powell_threshold(p: float, delta: float, war_cost: float) -> float:
    """The largest one-period shift in the rising side's war probability that peace survives.

    ``(1 − δ)·(1 − p + c_D)/δ`` (Powell 2006; THEORY §5.5, minimal infinite-horizon version).
    """
    _check(p, "p", 0.0, 1.0)
    _check(delta, "delta", 0.0, 1.0, open_low=True, open_high=True)
    _check(war_cost, "war_cost", 0.0, math.inf)
    return (1.0 - delta) * (1.0 - p + war_cost) / delta


def powell_breaks(p_now: float, p_next: float, delta: float, war_cost: float) -> bool:
    """Whether ``δ·(p_next − p_now) > (1 − δ)·(1 − p_now + c_D)`` (no offer buys the shift off)."""
    _check(p_next, "p_next", 0.0, 1.0)
    return (p_next - p_now) > powell_threshold(p_now, delta, war_cost)


def _check(
    v: float,
    what: str,
    lo: float,
    hi: float,
    *,
    open_low: bool = False,
    open_high: bool = False,
) -> float:
    x = float(v)
    bad = not math.isfinite(x) and not (hi == math.inf and x == math.inf)
    bad = bad or x < lo or x > hi or (open_low and x == lo) or (open_high and x == hi)
    if bad:
        lb = "(" if open_low else "["
        rb = ")" if open_high else "]"
        raise InputError(f"{what} is {v!r}; it must be in {lb}{lo}, {hi}{rb}")
    return x


@dataclass(frozen=True)
class PartyCommitment:
    """One party's side of an agreement (see the module docstring for each quantity).

    Attributes:
        party: name.
        slack: initial distance from its red line, issue-scale units, > 0 (bounds (0, 1]).
        shift: anticipated shift of power in its favour, share points per year (any sign;
            neutral 0). Negative values move its red line away and add slack.
        credibility: credibility, as it reads it, of the assurances it received, [0, 1]
            (neutral 1).
        reversibility: how easily what it received can be withdrawn, [0, 1] (neutral 0).
    """

    party: str
    slack: float
    shift: float = 0.0
    credibility: float = 1.0
    reversibility: float = 0.0

    def __post_init__(self) -> None:
        _check(self.slack, f"slack of '{self.party}'", 0.0, 1.0)
        if not math.isfinite(self.shift):
            raise InputError(f"shift of '{self.party}' is {self.shift!r}; it must be finite")
        _check(self.credibility, f"credibility of '{self.party}'", 0.0, 1.0)
        _check(self.reversibility, f"reversibility of '{self.party}'", 0.0, 1.0)

    def volatility(self, base: float) -> float:
        """σ_i = σ_0·(1 − q_i·(1 − ρ_i)) per √year."""
        return base * (1.0 - self.credibility * (1.0 - self.reversibility))


def survival_probability(
    t_years: FloatArray | Sequence[float] | float,
    slack: float,
    drift: float,
    volatility: float,
) -> FloatArray:
    """P(T > t) for S(t) = slack − drift·t + volatility·W(t) first hitting 0.

    First-passage law of a Wiener process with drift (Cox & Miller 1965, ch. 5), evaluated in log
    space so that large ``2·drift·slack/σ²`` does not overflow. ``t = 0`` gives 1.
    """
    t = np.atleast_1d(np.asarray(t_years, dtype=np.float64))
    if np.any(t < 0) or not np.all(np.isfinite(t)):
        raise InputError("times must be finite and non-negative")
    from scipy.special import log_ndtr, ndtr

    out = np.ones_like(t)
    if slack <= 0.0:
        out[:] = 0.0
        out[t == 0] = 1.0 if slack > 0 else 0.0
        return out
    pos = t > 0
    tp = t[pos]
    if volatility <= 0.0:
        out[pos] = 1.0 if drift <= 0.0 else (tp < slack / drift).astype(np.float64)
        return out
    nu = -drift
    s = volatility * np.sqrt(tp)
    a = ndtr((slack + nu * tp) / s)
    log_b = -2.0 * nu * slack / volatility**2 + log_ndtr((-slack + nu * tp) / s)
    out[pos] = np.clip(a - np.exp(log_b), 0.0, 1.0)
    return out


@dataclass(frozen=True, eq=False)
class Durability:
    """Survival curve and summary durations of an agreement.

    ``times`` (years) and ``survival`` (probability the agreement still holds) form the curve;
    ``by_party`` holds each party's own survival curve. ``expected_days`` is
    ``365.25·∫_0^H S(t) dt`` (days, truncated at the horizon ``horizon_years``);
    ``median_days`` the first time S ≤ 1/2 (None beyond the horizon);
    ``survival_at_horizon`` = S(H). ``weakest`` is the party with the shortest expected time.
    """

    times: FloatArray
    survival: FloatArray
    by_party: Mapping[str, FloatArray]
    expected_days: float
    median_days: float | None
    survival_at_horizon: float
    horizon_years: float
    weakest: str
    parties: tuple[PartyCommitment, ...] = field(default=())
    base_volatility: float = 0.0

    def to_frame(self) -> pl.DataFrame:
        """The curve: ``years`` (Float64), ``days`` (Float64), ``survival`` (Float64,
        probability), then ``survival_<party>`` (Float64) per party."""
        import polars as pl

        data: dict[str, FloatArray] = {
            "years": self.times,
            "days": self.times * DAYS_PER_YEAR,
            "survival": self.survival,
        }
        for name, curve in self.by_party.items():
            data[f"survival_{name}"] = curve
        return pl.DataFrame(data)

    def parties_frame(self) -> pl.DataFrame:
        """Per party: ``party`` (Utf8), ``slack`` (issue units), ``shift`` (share points per
        year), ``credibility``, ``reversibility`` (both [0, 1]), ``volatility`` (issue units
        per √year), ``expected_days`` (days, truncated at the horizon), all Float64 but party."""
        import polars as pl

        exp_days = []
        for p in self.parties:
            curve = self.by_party[p.party]
            exp_days.append(float(_integrate(self.times, curve) * DAYS_PER_YEAR))
        return pl.DataFrame(
            {
                "party": [p.party for p in self.parties],
                "slack": [p.slack for p in self.parties],
                "shift": [p.shift for p in self.parties],
                "credibility": [p.credibility for p in self.parties],
                "reversibility": [p.reversibility for p in self.parties],
                "volatility": [p.volatility(self.base_volatility) for p in self.parties],
                "expected_days": exp_days,
            },
            schema={
                "party": pl.Utf8,
                "slack": pl.Float64,
                "shift": pl.Float64,
                "credibility": pl.Float64,
                "reversibility": pl.Float64,
                "volatility": pl.Float64,
                "expected_days": pl.Float64,
            },
        )


def _integrate(t: FloatArray, y: FloatArray) -> float:
    return float(np.sum((y[1:] + y[:-1]) * np.diff(t)) / 2.0)


def durability(
    parties: Sequence[PartyCommitment],
    *,
    volatility: float = 0.1,
    horizon_years: float = 20.0,
    steps: int = 2000,
) -> Durability:
    """Survival curve of an agreement whose parties' slacks evolve as in the module docstring.

    Parameters
    ----------
    parties:
        Each party's slack, anticipated shift, credibility and reversibility.
    volatility:
        σ_0, issue-scale units per √year, ≥ 0. The default 0.1 says that a one-standard-
        deviation year of political shocks moves a party's reading of the deal by 0.1 on the
        [0, 1] issue scale (a stated assumption, not an estimate).
    horizon_years:
        H > 0: the curve's end and the truncation of the expected duration.
    steps:
        Number of time steps of the curve (≥ 10).
    """
    if not parties:
        raise InputError("durability needs at least one party")
    names = [p.party for p in parties]
    if len(set(names)) != len(names):
        raise InputError(f"party names repeat: {names}")
    _check(volatility, "volatility", 0.0, math.inf)
    _check(horizon_years, "horizon_years", 0.0, 1e4, open_low=True)
    if steps < 10:
        raise InputError(f"steps is {steps}; use at least 10")
    times = np.linspace(0.0, horizon_years, steps + 1)
    curves: dict[str, FloatArray] = {}
    for p in parties:
        curves[p.party] = survival_probability(times, p.slack, p.shift, p.volatility(volatility))
    total = np.ones_like(times)
    for c in curves.values():
        total = total * c
    expected_years = _integrate(times, total)
    below = np.flatnonzero(total <= 0.5)
    median = float(times[below[0]] * DAYS_PER_YEAR) if below.size else None
    party_years = {n: _integrate(times, c) for n, c in curves.items()}
    weakest = min(sorted(party_years), key=lambda n: party_years[n])
    for arr in (times, total, *curves.values()):
        arr.setflags(write=False)
    return Durability(
        times=times,
        survival=total,
        by_party=curves,
        expected_days=float(expected_years * DAYS_PER_YEAR),
        median_days=median,
        survival_at_horizon=float(total[-1]),
        horizon_years=float(horizon_years),
        weakest=weakest,
        parties=tuple(parties),
        base_volatility=float(volatility),
    )
