"""Spatial bargaining on one or more issue dimensions: zone of agreement and Nash solution.

Every issue dimension is scaled to [0, 1] (0 and 1 are named by :class:`Dimension`). Each party
has, per dimension, an **ideal point**, a **reservation point** (its red line: the worst value
it can accept, Fearon 1995, p. 386-390, generalised dimension by dimension) and a **salience**
(how much the dimension matters to it, Bueno de Mesquita 1994).

Acceptable sets (Putnam 1988's win-set, one dimension at a time)
    Party *i* accepts value ``x_d`` on dimension *d* iff ``|x_d − ideal_id| ≤ |r_id − ideal_id|``
    (single-peaked, symmetric preferences), i.e. ``x_d ∈ [lo_id, hi_id]`` with
    ``lo = max(0, ideal − h)``, ``hi = min(1, ideal + h)``, ``h = |r − ideal|``. A party with zero
    salience on *d* is indifferent there and accepts all of [0, 1]. A party's acceptable set is
    the box of its intervals, except where its reservation on *d* depends on the agreement's
    value on another dimension *e* (a :class:`CoupledReservation`, e.g. the DPRK's least
    acceptable nuclear status given the security assurance on offer: see ``cases.py``).

Zone of agreement (Fearon 1995's bargaining range in several dimensions)
    The intersection of the acceptable sets of the parties that must accept. In a forum
    (:class:`Forum`) an agreement needs every **veto player** and a coalition of parties holding
    at least ``quota`` of the forum's summed capability (capability shares, so scaling every
    capability by a constant changes nothing). With ``quota = 1`` the rule is unanimity.

    The **margin** of a zone is ``max_x min_k slack_k(x)`` over the constraints k (a party's
    bound on a dimension): half the width of the narrowest dimension when no reservation is
    coupled. The zone is non-empty iff the margin is ≥ 0. When it is empty, the **binding
    constraints** are the dimension(s) attaining the minimum and the parties holding the
    conflicting bounds there (e.g. the US's upper bound on nuclear status below the DPRK's
    lower bound).

Nash bargaining solution (Nash 1950; asymmetric form, Kalai 1977)
    Inside the zone, the agreement maximises ``Σ_i w_i · ln g_i(x)`` over the agreeing
    coalition, with bargaining weights ``w_i = c_i / Σ_j c_j`` (capability shares: "weighted by
    power") and gains over the disagreement point
    ``g_i(x) = Σ_d s_id · (|r_id − ideal_id| − |x_d − ideal_id|)``: the salience-weighted
    distance by which the agreement clears i's red lines, which equals ``u_i(x) − u_i(r_i)``
    for linear (risk-neutral, Fearon 1995) spatial utility ``u_i(x) = −Σ_d s_id |x_d −
    ideal_id|``. In one dimension with two parties whose red lines are a < b the solution is
    ``x* = (w_A·b + w_B·a)/(w_A + w_B)``: each side gets a share of the surplus equal to its
    weight (the midpoint when weights are equal: Nash's symmetry axiom). Where the maximiser
    is not unique (flat directions), the one closest to the zone's centre is returned.

Invariants (tested): permuting the parties permutes every result; multiplying every
capability by a constant changes nothing; an empty zone is reported with its binding
constraint.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from ncrealism.errors import InputError

if TYPE_CHECKING:
    import polars as pl

__all__ = [
    "BargainingProblem",
    "BindingConstraint",
    "CoupledReservation",
    "Dimension",
    "Forum",
    "NashSolution",
    "Party",
    "Stance",
    "Zone",
    "ZoneInterval",
    "acceptable_interval",
    "fearon_range",
    "find_zone",
    "nash_solution",
]

FloatArray = NDArray[np.float64]

#: Numerical tolerance on the [0, 1] issue scale.
TOL = 1e-9
#: Grid used to maximise the margin over a dimension on which a reservation depends.
_GRID = 201
#: Weight of the pull towards the zone's centre that makes the Nash maximiser unique.
_TIE_PULL = 1e-7


# --------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------


def _check_unit(value: float, what: str) -> float:
    v = float(value)
    if not (math.isfinite(v) and -TOL <= v <= 1.0 + TOL):
        raise InputError(f"{what} is {value!r}; it must be a number in [0, 1]")
    return min(1.0, max(0.0, v))


@dataclass(frozen=True)
class Dimension:
    """An issue dimension scaled to [0, 1]; ``low``/``high`` say what 0 and 1 mean."""

    name: str
    low: str = ""
    high: str = ""

    def __post_init__(self) -> None:
        if not self.name or not self.name.strip():
            raise InputError("dimension name is empty")


@dataclass(frozen=True)
class Stance:
    """A party's ideal point, reservation point and salience on one dimension (all in [0, 1])."""

    ideal: float
    reservation: float
    salience: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "ideal", _check_unit(self.ideal, "ideal"))
        object.__setattr__(self, "reservation", _check_unit(self.reservation, "reservation"))
        object.__setattr__(self, "salience", _check_unit(self.salience, "salience"))


