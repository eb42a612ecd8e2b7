"""Bueno de Mesquita's expected-utility ("group decision") model, computed with arrays.

The model of Bueno de Mesquita (1994, "Political forecasting: an expected utility method", in
Bueno de Mesquita & Stokman (eds.), *European Community Decision Making*, Yale UP; 2002,
*Predicting Politics*, Ohio State UP) as specified by Scholz, Calbert & Smith (2011),
"Unravelling Bueno De Mesquita's group decision model", *Journal of Theoretical Politics*
23(4): 510–531.

Actors i = 1..n have a capability c_i and a salience s_i (both in [0, 1]), a position x_i on a
one-dimensional issue and a risk exponent r_i. R = max(x) − min(x) over the initial positions.
Each round:

1. risk exponents are recomputed from the current positions (all r = 1 first);
2. every actor i evaluates every j at another position: e_ij = EU_i(i→j) and e_ji = EU_i(j→i);
3. the pair (e_ij, e_ji) gives i an offer (confrontation, compromise or capitulation) or none;
4. each actor takes at most one offer, and all actors move at once.

Every pairwise quantity of a round is an n×n NumPy array (see ``_eum_kernels``); the round
loop is a generator, :func:`iter_rounds`, so a run can be watched round by round.
:func:`run_eum` adds cycle and convergence detection, and :func:`monte_carlo` propagates
input uncertainty.

Where the public replication of Scholz et al. deviates from the paper, :class:`EUMOptions`
has a switch; :meth:`EUMOptions.replication` reproduces it, the defaults follow the paper.

Invariants (tested):

* Permuting the actors permutes every result (with the default, order-free tie rule).
* Multiplying every capability by the same constant changes nothing: capabilities enter only
  through the votes w_k = c_k·s_k, and every vote total is divided by another vote total.
* An actor j with zero salience is never the counterpart of an offer that is taken: nobody
  loses a confrontation to j, compromises with j or capitulates to j, whatever j's
  capability, under every option setting. Derivation: every offer type requires
  e_ji > e_ij (a confrontation e_ji > e_ij > 0, a compromise or capitulation e_ji > 0 > e_ij).
  From any i's point of view, with U = U(|x_i − x_j|/R; r_i),
  e_ij = EU_i(i→j) = U_s − s_j·(1 − P(i, j))·(U_s − U_f) − q·U_sq = U_s − q·U_sq when s_j = 0
  (j never resists, so i's challenge is a sure success), and
  e_ji = EU_i(j→i) = U_s − s_i·(1 − P(j, i))·(U_s − U_f) − q·U_sq ≤ e_ij because P ≤ 1 and
  U_s ≥ U_f. The code evaluates EU in exactly this form, so e_ji ≤ e_ij also holds in
  floating point.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray

from ncrealism.negotiation import _eum_kernels as k

if TYPE_CHECKING:
    import polars as pl

__all__ = [
    "Actor",
    "ActorTable",
    "EUMOptions",
    "EUMResult",
    "MonteCarloResult",
    "Offer",
    "OfferKind",
    "OutcomeRange",
    "RoundState",
    "Uncertainty",
    "as_actor_table",
    "find_period",
    "iter_rounds",
    "monte_carlo",
    "read_actors_csv",
    "run_eum",
]

FloatArray = NDArray[np.float64]
OfferKind = Literal["confrontation", "compromise", "capitulation"]
Status = Literal["converged", "cycle", "not_converged"]

_KIND_NAMES: dict[int, OfferKind] = {
    k.CONFRONTATION: "confrontation",
    k.COMPROMISE: "compromise",
    k.CAPITULATION: "capitulation",
}

_COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("name", "actor"),
    "capability": ("capability",),
    "position": ("position",),
    "salience": ("salience",),
}


# --------------------------------------------------------------------------------------------
# Input
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    """One stakeholder: capability c and salience s in [0, 1], position x on the issue scale."""

    name: str
    capability: float
    position: float
    salience: float


def _readonly(values: Any, field_name: str, n: int | None = None) -> FloatArray:
    try:
        arr = np.array(values, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{field_name}: expected numbers, got {values!r}") from exc
    if n is not None and arr.shape[0] != n:
        raise ValueError(f"{field_name}: expected {n} values (one per actor), got {arr.shape[0]}")
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, eq=False)
class ActorTable:
    """Validated model input: one entry per actor, in input order.

    Raises ``ValueError`` naming the field and the actor when the input is empty, contains a
    non-finite number, a salience or capability outside [0, 1], duplicate names, no actor with
    positive capability·salience, or positions that are all identical (then R = 0 and every
    utility is undefined).
    """

    names: tuple[str, ...]
    capability: FloatArray
    position: FloatArray
    salience: FloatArray

    def __post_init__(self) -> None:
        names = tuple(str(v) for v in self.names)
        n = len(names)
        if n == 0:
            raise ValueError("actors: no actors given; the model needs at least two positions")
        object.__setattr__(self, "names", names)
        for fld in ("capability", "position", "salience"):
            object.__setattr__(self, fld, _readonly(getattr(self, fld), fld, n))
        seen: set[str] = set()
        for name in names:
            if name in seen:
                raise ValueError(f"name: actor name {name!r} appears more than once")
            seen.add(name)
        for fld in ("capability", "position", "salience"):
            values: FloatArray = getattr(self, fld)
            bad = np.flatnonzero(~np.isfinite(values))
            if bad.size:
                i = int(bad[0])
                raise ValueError(f"{fld} of actor {names[i]!r} is {values[i]}; it must be finite")
        for fld in ("capability", "salience"):
            values = getattr(self, fld)
            bad = np.flatnonzero((values < 0.0) | (values > 1.0))
            if bad.size:
                i = int(bad[0])
                hint = (
                    " (the model is invariant to scaling all capabilities, so divide them"
                    " by their maximum)"
                    if fld == "capability" and values[i] > 1.0
                    else ""
                )
                raise ValueError(
                    f"{fld} of actor {names[i]!r} is {values[i]}; it must be in [0, 1]{hint}"
                )
        if float(self.position.max()) == float(self.position.min()):
            raise ValueError(
                f"position: every actor ({', '.join(repr(m) for m in names[:5])}"
                f"{', ...' if n > 5 else ''}) holds the same position {self.position[0]}; "
                "the position range R is 0 and the model is degenerate"
            )
        if not np.any(self.capability * self.salience > 0.0):
            raise ValueError(
                "capability, salience: capability·salience is 0 for every actor, so no actor "
                "casts a vote and the weighted mean is undefined"
            )

    @property
    def n(self) -> int:
        """Number of actors."""
        return len(self.names)

    @property
    def position_range(self) -> float:
        """R = max(x) − min(x), fixed for the whole run."""
        return float(self.position.max() - self.position.min())

    @classmethod
    def from_actors(cls, actors: Sequence[Actor]) -> ActorTable:
        """Build from :class:`Actor` records."""
        return cls(
            names=tuple(a.name for a in actors),
            capability=np.array([a.capability for a in actors], dtype=np.float64),
            position=np.array([a.position for a in actors], dtype=np.float64),
            salience=np.array([a.salience for a in actors], dtype=np.float64),
        )

    @classmethod
    def from_arrays(
        cls,
        names: Sequence[str],
        capability: Any,
        position: Any,
        salience: Any,
    ) -> ActorTable:
        """Build from parallel sequences or arrays."""
        return cls(tuple(names), capability, position, salience)

    @classmethod
    def from_frame(cls, frame: Any) -> ActorTable:
        """Build from a Polars or pandas data frame (or a mapping of columns).

        Columns (case-insensitive): ``name`` or ``actor``, ``capability``, ``position``,
        ``salience``; other columns are ignored.
        """
        columns = [
            str(col) for col in (frame.keys() if isinstance(frame, Mapping) else frame.columns)
        ]
        lower = {col.lower(): col for col in columns}
        picked: dict[str, Any] = {}
        for fld, aliases in _COLUMN_ALIASES.items():
            found = next((lower[a] for a in aliases if a in lower), None)
            if found is None:
                raise ValueError(
                    f"{fld}: no column {' or '.join(repr(a) for a in aliases)} among {columns}"
                )
            col = frame[found]
            picked[fld] = list(col) if isinstance(frame, Mapping) else col.to_numpy()
        return cls(
            names=tuple(str(v) for v in picked["name"]),
            capability=picked["capability"],
            position=picked["position"],
            salience=picked["salience"],
        )

    def replace(
        self,
        *,
        capability: Any = None,
        position: Any = None,
        salience: Any = None,
    ) -> ActorTable:
        """A copy with some columns replaced (validated again)."""
        return ActorTable(
            self.names,
            self.capability if capability is None else capability,
            self.position if position is None else position,
            self.salience if salience is None else salience,
        )

    def permuted(self, perm: Sequence[int] | NDArray[np.intp]) -> ActorTable:
        """The same actors in the order ``perm`` (new actor m is old actor perm[m])."""
        idx = np.asarray(perm, dtype=np.intp)
        return ActorTable(
            tuple(self.names[i] for i in idx),
            self.capability[idx],
            self.position[idx],
            self.salience[idx],
        )

    def to_polars(self) -> pl.DataFrame:
        """The table as a Polars frame with columns name, capability, position, salience."""
        import polars as pl

        return pl.DataFrame(
            {
                "name": list(self.names),
                "capability": self.capability,
                "position": self.position,
                "salience": self.salience,
            }
        )


ActorsLike = ActorTable | Sequence[Actor] | Mapping[str, Sequence[Any]] | Any


def as_actor_table(actors: ActorsLike) -> ActorTable:
    """Coerce any accepted input (table, :class:`Actor` list, frame, column mapping)."""
    if isinstance(actors, ActorTable):
        return actors
    if isinstance(actors, Mapping) or hasattr(actors, "columns"):
        return ActorTable.from_frame(actors)
    if isinstance(actors, Sequence) and all(isinstance(a, Actor) for a in actors):
        return ActorTable.from_actors(actors)
    raise TypeError(
        "actors: expected an ActorTable, a sequence of Actor, a Polars/pandas frame or a "
        f"mapping of columns, got {type(actors).__name__}"
    )


def read_actors_csv(path: str | Path) -> ActorTable:
    """Read a CSV with columns Actor (or Name), Capability, Position, Salience."""
    with Path(path).open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    if not rows:
        raise ValueError(f"{path}: no rows")
    columns: dict[str, list[str]] = {key: [row[key] for row in rows] for key in rows[0]}
    return ActorTable.from_frame(columns)


# --------------------------------------------------------------------------------------------
# Options and round state
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EUMOptions:
    """Model switches. The defaults follow Scholz et al. (2011) and Bueno de Mesquita (1994).

    Attributes:
        denominator: ``"pair"``: P(i, j) = Σ_k max(0, v_k(i, j)) / Σ_k |v_k(i, j)| (the paper);
            ``"all_pairs"``: divide by Σ_k Σ_a Σ_b |v_k(a, b)| over all ordered pairs of actors
            (the replication), which makes every P tiny.
        capitulation: ``"paper"``: capitulate if e_ji > 0 > e_ij and e_ji < |e_ij|;
            ``"never"``: the replication's test e_ji < |e_ji| is never true.
        compromise: ``"least_move"``: take the compromise that moves the actor least (the
            paper); ``"weighted_position"``: the one minimising
            (|e_ij|·x_i + |e_ji|·x_j)/(|e_ij| + |e_ji|) (the replication).
        ties: ``"order_free"``: among equally small moves take the largest e_ji, then the
            smallest new position, then the smallest e_ij (the most resolute counterpart);
            ``"input_order"``: the first counterpart in input order (the replication).
        q: probability that the status quo persists when nobody challenges (q = 1 in both).
    """

    denominator: Literal["pair", "all_pairs"] = "pair"
    capitulation: Literal["paper", "never"] = "paper"
    compromise: Literal["least_move", "weighted_position"] = "least_move"
    ties: Literal["order_free", "input_order"] = "order_free"
    q: float = 1.0

    def __post_init__(self) -> None:
        allowed: dict[str, tuple[str, ...]] = {
            "denominator": ("pair", "all_pairs"),
            "capitulation": ("paper", "never"),
            "compromise": ("least_move", "weighted_position"),
            "ties": ("order_free", "input_order"),
        }
        for name, values in allowed.items():
            if getattr(self, name) not in values:
                raise ValueError(f"{name}: expected one of {values}, got {getattr(self, name)!r}")
        if not (math.isfinite(self.q) and 0.0 <= self.q <= 1.0):
            raise ValueError(f"q: expected a probability in [0, 1], got {self.q!r}")

    @classmethod
    def paper(cls) -> EUMOptions:
        """The paper's rules (the defaults)."""
        return cls()

    @classmethod
    def replication(cls) -> EUMOptions:
        """The public replication of Scholz et al. (dmasad/bdm-scholz-expected-utility-model)."""
        return cls(
            denominator="all_pairs",
            capitulation="never",
            compromise="weighted_position",
            ties="input_order",
        )


