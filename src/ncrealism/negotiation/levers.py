"""What would it take: the smallest change of one lever that opens a zone of agreement.

A **lever** moves one group of case values by ``δ`` (issue-scale or [0, 1] units):

=================  ==========================================================================
lever              what ``δ`` changes
=================  ==========================================================================
credibility        ``survival.offer_credibility``: the credibility of the assurances the other
                   side offers, before the survival party's filter reads them (Koga 2009:
                   assurance of survival; Powell 2006: commitment)
inducements        every other party's reservation on ``economic_inducements``, moved towards
                   the survival party's ideal point (a bigger package they would accept)
patron_support     every patron's ``support`` (the share of its capability counted on the
                   survival party's side in the structural threat; Walt 1987)
sanctions          ``survival.sanctions_pressure`` (negative δ is relief)
=================  ==========================================================================

Values stay in [0, 1], so each lever has a finite range of δ in each direction.

Target ``"zone"``: the smallest |δ| with zone margin ≥ 0 (:func:`ncrealism.negotiation.
bargaining.find_zone`). The margin is continuous in δ; it is evaluated on a grid over each
direction's range and the first sign change is refined by Brent's method
(:func:`scipy.optimize.brentq`, Brent 1973, ch. 4), or by bisection where the margin only
touches 0 (a zone of zero width).

Target ``"probability"``: the smallest |δ| with agreement probability ≥ ``threshold``, the
share of expected-utility forecast draws (Bueno de Mesquita 1994; :func:`.cases.eum_forecast`)
that fall in the zone. The draws do not depend on the levers (levers move red lines, not ideal
points, saliences or capabilities), so they are computed once; the probability is a step
function of δ, found by bisection to ``xtol``.

Sensitivity (computed when a non-zero answer exists): the answer δ* is recomputed with each
input that shapes it (the red lines on the binding dimension, and the survival inputs) moved
by ± ``step``; the report gives δ* at both ends and the central-difference derivative
dδ*/dinput.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from ncrealism.errors import InputError
from ncrealism.negotiation.bargaining import TOL, Zone, contains, find_zone
from ncrealism.negotiation.cases import CaseModel, eum_forecast

if TYPE_CHECKING:
    import polars as pl

__all__ = ["LEVERS", "LeverAnswer", "lever_keys", "what_would_it_take"]

Target = Literal["zone", "probability"]

#: Names of the levers and what they move (see the module docstring).
LEVERS: dict[str, str] = {
    "credibility": "credibility of the assurances offered to the survival party",
    "inducements": "others' reservation on economic_inducements (size of the package)",
    "patron_support": "patrons' support for the survival party",
    "sanctions": "sanctions pressure on the survival party (negative: relief)",
}


def lever_keys(model: CaseModel, lever: str) -> list[tuple[str, float]]:
    """The case values a lever moves and the sign of each move (+1 or −1 per unit δ)."""
    if lever not in LEVERS:
        raise InputError(f"unknown lever '{lever}'; choose one of {', '.join(LEVERS)}")
    surv = model.case.survival
    if surv is None:
        raise InputError(
            f"case '{model.case.id}' has no [survival] section; levers act on the survival "
            "party's reservation and need one"
        )
    if lever == "credibility":
        return [("survival.offer_credibility", 1.0)]
    if lever == "sanctions":
        return [("survival.sanctions_pressure", 1.0)]
    if lever == "patron_support":
        if not surv.patrons:
            raise InputError(f"case '{model.case.id}' names no patrons")
        return [(f"patron.{p.name}.support", 1.0) for p in surv.patrons]
    dim = "economic_inducements"
    if dim not in {d.name for d in model.case.dimensions}:
        raise InputError(f"case '{model.case.id}' has no dimension '{dim}'")
    target = model.values[f"stance.{surv.party}.{dim}.ideal"]
    out = []
    for p in model.case.parties:
        if p.name == surv.party:
            continue
        key = f"stance.{p.name}.{dim}.reservation"
        if key not in model.values:
            continue
        ideal = model.values[f"stance.{p.name}.{dim}.ideal"]
        # Moving the red line away from the party's own ideal, towards the survival party's.
        sign = 1.0 if target >= ideal else -1.0
        out.append((key, sign))
    return out


def _apply(model: CaseModel, keys: Sequence[tuple[str, float]], delta: float) -> CaseModel:
    return model.with_values({k: min(1.0, max(0.0, model.values[k] + s * delta)) for k, s in keys})


def _range(model: CaseModel, keys: Sequence[tuple[str, float]]) -> tuple[float, float]:
    """The δ range over which at least one moved value is still inside [0, 1]."""
    ups, downs = [], []
    for k, s in keys:
        v = model.values[k]
        ups.append((1.0 - v) if s > 0 else v)
        downs.append(v if s > 0 else (1.0 - v))
    return -max(downs), max(ups)


@dataclass(frozen=True)
class LeverAnswer:
    """The answer to "what would it take".

    ``delta`` is the smallest change (None if no change within ``bounds`` reaches the target;
    0 if it is already reached); ``value_before``/``value_after`` the lever's first value
    before and after; ``achieved`` the margin (target ``"zone"``) or probability reached at
    ``delta``; ``binding_after`` the binding constraints at the answer or, when there is none,
    at the end of the lever's range (what still blocks); ``sensitivity`` rows (input, base
    value, δ* with the input lowered and raised by ``step``, derivative).
    """

    lever: str
    target: Target
    threshold: float
    delta: float | None
    bounds: tuple[float, float]
    value_before: float
    value_after: float | None
    achieved: float
    baseline: float
    binding_after: tuple[str, ...]
    sensitivity: tuple[tuple[str, float, float | None, float | None, float | None], ...]
    step: float
    clears: tuple[str, ...] = ()
    clears_delta: float | None = None

    def describe(self) -> str:
        what = LEVERS[self.lever]
        goal = (
            "opens a zone of agreement"
            if self.target == "zone"
            else f"lifts the agreement probability to {self.threshold:.2f}"
        )
        if self.delta is None:
            lo, hi = self.bounds
            text = f"No change of the {what} within its range ({lo:+.3f} to {hi:+.3f}) {goal}"
            if self.clears and self.clears_delta is not None:
                text += (
                    f"; a change of {self.clears_delta:+.3f} removes the conflict on "
                    f"{', '.join(self.clears)}"
                )
            return text + "; still blocking: " + "; ".join(self.binding_after)
        if self.delta == 0.0:
            return (
                f"Nothing: the case already {goal.replace('opens', 'has').replace('lifts', 'has')}."
            )
        return (
            f"Change the {what} by {self.delta:+.3f} (from {self.value_before:.3f} to "
            f"{self.value_after:.3f}): this {goal}."
        )

    def sensitivity_frame(self) -> pl.DataFrame:
        """Columns: ``input`` (Utf8, case key), ``base`` (Float64, its value), ``delta_low``,
        ``delta_high`` (Float64, δ* with the input at base ∓ step; null if unreachable),
        ``derivative`` (Float64, (δ*_high − δ*_low)/(2·step), lever units per input unit)."""
        import polars as pl

        return pl.DataFrame(
            {
                "input": [r[0] for r in self.sensitivity],
                "base": [r[1] for r in self.sensitivity],
                "delta_low": [r[2] for r in self.sensitivity],
                "delta_high": [r[3] for r in self.sensitivity],
                "derivative": [r[4] for r in self.sensitivity],
            },
            schema={
                "input": pl.Utf8,
                "base": pl.Float64,
                "delta_low": pl.Float64,
                "delta_high": pl.Float64,
                "derivative": pl.Float64,
            },
        )


def _first_crossing(
    f: Callable[[float], float], end: float, level: float, grid: int, xtol: float
) -> float | None:
    """Smallest |δ| on [0, end] (end may be negative) with f(δ) ≥ level, f continuous."""
    if end == 0.0:
        return None
    from scipy.optimize import brentq

    points = np.linspace(0.0, end, grid + 1)
    prev_x, prev_v = 0.0, f(0.0) - level
    for x in points[1:]:
        v = f(float(x)) - level
        if v >= 0.0:
            if prev_v >= 0.0:
                return prev_x
            if v > 0.0:
                return float(brentq(lambda d: f(d) - level, prev_x, float(x), xtol=xtol))
            # f touches the level without crossing it (a zone of zero width): bisect.
            return _bisect(f, prev_x, float(x), level, xtol)
        prev_x, prev_v = float(x), v
    return None


def _first_step(
    f: Callable[[float], float], end: float, level: float, grid: int, xtol: float
) -> float | None:
    """Smallest |δ| on [0, end] with f(δ) ≥ level for a step function f (bisection)."""
    if end == 0.0:
        return None
    points = np.linspace(0.0, end, grid + 1)
    prev = 0.0
    for x in points[1:]:
        if f(float(x)) >= level:
            return _bisect(f, prev, float(x), level, xtol)
        prev = float(x)
    return None


def _bisect(f: Callable[[float], float], lo: float, hi: float, level: float, xtol: float) -> float:
    """Bisection between ``lo`` (f < level) and ``hi`` (f ≥ level); returns the ``hi`` end."""
    while abs(hi - lo) > xtol:
        mid = (lo + hi) / 2.0
        if f(mid) >= level:
            hi = mid
        else:
            lo = mid
    return hi


def _solve(
    model: CaseModel,
    lever: str,
    target: Target,
    threshold: float,
    draws: np.ndarray | None,
    grid: int,
    xtol: float,
) -> tuple[float | None, float, tuple[float, float]]:
    keys = lever_keys(model, lever)
    lo, hi = _range(model, keys)
    dims = model.problem().dimension_names

    def margin(delta: float) -> float:
        return find_zone(_apply(model, keys, delta).problem()).margin

    def probability(delta: float) -> float:
        assert draws is not None
        problem = _apply(model, keys, delta).problem()
        zone = find_zone(problem)
        if not zone.exists or len(draws) == 0:
            return 0.0
        return float(
            np.mean([contains(problem, zone, dict(zip(dims, row, strict=True))) for row in draws])
        )

    f = margin if target == "zone" else probability
    level = 0.0 if target == "zone" else threshold
    base = f(0.0)
    if base >= level:
        return 0.0, base, (lo, hi)
    search = _first_crossing if target == "zone" else _first_step
    answers = [d for d in (search(f, hi, level, grid, xtol), search(f, lo, level, grid, xtol)) if d]
    if not answers:
        return None, base, (lo, hi)
    best = min(answers, key=lambda d: (abs(d), d))
    return best, f(best), (lo, hi)


def what_would_it_take(
    model: CaseModel,
    lever: str,
    *,
    target: Target = "zone",
    threshold: float = 0.5,
    rounds: int = 50,
    draws: int = 100,
    seed: int = 0,
    grid: int = 20,
    xtol: float = 1e-4,
    step: float = 0.05,
    sensitivity: bool = True,
) -> LeverAnswer:
    """The smallest change of ``lever`` reaching ``target`` (see the module docstring).

    ``draws``, ``rounds`` and ``seed`` are used only for ``target="probability"``.
    ``grid`` is the number of grid steps per direction before refining; ``step`` the
    perturbation of each input for the sensitivity.
    """
    if target not in ("zone", "probability"):
        raise InputError(f"target must be 'zone' or 'probability', not '{target}'")
    if not (0.0 < threshold <= 1.0):
        raise InputError(f"threshold is {threshold}; it must be in (0, 1]")
    if grid < 2 or xtol <= 0 or not (0 < step < 0.5):
        raise InputError("grid ≥ 2, xtol > 0 and 0 < step < 0.5 are required")
    keys = lever_keys(model, lever)
    mc: np.ndarray | None = None
    if target == "probability":
        if draws < 1:
            raise InputError("target 'probability' needs draws ≥ 1")
        fc = eum_forecast(model.problem(), rounds=rounds, draws=draws, seed=seed)
        mc = np.asarray(fc.draws)
    delta, achieved, bounds = _solve(model, lever, target, threshold, mc, grid, xtol)
    first_key = keys[0][0]
    before = model.values[first_key]
    after = None if delta is None else min(1.0, max(0.0, before + keys[0][1] * delta))
    if delta is None:
        # What still blocks at the end of the lever's range in the more promising direction.
        ends = [e for e in bounds if e != 0.0] or [0.0]
        zones = [(e, find_zone(_apply(model, keys, e).problem())) for e in ends]
        end, zone_end = max(zones, key=lambda ez: ez[1].margin)
    else:
        end = delta
        zone_end = find_zone(_apply(model, keys, delta).problem())
    if target == "probability" and zone_end.exists and mc is not None:
        blocking = _forecast_outside(_apply(model, keys, end), zone_end, mc)
    else:
        blocking = tuple(b.describe() for b in zone_end.binding)
    clears: tuple[str, ...] = ()
    clears_delta: float | None = None
    if delta is None and target == "zone":
        base_zone = find_zone(model.problem())
        clears = tuple(
            d for d in _lever_dimensions(model, lever) if base_zone.interval(d).width < -TOL
        )
        if clears:

            def width(d_: float) -> float:
                z = find_zone(_apply(model, keys, d_).problem())
                return min(z.interval(d).width / 2.0 for d in clears)

            found = [
                x
                for x in (
                    _first_crossing(width, bounds[1], 0.0, grid, xtol),
                    _first_crossing(width, bounds[0], 0.0, grid, xtol),
                )
                if x is not None
            ]
            clears_delta = min(found, key=lambda x: (abs(x), x)) if found else None
    rows: list[tuple[str, float, float | None, float | None, float | None]] = []
    if sensitivity and delta is not None and delta != 0.0:
        for key in _sensitivity_inputs(model, keys):
            base_v = model.values[key]
            out: list[float | None] = []
            for sign in (-1.0, 1.0):
                moved = model.with_values({key: min(1.0, max(0.0, base_v + sign * step))})
                d, _, _ = _solve(moved, lever, target, threshold, mc, grid, xtol)
                out.append(d)
            lo_d, hi_d = out
            deriv = (hi_d - lo_d) / (2.0 * step) if lo_d is not None and hi_d is not None else None
            rows.append((key, base_v, lo_d, hi_d, deriv))
    return LeverAnswer(
        lever=lever,
        target=target,
        threshold=threshold,
        delta=delta,
        bounds=bounds,
        value_before=before,
        value_after=after,
        achieved=achieved,
        baseline=_baseline(model, target, mc),
        binding_after=blocking,
        sensitivity=tuple(rows),
        step=step,
        clears=clears,
        clears_delta=clears_delta,
    )


def _lever_dimensions(model: CaseModel, lever: str) -> tuple[str, ...]:
    """The dimensions whose red lines a lever moves."""
    surv = model.case.survival
    if lever == "inducements":
        return ("economic_inducements",)
    return (surv.dimension,) if surv is not None else ()


def _forecast_outside(model: CaseModel, zone: Zone, mc: np.ndarray) -> tuple[str, ...]:
    """Dimensions on which the median forecast draw lies outside the zone, with the bound."""
    dims = model.problem().dimension_names
    median = np.median(mc, axis=0)
    out = []
    for j, d in enumerate(dims):
        iv = zone.interval(d)
        x = float(median[j])
        if x < iv.lower - 1e-9:
            who = ", ".join(iv.lower_parties)
            out.append(f"{d}: median forecast {x:.3f} below the red line of {who} ({iv.lower:.3f})")
        elif x > iv.upper + 1e-9:
            who = ", ".join(iv.upper_parties)
            out.append(f"{d}: median forecast {x:.3f} above the red line of {who} ({iv.upper:.3f})")
    return tuple(out) or ("the forecast draws straddle the zone's edges",)


def _baseline(model: CaseModel, target: Target, mc: np.ndarray | None) -> float:
    problem = model.problem()
    zone = find_zone(problem)
    if target == "zone":
        return zone.margin
    if mc is None or not zone.exists:
        return 0.0
    dims = problem.dimension_names
    return float(np.mean([contains(problem, zone, dict(zip(dims, r, strict=True))) for r in mc]))


def _sensitivity_inputs(model: CaseModel, keys: Sequence[tuple[str, float]]) -> list[str]:
    """Inputs that shape the answer: red lines on the binding dimensions, survival inputs."""
    moved = {k for k, _ in keys}
    zone = find_zone(model.problem())
    out: list[str] = []
    for b in zone.binding:
        for party in (*b.lower_parties, *b.upper_parties):
            key = f"stance.{party}.{b.dimension}.reservation"
            if key in model.values and key not in moved and key not in out:
                out.append(key)
    if model.case.survival is not None:
        for key in (
            "survival.survival_threshold",
            "survival.threat_reduction",
            "survival.juche_discount",
            "filter.assurance_discount",
            "survival.offer_credibility",
            "survival.sanctions_pressure",
        ):
            if key in model.values and key not in moved and key not in out:
                out.append(key)
    return out