@dataclass(frozen=True)
class Party:
    """A negotiating party: capability (≥ 0, any unit: only shares matter), stances, veto."""

    name: str
    capability: float
    stances: Mapping[str, Stance]
    veto: bool = True

    def __post_init__(self) -> None:
        if not self.name or not self.name.strip():
            raise InputError("party name is empty")
        c = float(self.capability)
        if not (math.isfinite(c) and c >= 0.0):
            raise InputError(
                f"capability of party '{self.name}' is {self.capability!r}; it must be ≥ 0"
            )
        object.__setattr__(self, "capability", c)
        object.__setattr__(self, "stances", dict(self.stances))


def acceptable_interval(stance: Stance) -> tuple[float, float]:
    """The values a party accepts on one dimension: ``[ideal − h, ideal + h] ∩ [0, 1]``.

    ``h = |reservation − ideal|`` (symmetric single-peaked preferences); zero salience means
    indifference, so the whole scale is acceptable.
    """
    return _acceptable(stance.ideal, stance.reservation, stance.salience)


def _acceptable(ideal: float, reservation: float, salience: float) -> tuple[float, float]:
    """:func:`acceptable_interval` of checked numbers (the zone search calls it in its inner
    loop, without building a :class:`Stance`)."""
    if salience <= 0.0:
        return 0.0, 1.0
    h = abs(reservation - ideal)
    return max(0.0, ideal - h), min(1.0, ideal + h)


@dataclass(frozen=True)
class CoupledReservation:
    """A reservation on ``dimension`` that depends on the agreement's value on ``depends_on``.

    ``rule(v)`` is the party's reservation on ``dimension`` when the agreement sets
    ``depends_on`` to ``v`` (both on [0, 1]); ``description`` says how it was derived (shown in
    reports of binding constraints).
    """

    party: str
    dimension: str
    depends_on: str
    rule: Callable[[float], float]
    description: str = ""
    #: Optional: the same rule on an array of values at once (same numbers, faster); the grid
    #: of the zone search uses it when given.
    rule_grid: Callable[[FloatArray], FloatArray] | None = None


@dataclass(frozen=True)
class Forum:
    """Decision rule of the forum: veto players (from :class:`Party`) plus a capability quota.

    ``quota`` ∈ (0, 1]: the share of the forum's summed capability that the accepting
    coalition must hold. 1 is unanimity; a bilateral negotiation is always unanimous.
    """

    quota: float = 1.0

    def __post_init__(self) -> None:
        q = float(self.quota)
        if not (math.isfinite(q) and 0.0 < q <= 1.0):
            raise InputError(f"forum quota is {self.quota!r}; it must be in (0, 1]")