@dataclass(frozen=True)
class Offer:
    """An offer taken by ``actor`` in one round, from ``actor``'s point of view.

    ``e_ij`` = EU_actor(actor → counterpart), ``e_ji`` = EU_actor(counterpart → actor).
    """

    actor: str
    kind: OfferKind
    counterpart: str
    e_ij: float
    e_ji: float
    old_position: float
    new_position: float
    actor_index: int
    counterpart_index: int


@dataclass(frozen=True, eq=False)
class RoundState:
    """The state after one round (round 0 is the input, with r = 1 and no offers).

    ``r`` holds the risk exponents used during the round, ``positions`` the positions after
    all moves, ``mean`` the weighted mean Σ c·s·x / Σ c·s and ``median`` the pairwise-vote
    median of those positions.
    """

    round: int
    names: tuple[str, ...]
    positions: FloatArray
    r: FloatArray
    offers: tuple[Offer, ...]
    mean: float
    median: float


def _state(
    rnd: int,
    names: tuple[str, ...],
    x: FloatArray,
    r: FloatArray,
    offers: tuple[Offer, ...],
    w: FloatArray,
) -> RoundState:
    x = x.copy()
    r = r.copy()
    x.setflags(write=False)
    r.setflags(write=False)
    return RoundState(rnd, names, x, r, offers, k.weighted_mean(x, w), k.vote_median(x, w))


def _step(
    x: FloatArray,
    s: FloatArray,
    w: FloatArray,
    position_range: float,
    options: EUMOptions,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, NDArray[np.intp], NDArray[np.intp]]:
    """One round: (r, e, f, new positions, counterpart per actor (−1: none), type code)."""
    r = k.risk_exponents(x, s, w, position_range, options.denominator, options.q)
    p = k.win_probability(x, w, r, position_range, options.denominator)
    e, f = k.expected_utilities(x, s, r, p, position_range, options.q)
    kind, new = k.offer_matrices(x, e, f, options.capitulation)
    counterpart, taken = k.choose_offers(x, e, f, kind, new, options.compromise, options.ties)
    movers = np.flatnonzero(counterpart >= 0)
    x_new = x.copy()
    x_new[movers] = new[movers, counterpart[movers]]
    return r, e, f, x_new, counterpart, taken


def iter_rounds(
    actors: ActorsLike,
    options: EUMOptions | None = None,
    *,
    rounds: int | None = None,
) -> Iterator[RoundState]:
    """Yield round 0 (the input) and then the state after each round.

    Each round implements, as n×n arrays (Bueno de Mesquita 1994; Scholz et al. 2011):

    * risk: r_a = (1 − ρ_a/3)/(1 + ρ_a/3), ρ_a = (2·D_a − max D − min D)/(max D − min D),
      D_a = Σ_{b≠a} EU_a(b→a) evaluated with every r = 1;
    * votes v_k(a, b; r_k) = c_k·s_k·[(|x_k − b|/R)^{r_k} − (|x_k − a|/R)^{r_k}] and the
      probability P(i, j) (see :class:`EUMOptions` for its denominator);
    * EU_i(i→j) = s_j·[P(i,j)·U_s + (1 − P(i,j))·U_f] + (1 − s_j)·U_s − q·U_sq with i's r;
    * offers and the choice of one offer per actor; every actor moves at once.

    With ``rounds=None`` the generator never stops; the caller decides (see :func:`run_eum`).
    """
    table = as_actor_table(actors)
    opts = options or EUMOptions()
    if rounds is not None and rounds < 0:
        raise ValueError(f"rounds: expected a non-negative number, got {rounds}")
    names = table.names
    s = np.array(table.salience)
    w = np.array(table.capability * table.salience)
    big_r = table.position_range
    x = np.array(table.position)
    yield _state(0, names, x, np.ones_like(x), (), w)
    rnd = 0
    while rounds is None or rnd < rounds:
        rnd += 1
        r, e, f, x_new, counterpart, taken = _step(x, s, w, big_r, opts)
        offers = tuple(
            Offer(
                actor=names[i],
                kind=_KIND_NAMES[int(taken[i])],
                counterpart=names[j],
                e_ij=float(e[i, j]),
                e_ji=float(f[i, j]),
                old_position=float(x[i]),
                new_position=float(x_new[i]),
                actor_index=int(i),
                counterpart_index=int(j),
            )
            for i in np.flatnonzero(counterpart >= 0)
            for j in (int(counterpart[i]),)
        )
        x = x_new
        yield _state(rnd, names, x, r, offers, w)