@dataclass(frozen=True)
class BargainingProblem:
    """Dimensions, parties, forum rule and coupled reservations, validated together."""

    dimensions: tuple[Dimension, ...]
    parties: tuple[Party, ...]
    forum: Forum = field(default_factory=Forum)
    couplings: tuple[CoupledReservation, ...] = ()
    _by_name: dict[str, Party] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "dimensions", tuple(self.dimensions))
        object.__setattr__(self, "parties", tuple(self.parties))
        object.__setattr__(self, "couplings", tuple(self.couplings))
        if not self.dimensions:
            raise InputError("a bargaining problem needs at least one dimension")
        if len(self.parties) < 2:
            raise InputError("a bargaining problem needs at least two parties")
        dims = [d.name for d in self.dimensions]
        if len(set(dims)) != len(dims):
            raise InputError(f"dimension names repeat: {dims}")
        names = [p.name for p in self.parties]
        if len(set(names)) != len(names):
            raise InputError(f"party names repeat: {names}")
        for p in self.parties:
            missing = [d for d in dims if d not in p.stances]
            extra = [d for d in p.stances if d not in dims]
            if missing or extra:
                raise InputError(
                    f"party '{p.name}': stances must cover exactly the dimensions {dims} "
                    f"(missing {missing}, unknown {extra})"
                )
        if sum(p.capability for p in self.parties) <= 0.0:
            raise InputError("every party has zero capability; power shares are undefined")
        coupled: set[tuple[str, str]] = set()
        for c in self.couplings:
            if c.party not in names:
                raise InputError(f"coupled reservation names unknown party '{c.party}'")
            for d in (c.dimension, c.depends_on):
                if d not in dims:
                    raise InputError(f"coupled reservation names unknown dimension '{d}'")
            if c.dimension == c.depends_on:
                raise InputError(f"coupled reservation of '{c.party}' depends on its own dimension")
            if (c.party, c.dimension) in coupled:
                raise InputError(f"two coupled reservations for '{c.party}' on '{c.dimension}'")
            coupled.add((c.party, c.dimension))
        coupled_dims = {c.dimension for c in self.couplings}
        for c in self.couplings:
            if c.depends_on in coupled_dims:
                raise InputError(
                    f"dimension '{c.depends_on}' is both coupled and depended on; chains of "
                    "coupled reservations are not supported"
                )
        object.__setattr__(self, "_by_name", {p.name: p for p in self.parties})

    @property
    def dimension_names(self) -> tuple[str, ...]:
        return tuple(d.name for d in self.dimensions)

    @property
    def party_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parties)

    def party(self, name: str) -> Party:
        try:
            return self._by_name[name]
        except KeyError:
            raise InputError(f"no party '{name}' (parties: {list(self.party_names)})") from None

    def power_shares(self) -> dict[str, float]:
        """Capability shares of the forum (sum to 1)."""
        total = sum(p.capability for p in self.parties)
        return {p.name: p.capability / total for p in self.parties}

    def permuted(self, order: Sequence[int]) -> BargainingProblem:
        """The same problem with parties in the order ``order`` (new i is old order[i])."""
        return BargainingProblem(
            self.dimensions, tuple(self.parties[i] for i in order), self.forum, self.couplings
        )


def fearon_range(p: float, cost_a: float, cost_b: float) -> tuple[float, float]:
    """Fearon's (1995, p. 387-388) bargaining range on [0, 1]: ``[p − c_A, p + c_B]``.

    A wins a war with probability ``p`` and pays ``c_A``; B pays ``c_B``. Every division in the
    range is weakly preferred to war by both risk-neutral sides; these are A's and B's
    reservation points when A's ideal is 1 and B's is 0.
    """
    for v, what in ((p, "p"), (cost_a, "cost_a"), (cost_b, "cost_b")):
        if not (math.isfinite(v) and v >= 0):
            raise InputError(f"{what} must be a non-negative number, got {v!r}")
    if p > 1:
        raise InputError(f"p must be a probability, got {p}")
    return max(0.0, p - cost_a), min(1.0, p + cost_b)


# --------------------------------------------------------------------------------------------
# Zone of agreement
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BindingConstraint:
    """The tightest place in the zone: a dimension and the parties holding its two bounds.

    ``lower``/``upper`` are the conflicting bounds (``lower > upper`` when the zone is empty);
    ``lower_parties``/``upper_parties`` hold them (sorted names); ``derived`` describes a
    coupled reservation among them, if any.
    """

    dimension: str
    lower: float
    upper: float
    lower_parties: tuple[str, ...]
    upper_parties: tuple[str, ...]
    depends_on: str | None = None
    depends_value: float | None = None
    derived: str = ""

    @property
    def gap(self) -> float:
        """``lower − upper``: positive when the bounds conflict (issue-scale units)."""
        return self.lower - self.upper

    def describe(self) -> str:
        lo = ", ".join(self.lower_parties)
        hi = ", ".join(self.upper_parties)
        cond = (
            f" (with {self.depends_on} = {self.depends_value:.3f})"
            if self.depends_on is not None and self.depends_value is not None
            else ""
        )
        verb = "above" if self.gap > TOL else "at or below"
        text = (
            f"{self.dimension}{cond}: {lo} need at least {self.lower:.3f}, {verb} the most "
            f"{hi} accept ({self.upper:.3f})"
        )
        return text + (f"; {self.derived}" if self.derived else "")


@dataclass(frozen=True)
class ZoneInterval:
    """The zone on one dimension: bounds and the parties holding them."""

    dimension: str
    lower: float
    upper: float
    lower_parties: tuple[str, ...]
    upper_parties: tuple[str, ...]

    @property
    def width(self) -> float:
        return self.upper - self.lower


@dataclass(frozen=True)
class Zone:
    """The zone of agreement of a forum.

    ``exists`` iff ``margin ≥ 0``. ``coalition`` is the accepting coalition (all parties under
    unanimity); when no winning coalition has a zone it is the coalition with the largest
    margin, whose binding constraints are reported. ``intervals`` give the zone dimension by
    dimension (for a coupled dimension: at the value of the dimension it depends on that
    maximises the margin, ``anchor``). ``binding`` lists the dimension(s) attaining the margin.
    """

    exists: bool
    margin: float
    coalition: tuple[str, ...]
    intervals: tuple[ZoneInterval, ...]
    binding: tuple[BindingConstraint, ...]
    anchor: Mapping[str, float]
    power_share: float

    def interval(self, dimension: str) -> ZoneInterval:
        for iv in self.intervals:
            if iv.dimension == dimension:
                return iv
        raise InputError(f"no dimension '{dimension}' in the zone")

    def to_frame(self) -> pl.DataFrame:
        """One row per dimension.

        Columns: ``dimension`` (Utf8), ``lower``/``upper``/``width`` (Float64, issue scale
        [0, 1]; width < 0 means no overlap), ``lower_parties``/``upper_parties`` (Utf8, parties
        holding each bound, ``;``-separated).
        """
        import polars as pl

        return pl.DataFrame(
            {
                "dimension": [iv.dimension for iv in self.intervals],
                "lower": [iv.lower for iv in self.intervals],
                "upper": [iv.upper for iv in self.intervals],
                "width": [iv.width for iv in self.intervals],
                "lower_parties": [";".join(iv.lower_parties) for iv in self.intervals],
                "upper_parties": [";".join(iv.upper_parties) for iv in self.intervals],
            },
            schema={
                "dimension": pl.Utf8,
                "lower": pl.Float64,
                "upper": pl.Float64,
                "width": pl.Float64,
                "lower_parties": pl.Utf8,
                "upper_parties": pl.Utf8,
            },
        )


def _holders(values: Mapping[str, float], target: float) -> tuple[str, ...]:
    return tuple(sorted(n for n, v in values.items() if abs(v - target) <= 1e-12))


@dataclass(frozen=True)
class _Bounds:
    lows: dict[str, float]
    highs: dict[str, float]

    def lower(self) -> float:
        return max(self.lows.values()) if self.lows else 0.0

    def upper(self) -> float:
        return min(self.highs.values()) if self.highs else 1.0


def _bounds(
    problem: BargainingProblem,
    coalition: Sequence[str],
    dimension: str,
    anchor: Mapping[str, float],
) -> _Bounds:
    """Each coalition member's acceptable interval on ``dimension`` (coupled ones at anchor)."""
    couplings = {(c.party, c.dimension): c for c in problem.couplings}
    lows: dict[str, float] = {}
    highs: dict[str, float] = {}
    for name in coalition:
        st = problem.party(name).stances[dimension]
        c = couplings.get((name, dimension))
        if c is not None:
            r = _check_unit(c.rule(anchor[c.depends_on]), f"derived reservation of '{name}'")
            lo, hi = _acceptable(st.ideal, r, st.salience)
        else:
            lo, hi = acceptable_interval(st)
        lows[name] = lo
        highs[name] = hi
    return _Bounds(lows, highs)


def _grid() -> FloatArray:
    return np.linspace(0.0, 1.0, _GRID)


def _rule_values(c: CoupledReservation) -> FloatArray:
    """A coupled reservation evaluated on the grid of the dimension it depends on."""
    what = f"derived reservation of '{c.party}'"
    if c.rule_grid is None:
        return np.array([_check_unit(c.rule(float(v)), what) for v in _grid()])
    values = np.asarray(c.rule_grid(_grid()), dtype=float)
    bad = ~(np.isfinite(values) & (values >= -TOL) & (values <= 1.0 + TOL))
    if bad.any():
        _check_unit(float(values[np.argmax(bad)]), what)  # raises, naming the value
    return np.asarray(np.clip(values, 0.0, 1.0), dtype=float)