# --------------------------------------------------------------------------------------------
# Runs, cycles and outcomes
# --------------------------------------------------------------------------------------------


def find_period(
    history: Sequence[FloatArray] | FloatArray,
    tol: float,
    scale: float = 1.0,
    max_period: int | None = None,
) -> int | None:
    """Smallest p ≥ 1 with max|x_t − x_{t−p}| ≤ tol·scale for the last state x_t, else None.

    ``history`` holds the position vectors x_0..x_t (one per row). The state of the model is
    the position vector (risk exponents are recomputed from it), so a repeat to tolerance
    means the dynamics has reached a fixed point (p = 1) or a cycle of period p.
    """
    h = np.asarray(history, dtype=np.float64)
    t = h.shape[0] - 1
    limit = t if max_period is None else min(t, max_period)
    if limit < 1:
        return None
    earlier = h[t - limit : t][::-1]  # x_{t-1}, x_{t-2}, ..., x_{t-limit}
    dist = np.abs(earlier - h[t]).max(axis=1)
    hits = np.flatnonzero(dist <= tol * scale)
    return int(hits[0]) + 1 if hits.size else None


@dataclass(frozen=True)
class OutcomeRange:
    """Weighted mean and vote median over a stretch of rounds, both ends included.

    ``basis`` says which stretch: ``"fixed_point"`` (the final round), ``"cycle"`` (the p
    rounds of the detected cycle) or ``"tail"`` (the last rounds of a run that neither
    converged nor cycled: not a forecast, a description of where it was wandering).
    """

    basis: Literal["fixed_point", "cycle", "tail"]
    first_round: int
    last_round: int
    mean_min: float
    mean_max: float
    mean_avg: float
    median_min: float
    median_max: float
    median_avg: float

    @classmethod
    def over(
        cls,
        states: Sequence[RoundState],
        basis: Literal["fixed_point", "cycle", "tail"],
    ) -> OutcomeRange:
        """Summarise ``states`` (non-empty)."""
        means = np.array([st.mean for st in states])
        medians = np.array([st.median for st in states])
        return cls(
            basis=basis,
            first_round=states[0].round,
            last_round=states[-1].round,
            mean_min=float(means.min()),
            mean_max=float(means.max()),
            mean_avg=float(means.mean()),
            median_min=float(medians.min()),
            median_max=float(medians.max()),
            median_avg=float(medians.mean()),
        )


@dataclass(frozen=True, eq=False)
class EUMResult:
    """A run: every round, whether it converged or cycled, and the outcome range.

    ``status`` is ``"converged"`` (positions stopped moving, period 1), ``"cycle"`` (positions
    repeat with ``period`` ≥ 2, to tolerance) or ``"not_converged"``. Only a converged run has
    a point forecast; a cycle has a range (``outcome``) and its average.
    """

    actors: ActorTable
    options: EUMOptions
    rounds: tuple[RoundState, ...]
    status: Status
    period: int | None
    detected_at: int | None
    outcome: OutcomeRange
    tol: float = field(default=1e-9)

    @property
    def final(self) -> RoundState:
        """The last state computed."""
        return self.rounds[-1]

    @property
    def forecast(self) -> float | None:
        """Weighted mean at the fixed point, its average over a cycle, None otherwise."""
        if self.status == "not_converged":
            return None
        return self.outcome.mean_avg

    def positions_frame(self) -> pl.DataFrame:
        """Per round: round, median, mean, then each actor's position and r (``r_<name>``)."""
        import polars as pl

        data: dict[str, list[float] | list[int]] = {
            "round": [st.round for st in self.rounds],
            "median": [st.median for st in self.rounds],
            "mean": [st.mean for st in self.rounds],
        }
        for a, name in enumerate(self.actors.names):
            data[name] = [float(st.positions[a]) for st in self.rounds]
            data[f"r_{name}"] = [float(st.r[a]) for st in self.rounds]
        return pl.DataFrame(data)

    def offers_frame(self) -> pl.DataFrame:
        """One row per offer taken: round, actor, kind, counterpart, e_ij, e_ji, positions."""
        import polars as pl

        rows = [
            {
                "round": st.round,
                "actor": o.actor,
                "kind": o.kind,
                "counterpart": o.counterpart,
                "e_ij": o.e_ij,
                "e_ji": o.e_ji,
                "old_position": o.old_position,
                "new_position": o.new_position,
            }
            for st in self.rounds
            for o in st.offers
        ]
        schema = {
            "round": pl.Int64,
            "actor": pl.String,
            "kind": pl.String,
            "counterpart": pl.String,
            "e_ij": pl.Float64,
            "e_ji": pl.Float64,
            "old_position": pl.Float64,
            "new_position": pl.Float64,
        }
        return pl.DataFrame(rows, schema=schema)