def _coalition_zone(
    problem: BargainingProblem,
    coalition: tuple[str, ...],
    rule_cache: Callable[[CoupledReservation], FloatArray] = _rule_values,
) -> tuple[float, tuple[ZoneInterval, ...], tuple[BindingConstraint, ...], dict[str, float]]:
    """Margin, intervals, binding constraints and anchors of one coalition's zone."""
    coupled_dims = {c.dimension for c in problem.couplings if c.party in coalition}
    groups: dict[str, list[str]] = {}
    for c in problem.couplings:
        if c.party in coalition:
            groups.setdefault(c.depends_on, [])
            if c.dimension not in groups[c.depends_on]:
                groups[c.depends_on].append(c.dimension)
    anchor: dict[str, float] = {}
    margins: dict[str, float] = {}
    best_margins: dict[str, float] = {}
    bounds: dict[str, _Bounds] = {}
    for d in problem.dimension_names:
        if d in coupled_dims or d in groups:
            continue
        b = _bounds(problem, coalition, d, anchor)
        bounds[d] = b
        margins[d] = (b.upper() - b.lower()) / 2.0
    couplings = [c for c in problem.couplings if c.party in coalition]
    for e, dims in sorted(groups.items()):
        be = _bounds(problem, coalition, e, anchor)
        lo_e, hi_e = be.lower(), be.upper()
        # Bounds of the members whose reservation does not depend on e are fixed.
        fixed: dict[str, tuple[float, float]] = {}
        moving: dict[str, list[tuple[CoupledReservation, Stance]]] = {}
        for d in dims:
            movers = [c for c in couplings if c.dimension == d]
            still = [n for n in coalition if n not in {c.party for c in movers}]
            b = _bounds(problem, still, d, {})
            fixed[d] = (b.lower(), b.upper())
            moving[d] = [(c, problem.party(c.party).stances[d]) for c in movers]

        def group_margin(
            v: float,
            be_lo: float = lo_e,
            be_hi: float = hi_e,
            dims: list[str] = dims,
            fixed: dict[str, tuple[float, float]] = fixed,
            moving: dict[str, list[tuple[CoupledReservation, Stance]]] = moving,
        ) -> float:
            m = min(v - be_lo, be_hi - v)
            for d in dims:
                lo_d, hi_d = fixed[d]
                for c, st in moving[d]:
                    r = _check_unit(c.rule(v), f"derived reservation of '{c.party}'")
                    a, b = _acceptable(st.ideal, r, st.salience)
                    lo_d, hi_d = max(lo_d, a), min(hi_d, b)
                m = min(m, (hi_d - lo_d) / 2.0)
            return m

        grid = _grid()
        values = np.minimum(grid - lo_e, hi_e - grid)
        for d in dims:
            lo_g = np.full_like(grid, fixed[d][0])
            hi_g = np.full_like(grid, fixed[d][1])
            for c, st in moving[d]:
                r = rule_cache(c)
                if st.salience > 0.0:
                    h = np.abs(r - st.ideal)
                    lo_g = np.maximum(lo_g, np.maximum(0.0, st.ideal - h))
                    hi_g = np.minimum(hi_g, np.minimum(1.0, st.ideal + h))
            values = np.minimum(values, (hi_g - lo_g) / 2.0)
        best = int(np.argmax(values))
        v_best, m_best = float(grid[best]), float(values[best])
        lo_b = float(grid[max(0, best - 1)])
        hi_b = float(grid[min(_GRID - 1, best + 1)])
        if hi_b > lo_b:
            from scipy.optimize import minimize_scalar

            res = minimize_scalar(
                lambda v: -group_margin(float(v)),
                bounds=(lo_b, hi_b),
                method="bounded",
                options={"xatol": 1e-10},
            )
            if res.success and -float(res.fun) > m_best:
                v_best, m_best = float(res.x), -float(res.fun)
        # Report the zone where the others' bounds on e allow (identical when a zone exists).
        v_rep = min(max(v_best, lo_e), hi_e) if lo_e <= hi_e else v_best
        anchor[e] = v_rep
        bounds[e] = be
        margins[e] = min(v_best - lo_e, hi_e - v_best)
        best_margins[e] = m_best
        for d in dims:
            bounds[d] = _bounds(problem, coalition, d, {e: v_rep})
    margin = min([*margins.values(), *best_margins.values()])
    intervals = tuple(
        ZoneInterval(
            d,
            bounds[d].lower(),
            bounds[d].upper(),
            _holders(bounds[d].lows, bounds[d].lower()),
            _holders(bounds[d].highs, bounds[d].upper()),
        )
        for d in problem.dimension_names
    )
    half = {iv.dimension: iv.width / 2.0 for iv in intervals}
    if margin < -TOL:
        tight = sorted((d for d in half if half[d] < -TOL), key=lambda d: (half[d], d))
    else:
        low = min(half.values())
        tight = [d for d in problem.dimension_names if half[d] <= low + 1e-9]
    descriptions = {(c.party, c.dimension): c for c in problem.couplings if c.party in coalition}
    binding = []
    for d in tight:
        iv = next(i for i in intervals if i.dimension == d)
        dep = next((c for (_, dd), c in descriptions.items() if dd == iv.dimension), None)
        derived = ""
        if dep is not None and (dep.party in iv.lower_parties or dep.party in iv.upper_parties):
            derived = dep.description
        binding.append(
            BindingConstraint(
                iv.dimension,
                iv.lower,
                iv.upper,
                iv.lower_parties,
                iv.upper_parties,
                depends_on=dep.depends_on if dep is not None else None,
                depends_value=anchor.get(dep.depends_on) if dep is not None else None,
                derived=derived,
            )
        )
    return margin, intervals, tuple(binding), anchor


def winning_coalitions(problem: BargainingProblem) -> list[tuple[str, ...]]:
    """Coalitions containing every veto player and at least ``quota`` of the capability.

    Each coalition lists its members in the problem's party order.
    """
    shares = problem.power_shares()
    names = problem.party_names
    vetoes = {p.name for p in problem.parties if p.veto}
    out: list[tuple[str, ...]] = []
    for k in range(1, len(names) + 1):
        for combo in itertools.combinations(names, k):
            if not vetoes <= set(combo):
                continue
            if sum(shares[n] for n in combo) >= problem.forum.quota - 1e-12:
                out.append(combo)
    return out


def find_zone(problem: BargainingProblem) -> Zone:
    """The zone of agreement of ``problem`` (see the module docstring for the rules).

    Among winning coalitions with a non-empty zone, the accepting coalition is the largest
    (most members, then most capability, then the alphabetically first member list). If none
    has a zone, the winning coalition with the largest margin is reported (ties as above), with
    its binding constraints.
    """
    shares = problem.power_shares()
    coalitions = winning_coalitions(problem)
    if not coalitions:
        raise InputError(
            "no coalition satisfies the forum rule (veto players plus quota "
            f"{problem.forum.quota}); check the quota and the veto flags"
        )
    cache: dict[int, FloatArray] = {}

    def rule_cache(c: CoupledReservation) -> FloatArray:
        key = id(c)
        if key not in cache:
            cache[key] = _rule_values(c)
        return cache[key]

    scored: list[Zone] = []
    for coal in coalitions:
        margin, intervals, binding, anchor = _coalition_zone(problem, coal, rule_cache)
        scored.append(
            Zone(
                exists=margin >= -TOL,
                margin=float(margin),
                coalition=tuple(sorted(coal)),
                intervals=intervals,
                binding=binding,
                anchor=dict(anchor),
                power_share=float(sum(shares[n] for n in coal)),
            )
        )

    def size_key(z: Zone) -> tuple[int, float, tuple[str, ...]]:
        return (-len(z.coalition), -round(z.power_share, 12), z.coalition)

    feasible = [z for z in scored if z.exists]
    if feasible:
        return min(feasible, key=size_key)
    best = max(z.margin for z in scored)
    return min((z for z in scored if z.margin >= best - 1e-12), key=size_key)


# --------------------------------------------------------------------------------------------
# Nash bargaining solution
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NashSolution:
    """The asymmetric Nash bargaining solution inside a zone.

    ``point`` maps dimension → agreed value (issue scale [0, 1]); ``weights`` the bargaining
    weights (capability shares within the coalition); ``gains`` each member's gain g_i over its
    red lines (salience-weighted issue-scale units); ``slack`` each member's gain per unit of
    salience (issue-scale units, see :func:`slack_at`), which
    :mod:`ncrealism.negotiation.commitment` uses as the initial slack of the agreement.
    """

    point: Mapping[str, float]
    coalition: tuple[str, ...]
    weights: Mapping[str, float]
    gains: Mapping[str, float]
    slack: Mapping[str, float]
    nash_product: float

    def to_frame(self) -> pl.DataFrame:
        """One row per coalition member.

        Columns: ``party`` (Utf8), ``weight`` (Float64, capability share within the
        coalition), ``gain`` (Float64, salience-weighted issue-scale units), ``slack``
        (Float64, issue-scale units, gain per unit of salience).
        """
        import polars as pl

        names = list(self.coalition)
        return pl.DataFrame(
            {
                "party": names,
                "weight": [self.weights[n] for n in names],
                "gain": [self.gains[n] for n in names],
                "slack": [self.slack[n] for n in names],
            },
            schema={
                "party": pl.Utf8,
                "weight": pl.Float64,
                "gain": pl.Float64,
                "slack": pl.Float64,
            },
        )