def run_eum(
    actors: ActorsLike,
    rounds: int = 10,
    options: EUMOptions | None = None,
    *,
    tol: float = 1e-9,
    stop_at_cycle: bool = True,
    tail: int | None = None,
) -> EUMResult:
    """Run up to ``rounds`` rounds and classify the run (see :func:`iter_rounds`).

    After each round the positions are compared with every earlier round: a repeat within
    ``tol``·R (R the position range) is a fixed point (period 1, ``"converged"``) or a cycle
    (period ≥ 2). With ``stop_at_cycle`` the run stops there; otherwise it runs all
    ``rounds`` and reports the first detection. A run that never repeats is
    ``"not_converged"`` and its ``outcome`` covers the last ``tail`` rounds (default: the last
    half of the run, at least one round).
    """
    table = as_actor_table(actors)
    opts = options or EUMOptions()
    if rounds < 1:
        raise ValueError(f"rounds: expected at least 1, got {rounds}")
    if not (math.isfinite(tol) and tol >= 0.0):
        raise ValueError(f"tol: expected a non-negative number, got {tol}")
    scale = table.position_range
    states: list[RoundState] = []
    history = np.empty((rounds + 1, table.n), dtype=np.float64)
    period: int | None = None
    detected_at: int | None = None
    for st in iter_rounds(table, opts, rounds=rounds):
        states.append(st)
        history[st.round] = st.positions
        if period is None and st.round > 0:
            period = find_period(history[: st.round + 1], tol, scale)
            if period is not None:
                detected_at = st.round
                if stop_at_cycle:
                    break
    if period is not None and detected_at is not None:
        status: Status = "converged" if period == 1 else "cycle"
        window = states[detected_at - period + 1 : detected_at + 1]
        outcome = OutcomeRange.over(window, "fixed_point" if period == 1 else "cycle")
    else:
        status = "not_converged"
        n_tail = max(1, rounds // 2) if tail is None else max(1, min(tail, rounds))
        outcome = OutcomeRange.over(states[-n_tail:], "tail")
    return EUMResult(
        actors=table,
        options=opts,
        rounds=tuple(states),
        status=status,
        period=period,
        detected_at=detected_at,
        outcome=outcome,
        tol=tol,
    )


# --------------------------------------------------------------------------------------------
# Monte Carlo
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Uncertainty:
    """Input uncertainty for :func:`monte_carlo`.

    ``salience`` and ``capability`` are relative: with ``distribution="uniform"`` a value of
    0.1 multiplies each input by an independent factor uniform on [0.9, 1.1]; with
    ``"normal"`` by 1 + 0.1·Z, Z standard normal. Perturbed values are clipped to [0, 1].
    ``position`` is absolute in units of the input's position range R: 0.05 adds a shift
    uniform on [−0.05·R, 0.05·R] (or 0.05·R·Z).
    """

    salience: float = 0.1
    capability: float = 0.0
    position: float = 0.0
    distribution: Literal["uniform", "normal"] = "uniform"

    def __post_init__(self) -> None:
        for name in ("salience", "capability", "position"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v >= 0.0):
                raise ValueError(f"{name}: expected a non-negative width, got {v!r}")
        if self.distribution not in ("uniform", "normal"):
            raise ValueError(
                f"distribution: expected 'uniform' or 'normal', got {self.distribution!r}"
            )


@dataclass(frozen=True, eq=False)
class MonteCarloResult:
    """Forecast distribution over perturbed inputs.

    Per draw: ``mean_forecast`` / ``median_forecast`` are the weighted mean / vote median
    averaged over the outcome stretch of :class:`OutcomeRange` (the fixed point, the cycle, or
    for a run that did not settle the tail of the run; see ``status``), and
    ``mean_low``/``mean_high`` the range of the weighted mean over that stretch.
    """

    uncertainty: Uncertainty
    options: EUMOptions
    rounds: int
    mean_forecast: FloatArray
    median_forecast: FloatArray
    mean_low: FloatArray
    mean_high: FloatArray
    status: tuple[Status, ...]
    period: NDArray[np.int64]
    quantile_levels: tuple[float, ...]

    @property
    def draws(self) -> int:
        """Number of draws."""
        return len(self.status)

    def quantiles(self) -> dict[str, dict[float, float]]:
        """Quantiles of the per-draw mean and median forecasts at ``quantile_levels``."""
        levels = np.array(self.quantile_levels)
        out: dict[str, dict[float, float]] = {}
        for name, values in (("mean", self.mean_forecast), ("median", self.median_forecast)):
            qs = np.quantile(values, levels)
            out[name] = {lv: float(v) for lv, v in zip(self.quantile_levels, qs, strict=True)}
        return out

    def status_counts(self) -> dict[str, int]:
        """How many draws converged, cycled or did neither."""
        return {s: self.status.count(s) for s in ("converged", "cycle", "not_converged")}

    def to_frame(self) -> pl.DataFrame:
        """One row per draw."""
        import polars as pl

        return pl.DataFrame(
            {
                "draw": np.arange(self.draws),
                "status": list(self.status),
                "period": self.period,
                "mean_forecast": self.mean_forecast,
                "median_forecast": self.median_forecast,
                "mean_low": self.mean_low,
                "mean_high": self.mean_high,
            }
        )


def monte_carlo(
    actors: ActorsLike,
    draws: int,
    rng: np.random.Generator | int,
    *,
    uncertainty: Uncertainty | None = None,
    rounds: int = 50,
    options: EUMOptions | None = None,
    tol: float = 1e-9,
    quantile_levels: Sequence[float] = (0.05, 0.25, 0.5, 0.75, 0.95),
) -> MonteCarloResult:
    """Run :func:`run_eum` on ``draws`` perturbed copies of the input.

    All noise is drawn up front from ``rng`` (a ``numpy.random.Generator``, or an integer seed
    for ``numpy.random.default_rng``) in a fixed order, so the same seed gives identical
    output. See :class:`Uncertainty` for the perturbation.
    """
    table = as_actor_table(actors)
    unc = uncertainty or Uncertainty()
    opts = options or EUMOptions()
    if draws < 1:
        raise ValueError(f"draws: expected at least 1, got {draws}")
    levels = tuple(float(q) for q in quantile_levels)
    if any(not 0.0 <= q <= 1.0 for q in levels):
        raise ValueError(f"quantile_levels: expected values in [0, 1], got {levels}")
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    shape = (draws, 3, table.n)
    if unc.distribution == "uniform":
        noise = gen.uniform(-1.0, 1.0, size=shape)
    else:
        noise = gen.standard_normal(size=shape)
    big_r = table.position_range
    sal = np.clip(table.salience * (1.0 + unc.salience * noise[:, 0]), 0.0, 1.0)
    cap = np.clip(table.capability * (1.0 + unc.capability * noise[:, 1]), 0.0, 1.0)
    pos = table.position + unc.position * big_r * noise[:, 2]
    mean_f = np.empty(draws)
    median_f = np.empty(draws)
    low = np.empty(draws)
    high = np.empty(draws)
    statuses: list[Status] = []
    periods = np.zeros(draws, dtype=np.int64)
    for d in range(draws):
        res = run_eum(
            table.replace(capability=cap[d], position=pos[d], salience=sal[d]),
            rounds=rounds,
            options=opts,
            tol=tol,
        )
        mean_f[d] = res.outcome.mean_avg
        median_f[d] = res.outcome.median_avg
        low[d] = res.outcome.mean_min
        high[d] = res.outcome.mean_max
        statuses.append(res.status)
        periods[d] = res.period or 0
    for arr in (mean_f, median_f, low, high, periods):
        arr.setflags(write=False)
    return MonteCarloResult(
        uncertainty=unc,
        options=opts,
        rounds=rounds,
        mean_forecast=mean_f,
        median_forecast=median_f,
        mean_low=low,
        mean_high=high,
        status=tuple(statuses),
        period=periods,
        quantile_levels=levels,
    )