def _reservation_at(
    problem: BargainingProblem, name: str, dimension: str, x: Mapping[str, float]
) -> float:
    st = problem.party(name).stances[dimension]
    for c in problem.couplings:
        if c.party == name and c.dimension == dimension:
            return _check_unit(c.rule(x[c.depends_on]), f"derived reservation of '{name}'")
    return st.reservation


def gains_at(
    problem: BargainingProblem, coalition: Sequence[str], x: Mapping[str, float]
) -> dict[str, float]:
    """g_i(x) = Σ_d s_id·(|r_id − ideal_id| − |x_d − ideal_id|) for each coalition member."""
    out: dict[str, float] = {}
    for name in coalition:
        party = problem.party(name)
        g = 0.0
        for d in problem.dimension_names:
            st = party.stances[d]
            r = _reservation_at(problem, name, d, x)
            g += st.salience * (abs(r - st.ideal) - abs(x[d] - st.ideal))
        out[name] = g
    return out


def slack_at(
    problem: BargainingProblem, coalition: Sequence[str], x: Mapping[str, float]
) -> dict[str, float]:
    """Each member's gain per unit of salience, ``g_i(x) / Σ_d s_id`` (issue-scale units).

    The salience-weighted mean distance by which ``x`` clears i's red lines: i prefers ``x`` to
    no agreement while it is positive (Nash's disagreement point). A member with zero salience
    everywhere is indifferent and gets 1 (nothing can make it leave).
    """
    gains = gains_at(problem, coalition, x)
    out: dict[str, float] = {}
    for name in coalition:
        total = sum(st.salience for st in problem.party(name).stances.values())
        out[name] = gains[name] / total if total > 0 else 1.0
    return out


def nash_solution(problem: BargainingProblem, zone: Zone | None = None) -> NashSolution | None:
    """The power-weighted Nash bargaining solution in the zone, or None if there is no zone.

    Maximises ``Σ w_i ln g_i(x)`` (Nash 1950; Kalai 1977) by SLSQP from the zone's centre and
    from each member's best point in the zone, then (without couplings, where only the zone's
    box binds) polished by L-BFGS-B from the best of those points; among maximisers, the point
    closest to the zone's centre (a pull of weight 1e-7 towards the centre, which moves a
    unique maximiser by less than 1e-6). Members with zero salience everywhere are indifferent
    and excluded.
    """
    from scipy.optimize import minimize

    zone = zone or find_zone(problem)
    if not zone.exists:
        return None
    dims = problem.dimension_names
    n_dim = len(dims)
    coalition = zone.coalition
    members = [
        n for n in coalition if any(s.salience > 0 for s in problem.party(n).stances.values())
    ]
    caps = {n: problem.party(n).capability for n in coalition}
    total = sum(caps[n] for n in members)
    if total > 0:
        weights = {n: caps[n] / total for n in members}
    else:
        weights = {n: 1.0 / len(members) for n in members} if members else {}
    coupled = {c.dimension: c for c in problem.couplings if c.party in coalition}

    def as_map(v: FloatArray) -> dict[str, float]:
        return {d: float(np.clip(v[i], 0.0, 1.0)) for i, d in enumerate(dims)}

    def constraint_values(v: FloatArray) -> FloatArray:
        x = as_map(v)
        out = []
        for i, d in enumerate(dims):
            if d in coupled:
                b = _bounds(problem, coalition, d, x)
                out.extend([v[i] - b.lower(), b.upper() - v[i]])
        return np.array(out, dtype=np.float64) if out else np.zeros(1)

    box_lo = np.array([zone.interval(d).lower if d not in coupled else 0.0 for d in dims])
    box_hi = np.array([zone.interval(d).upper if d not in coupled else 1.0 for d in dims])
    # A zone of zero width can have bounds crossed by rounding (within TOL): pinch them.
    crossed = box_lo > box_hi
    mid = (box_lo + box_hi) / 2.0
    box_lo = np.where(crossed, mid, box_lo)
    box_hi = np.where(crossed, mid, box_hi)
    centre = np.array([(zone.interval(d).lower + zone.interval(d).upper) / 2.0 for d in dims])
    for d, value in zone.anchor.items():
        centre[dims.index(d)] = value

    def objective(v: FloatArray) -> float:
        g = gains_at(problem, members, as_map(v))
        nash = sum(weights[n] * math.log(max(g[n], 1e-300)) for n in members)
        # A vanishing pull to the centre picks one point where the maximiser is not unique.
        return -nash + _TIE_PULL * float(np.sum((v - centre) ** 2))

    def gradient(v: FloatArray) -> FloatArray:
        x = as_map(v)
        g = gains_at(problem, members, x)
        grad: FloatArray = np.asarray(2.0 * _TIE_PULL * (v - centre), dtype=np.float64)
        for n in members:
            party = problem.party(n)
            factor = weights[n] / max(g[n], 1e-300)
            for i, d in enumerate(dims):
                st = party.stances[d]
                # d g_n / d x_d of the term −s·|x_d − ideal| (a subgradient at the ideal).
                grad[i] += factor * st.salience * float(np.sign(v[i] - st.ideal))
            for c in problem.couplings:
                if c.party != n:
                    continue
                st = party.stances[c.dimension]
                j = dims.index(c.depends_on)
                h = 1e-6
                up = min(1.0, v[j] + h)
                dn = max(0.0, v[j] - h)
                r_up = abs(_check_unit(c.rule(up), "derived reservation") - st.ideal)
                r_dn = abs(_check_unit(c.rule(dn), "derived reservation") - st.ideal)
                grad[j] -= factor * st.salience * (r_up - r_dn) / (up - dn)
        return grad

    if not members:
        best_x = centre
    else:
        starts = [centre]
        for n in members:
            ideal = np.array([problem.party(n).stances[d].ideal for d in dims])
            starts.append(0.5 * centre + 0.5 * np.clip(ideal, box_lo, box_hi))
        cons = [{"type": "ineq", "fun": constraint_values}] if coupled else []
        bounds = list(zip(box_lo, box_hi, strict=True))
        results = []
        for s0 in starts:
            res = minimize(
                objective,
                s0,
                jac=gradient,
                method="SLSQP",
                bounds=bounds,
                constraints=cons,
                options={"ftol": 1e-15, "maxiter": 500},
            )
            found: FloatArray = np.clip(np.asarray(res.x, dtype=np.float64), box_lo, box_hi)
            if coupled and float(np.min(constraint_values(found))) < -1e-7:
                continue
            results.append((float(objective(found)), found))
        if not results:
            best_x = centre
        else:
            f_star = min(r[0] for r in results)
            near = [r[1] for r in results if r[0] <= f_star + 1e-12]
            best_x = min(near, key=lambda x: (float(np.sum((x - centre) ** 2)), tuple(x)))
            if not coupled:
                # SLSQP can stop short where a member's gain nears 0 (its log is steep there);
                # a bound-constrained quasi-Newton polish from the best point settles it.
                res = minimize(
                    objective,
                    best_x,
                    jac=gradient,
                    method="L-BFGS-B",
                    bounds=bounds,
                    options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 500},
                )
                polished: FloatArray = np.clip(np.asarray(res.x, dtype=np.float64), box_lo, box_hi)
                if float(objective(polished)) < float(objective(best_x)):
                    best_x = polished
    point = as_map(best_x)
    assert len(point) == n_dim
    gains = gains_at(problem, coalition, point)
    product = math.prod(max(gains[n], 0.0) ** weights[n] for n in members) if members else 0.0
    return NashSolution(
        point=point,
        coalition=coalition,
        weights={n: weights.get(n, 0.0) for n in coalition},
        gains=gains,
        slack=slack_at(problem, coalition, point),
        nash_product=float(product),
    )


def contains(problem: BargainingProblem, zone: Zone, x: Mapping[str, float]) -> bool:
    """Whether point ``x`` lies in the zone (every coalition member accepts it)."""
    for d in problem.dimension_names:
        b = _bounds(problem, zone.coalition, d, x)
        if not (b.lower() - 1e-9 <= x[d] <= b.upper() + 1e-9):
            return False
    return True
