"""The dashboard's access to the library: every number it shows comes from one of these calls.

:class:`DashboardData` holds the data source and the context-event file, and calls the library:

* the measured environment: :func:`ncrealism.decision.inputs.build_inputs` with
  ``structural=`` (one year, and the state's whole span for the time-series figure) on the
  structural reading of every state, :func:`ncrealism.decision.inputs.structural_panel`,
  computed once before the app serves (a first visit to a state then costs that state's own
  context channels and domestic indicators, a fraction of a second);
* the perception filter: :func:`ncrealism.perception.profiles.load_profile` for the state-year,
  with the slider values put in by :meth:`~ncrealism.perception.filter.PerceptionFilter.replace`;
* the decision: :func:`ncrealism.decision.model.posture_probabilities` under that filter and
  under the neutral filter (structural realism), and :func:`ncrealism.decision.anatomy.anatomy`;
* the dynamic decision (last year's recorded posture as the status quo, inertia a layer of its
  own): :func:`ncrealism.evaluation.dynamic.explain_dynamic` on the coded DPRK record;
* negotiation what-ifs: :func:`ncrealism.negotiation.cases.build_case`,
  :meth:`~ncrealism.negotiation.cases.CaseModel.with_values`,
  :func:`ncrealism.negotiation.cases.analyse` and
  :func:`ncrealism.negotiation.levers.what_would_it_take`.

* the distribution of power: :func:`ncrealism.system.shares`,
  :func:`ncrealism.system.effective_poles`, :func:`ncrealism.system.n_poles` and
  :func:`ncrealism.system.power_transition`;
* the evidence: :func:`ncrealism.evaluation.run.backtest_files` (the public backtest entry
  point of ``ncr backtest``) on the coded record;
* scenarios: :func:`ncrealism.scenario.load_scenario`, :func:`ncrealism.scenario.resolve`,
  :func:`ncrealism.scenario.engine.evaluate_chunk` and
  :func:`ncrealism.scenario.sensitivity.sobol_indices`.

What does not change within a run (the inputs of a state-year, a state's series, the states
with data in a year, case models, the analysis of a case as coded, the backtest) is memoised on
the :class:`~ncrealism.data.fetch.DataSource` (:meth:`~ncrealism.data.fetch.DataSource.memo`),
keyed by what it depends on; nothing is kept at module level and nothing is computed here.

The outside shocks (context events) default to the coded record's file found the way the CLI
finds it (:func:`history_folder`: ``NCR_HISTORY_DIR``), so the DPRK case starts with its
context events; :attr:`DashboardData.shocks_off` says when there are none.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ncrealism._defaults import DEFAULT_NMC_VERSION, NMCVersion
from ncrealism.data.fetch import DataSource
from ncrealism.errors import InputError

if TYPE_CHECKING:
    from concurrent.futures import Future

    import polars as pl

    from ncrealism.decision.anatomy import Anatomy
    from ncrealism.evaluation.run import BacktestRun
    from ncrealism.negotiation.cases import Analysis, CaseModel
    from ncrealism.negotiation.levers import LeverAnswer
    from ncrealism.perception.filter import PerceptionFilter

__all__ = [
    "DEFAULT_STATE",
    "DEFAULT_YEAR",
    "HISTORY_ENV",
    "DashboardData",
    "DecisionResult",
    "DynamicDecision",
    "NegotiationResult",
    "ScenarioRun",
    "StateChoice",
    "case_value_keys",
    "history_file",
    "history_folder",
    "modal_options",
]

T = TypeVar("T")

#: The folder of the coded record, as the CLI reads it (``ncr dprk --history``, scenario
#: ``[data] context`` files): context events, yearly record, negotiations.
HISTORY_ENV = "NCR_HISTORY_DIR"
#: File patterns in that folder (the last match in name order is used).
HISTORY_PATTERNS: dict[str, str] = {
    "context": "context_events_*.csv",
    "record": "dprk_yearly_*.csv",
    "events": "dprk_events_*.csv",
    "negotiations": "negotiations_*.csv",
}
#: Training and test spans of the Evidence tab's backtest (those of the README's
#: ``ncr backtest`` example: calibrate on 1990-2004, forecast 2005-2009 year by year).
BACKTEST_TRAIN = (1990, 2004)
BACKTEST_TEST = (2005, 2009)

#: The flagship case: North Korea (COW 731).
DEFAULT_STATE = 731
#: The year the dashboard opens on: the DPRK leaves the NPT and the Six-Party Talks begin.
DEFAULT_YEAR = 2003
#: The NMC version the decision layer reads by default (see ``build_inputs``).
NMC_VERSION: NMCVersion = DEFAULT_NMC_VERSION
#: Probabilities closer than this count as tied (as the backtest's modal forecast does).
TIE_TOLERANCE = 1e-9


def history_folder() -> Path | None:
    """The coded record's folder from ``NCR_HISTORY_DIR`` (``None`` when unset or missing)."""
    env = os.environ.get(HISTORY_ENV)
    if env and Path(env).is_dir():
        return Path(env)
    return None


def history_file(kind: str, folder: Path | None = None) -> Path | None:
    """The last file of ``kind`` (a key of :data:`HISTORY_PATTERNS`) in ``folder`` (default
    :func:`history_folder`), or ``None``."""
    folder = folder if folder is not None else history_folder()
    if folder is None:
        return None
    hits = sorted(folder.glob(HISTORY_PATTERNS[kind]))
    return hits[-1] if hits else None


def modal_options(probabilities: pl.DataFrame) -> list[str]:
    """The options of largest probability (several when they tie, within
    :data:`TIE_TOLERANCE`), in the frame's order (``option``, ``probability`` columns)."""
    ps = [float(p) for p in probabilities["probability"].to_list()]
    top = max(ps)
    return [
        str(o)
        for o, p in zip(probabilities["option"].to_list(), ps, strict=True)
        if p >= top - TIE_TOLERANCE
    ]


@dataclass(frozen=True)
class StateChoice:
    """A state in the selector: COW code, label, and whether a perception profile ships."""

    ccode: int
    label: str
    has_profile: bool


@dataclass(frozen=True)
class ScenarioRun:
    """A small sweep of a shipped scenario: ``probabilities [D, N, O]`` (draw, state-year,
    posture option), ``agreement [D, C]`` (draw, negotiation case; 0-1) and ``durability
    [D, C]`` (expected days), with the plan's ``options``, ``years``, ``cases`` and
    ``params`` (uncertain parameter names), ``draws`` and ``seed``."""

    name: str
    title: str
    options: tuple[str, ...]
    years: tuple[int, ...]
    cases: tuple[str, ...]
    params: tuple[str, ...]
    draws: int
    seed: int
    probabilities: Any
    agreement: Any
    durability: Any
    plan: Any = field(repr=False, compare=False)


@dataclass(frozen=True)
class DecisionResult:
    """One state-year under one filter: the library's results, as returned.

    ``inputs``: the :func:`~ncrealism.decision.inputs.build_inputs` row; ``profile``: the
    state-year's filter as coded; ``filter``: that filter with the slider values;
    ``probabilities``/``neutral``: :func:`~ncrealism.decision.model.posture_probabilities`
    under ``filter`` and under the neutral filter; ``anatomy``: the decision's anatomy.
    """

    ccode: int
    year: int
    inputs: pl.DataFrame
    profile: PerceptionFilter
    filter: PerceptionFilter
    probabilities: pl.DataFrame
    neutral: pl.DataFrame
    anatomy: Anatomy


@dataclass(frozen=True)
class DynamicDecision:
    """The dynamic model's decision of one state-year (:func:`DashboardData.dynamic_decision`).

    ``anatomy``: :func:`~ncrealism.decision.anatomy.dynamic_anatomy` as returned by
    :func:`~ncrealism.evaluation.dynamic.explain_dynamic` (its ``dynamic`` field holds the status
    quo, the switching cost and the probabilities; its ``shapley`` layers include ``inertia``);
    ``status_quo``: last year's recorded posture; ``record``/``events``: the files read.
    """

    ccode: int
    year: int
    status_quo: str
    anatomy: Anatomy
    record: Path
    events: Path | None

    @property
    def options(self) -> list[str]:
        """The posture options, in the model's order."""
        return [str(o) for o in self.anatomy.dynamic["options"]] if self.anatomy.dynamic else []

    @property
    def probabilities(self) -> list[float]:
        """Posterior-predictive posture probabilities (parameter uncertainty integrated out),
        in the order of :attr:`options`."""
        dyn = self.anatomy.dynamic or {}
        return [float(p) for p in dyn.get("p_predictive", [])]

    @property
    def label(self) -> str:
        """How the page names the view: ``dynamic model: status quo = <posture> (<year - 1>)``."""
        return (
            f"dynamic model: status quo = {self.status_quo.replace('_', ' ')} ({self.year - 1}), "
            "ex ante"
        )


@dataclass(frozen=True)
class NegotiationResult:
    """A case analysed as coded and with the what-if changes (``changes``: case key -> value)."""

    case: str
    model: CaseModel
    changes: Mapping[str, float]
    coded: Analysis
    whatif: Analysis


def case_value_keys(model: CaseModel) -> list[str]:
    """The case values the what-if sliders move: the survival inputs and patrons' support.

    They are the inputs of the derived reservation (:class:`~ncrealism.negotiation.cases.
    SurvivalDerivation`) and what the levers of :mod:`ncrealism.negotiation.levers` move.
    """
    return [k for k in model.values if k.startswith(("survival.", "patron."))]


@dataclass(frozen=True)
class DashboardData:
    """Library calls behind the dashboard (see the module docstring).

    ``context``: the context events read (:func:`ncrealism.data.records.read_context_events`),
    or ``None`` (no outside shocks); ``context_label`` says which file; ``history``: the coded
    record's folder (the Evidence tab's record), or ``None``.
    """

    source: DataSource
    context: pl.DataFrame | None = None
    context_label: str = "no context-event file: outside shocks are off (zero)"
    history: Path | None = None
    context_key: str = "none"

    @classmethod
    def create(
        cls,
        source: DataSource | None = None,
        context: str | Path | pl.DataFrame | None = None,
        *,
        history: Path | None = None,
        default_context: bool = True,
    ) -> DashboardData:
        """Read the context file (errors name the file, row and field) and wrap the source.

        Without ``context`` (and with ``default_context``), the context file of the coded
        record is used: ``context_events_*.csv`` in ``history``, else in ``NCR_HISTORY_DIR``
        (:func:`history_folder`), as the CLI finds it.
        """
        import polars as pl

        from ncrealism.data.records import read_context_events

        src = source if source is not None else DataSource.from_env()
        folder = history if history is not None else history_folder()
        if context is None and default_context:
            context = history_file("context", folder)
        if context is None:
            return cls(src, history=folder)
        if isinstance(context, pl.DataFrame):
            frame = context
            label = f"context events given in code ({frame.height} events)"
            key = hashlib.sha256(frame.write_csv().encode()).hexdigest()
        else:
            frame = read_context_events(context)
            label = f"context events: {Path(context).name} ({frame.height} events)"
            key = hashlib.sha256(Path(context).read_bytes()).hexdigest()
        if frame.height:
            first, last = str(frame["date"].min()), str(frame["date"].max())
            label = label[:-1] + f", {first} to {last})"
        return cls(src, frame, label, folder, key)

    @property
    def shocks_off(self) -> bool:
        """True when no context events are read: every outside shock is zero."""
        return self.context is None

    def _memo(self, key: tuple[Hashable, ...], build: Callable[[], T]) -> T:
        """``build()`` memoised on the data source, keyed by ``key`` and the context file."""
        return self.source.memo(("ncrealism.app", self.context_key, *key), build)

    # ------------------------------------------------------------------ states and years
    def _shipped(self) -> tuple[Any, ...]:
        """The shipped perception profiles, read once for the life of the data source."""
        from ncrealism.perception.profiles import shipped_profiles

        return shipped_profiles(self.source)

    def _profiles(self) -> dict[int, Any]:
        return {p.ccode: p for p in self._shipped()}

    def states(self) -> list[StateChoice]:
        """States with a shipped profile first, then every other COW state with NMC data."""
        return self._memo(("states",), self._states)

    def _states(self) -> list[StateChoice]:
        from ncrealism.system._common import cow_codes

        profiles = self._profiles()
        out = [
            StateChoice(p.ccode, f"{p.name} ({p.state}, {p.ccode})", True)
            for p in sorted(profiles.values(), key=lambda q: (q.ccode != DEFAULT_STATE, q.name))
        ]
        present = set(self._nmc()["ccode"].unique().to_list())
        rows = cow_codes(self.source).select("ccode", "stateabb", "statenme").unique("ccode")
        for c, abb, name in sorted(rows.rows(), key=lambda r: str(r[2])):
            if c in profiles or c not in present:
                continue
            out.append(StateChoice(int(c), f"{name} ({abb}, {c})", False))
        return out

    def states_in_year(self, year: int) -> list[StateChoice]:
        """The states a decision can be computed for in ``year``: those with a CINC in the
        data year ``year - 1`` (COW NMC), profiles first."""

        def build() -> list[StateChoice]:
            import polars as pl

            have = set(
                self._nmc()
                .filter((pl.col("year") == year - 1) & pl.col("cinc").is_not_null())["ccode"]
                .to_list()
            )
            return [s for s in self.states() if s.ccode in have]

        return self._memo(("states_in_year", year), build)

    def state_choices(self, year: int) -> dict[str, dict[str, str]]:
        """The state selector's choices in ``year`` (grouped: with a profile / neutral)."""
        prof: dict[str, str] = {}
        neutral: dict[str, str] = {}
        for s in self.states_in_year(year):
            (prof if s.has_profile else neutral)[str(s.ccode)] = s.label
        out = {}
        if prof:
            out["Perception profile shipped"] = prof
        if neutral:
            out["Neutral filter (structural realism)"] = neutral
        return out

    def years(self) -> tuple[int, int]:
        """First and last year a decision can be computed for, over all states."""
        nmc = self._nmc().drop_nulls("cinc")
        return int(nmc["year"].min()) + 1, int(nmc["year"].max()) + 1  # type: ignore[arg-type]

    def names(self) -> dict[int, str]:
        """COW code -> COW abbreviation (COW country codes)."""

        def build() -> dict[int, str]:
            from ncrealism.system._common import cow_codes

            return {
                int(c): str(a) for c, a in cow_codes(self.source).select("ccode", "stateabb").rows()
            }

        return self._memo(("names",), build)

    def state_name(self, ccode: int) -> str:
        """Short name: the profile's state name, else the COW abbreviation."""
        prof = self._profiles().get(ccode)
        if prof is not None:
            return str(prof.state)
        return self.names().get(ccode, f"COW {ccode}")

    def _nmc(self) -> pl.DataFrame:
        """COW NMC (``ncrealism.data.nmc.load_nmc``), read once."""

        def build() -> pl.DataFrame:
            from ncrealism.data.nmc import load_nmc

            return load_nmc(NMC_VERSION, source=self.source).select("ccode", "year", "cinc")

        return self._memo(("nmc", NMC_VERSION), build)

    def year_span(self, ccode: int) -> tuple[int, int]:
        """Years a decision can be computed for: the state's NMC years (with a CINC), plus one
        (a decision for year t reads the data of t - 1)."""

        def build() -> tuple[int, int]:
            import polars as pl

            yrs = self._nmc().filter(pl.col("ccode") == ccode).drop_nulls("cinc")["year"]
            if yrs.len() == 0:
                raise InputError(f"state {ccode} has no CINC in COW NMC v{NMC_VERSION}")
            return (int(yrs.min()) + 1, int(yrs.max()) + 1)  # type: ignore[arg-type]

        return self._memo(("year_span", ccode), build)

    def has_data(self, ccode: int, year: int) -> bool:
        """Whether ``ccode`` has a CINC in the data year of ``year``."""
        return any(s.ccode == ccode for s in self.states_in_year(year))

    # ------------------------------------------------------------------ decision
    def profile(self, ccode: int, year: int) -> PerceptionFilter:
        """The state's filter for ``year`` as coded (neutral when it has no profile)."""
        from ncrealism.perception.profiles import load_profile

        return load_profile(ccode, year, profiles=self._shipped())

    def period_span(self, ccode: int, year: int) -> str | None:
        """The years of the profile period containing ``year`` ("1998-2011", "from 2012"),
        or ``None`` (no profile, or no period)."""
        prof = self._profiles().get(ccode)
        period = prof.period_of(year) if prof is not None else None
        if period is None:
            return None
        if period.first is None and period.last is None:
            return None
        if period.first is None:
            return f"to {period.last}"
        if period.last is None:
            return f"from {period.first}"
        return f"{period.first}-{period.last}"

    def structural(self) -> pl.DataFrame:
        """The structural reading's components of every state in every NMC year
        (:func:`ncrealism.decision.inputs.structural_panel`: one pass over all directed
        dyad-years, a few seconds), computed once; :meth:`create_app` builds it before
        serving, so that a state's inputs are a filter of it plus that state's own
        context channels and domestic indicators."""

        def build() -> pl.DataFrame:
            from ncrealism.decision.inputs import structural_panel

            return structural_panel(source=self.source, nmc_version=NMC_VERSION)

        # One build at a time (a worker thread and a session may ask at once).
        with self._lock("structural"):
            return self._memo(("structural", NMC_VERSION), build)

    def inputs(self, ccode: int, year: int) -> pl.DataFrame:
        """The model's inputs for one state-year (``build_inputs`` from :meth:`structural`),
        computed once."""

        def build() -> pl.DataFrame:
            from ncrealism.decision.inputs import build_inputs

            return build_inputs(
                ccode,
                year,
                context=self.context,
                source=self.source,
                nmc_version=NMC_VERSION,
                structural=self.structural(),
            )

        return self._memo(("inputs", ccode, year), build)

    def series(self, ccode: int) -> pl.DataFrame:
        """The model's inputs over the state's years with data (for the time-series figure):
        ``build_inputs`` over those years from :meth:`structural` (a fraction of a second)."""

        def build() -> pl.DataFrame:
            import polars as pl

            from ncrealism.decision.inputs import build_inputs

            # The years whose data year has a CINC (a state may leave the system for a while:
            # Japan 1946-1951).
            have = self._nmc().filter((pl.col("ccode") == ccode) & pl.col("cinc").is_not_null())
            years = sorted(int(y) + 1 for y in have["year"].to_list())
            if not years:
                raise InputError(f"state {ccode} has no CINC in COW NMC v{NMC_VERSION}")
            return build_inputs(
                ccode,
                years,
                context=self.context,
                source=self.source,
                nmc_version=NMC_VERSION,
                structural=self.structural(),
            )

        return self._memo(("series", ccode), build)

    def decision(
        self,
        ccode: int,
        year: int,
        values: Mapping[str, float],
        *,
        inputs: pl.DataFrame | None = None,
    ) -> DecisionResult:
        """Posture probabilities and anatomy of ``ccode`` in ``year`` with the filter of the
        state-year whose parameters are set to ``values`` (names of ``PARAM_NAMES``);
        ``inputs``: the state-year's :meth:`inputs` row, when already at hand. The decision
        under the profile as coded is memoised (shared by every session)."""
        from ncrealism.decision.anatomy import anatomy
        from ncrealism.decision.model import posture_probabilities
        from ncrealism.perception.filter import PerceptionFilter

        row = inputs if inputs is not None else self.inputs(ccode, year)
        profile = self.profile(ccode, year)
        filt = profile.replace(**{k: float(v) for k, v in values.items()})
        changed = [f"{k} {profile[k]:g}→{filt[k]:g}" for k in filt.values if filt[k] != profile[k]]
        if changed:
            filt = dataclasses.replace(
                filt, label=f"{profile.label}, adjusted ({'; '.join(changed)})"
            )

        def build() -> DecisionResult:
            probs = posture_probabilities(row, filt)
            neutral = self._memo(
                ("neutral", ccode, year),
                lambda: posture_probabilities(row, PerceptionFilter.neutral(ccode=ccode)),
            )
            sources = [r.describe() for r in self.source.used]
            anat = anatomy(row, filt, sources=sources)
            return DecisionResult(ccode, year, row, profile, filt, probs, neutral, anat)

        if changed:
            return build()
        # The profile as coded (every page start, state switch and reset): computed once and
        # shared by every session; moved sliders are computed afresh (not kept: unbounded).
        return self._memo(("decision", ccode, year), build)

    # ------------------------------------------------------------------ dynamic decision
    def _record(self) -> pl.DataFrame | None:
        """The coded yearly record (``read_yearly_record``), read once; None without one."""
        path = self.record_file()
        if path is None:
            return None

        def build() -> pl.DataFrame:
            from ncrealism.data.records import read_yearly_record

            return read_yearly_record(path)

        return self._memo(("record", str(path)), build)

    def dynamic_missing(self, ccode: int, year: int) -> str | None:
        """Why the dynamic decision of ``ccode`` in ``year`` cannot be shown (a short note),
        or ``None`` when it can: it needs the coded record (the DPRK's, ``dprk_yearly_*.csv``
        in the history folder) with the posture of ``year - 1`` and at least two years before
        ``year`` to fit on."""
        if ccode != DEFAULT_STATE:
            return (
                "The dynamic model (last year's posture as the status quo) needs a coded record "
                "of the state's postures; only the DPRK's is coded. Static model shown."
            )
        rec = self._record()
        if rec is None:
            return (
                "The dynamic model needs the coded record (dprk_yearly_*.csv): set "
                f"{HISTORY_ENV} (ncr serve --history). Static model shown."
            )
        import polars as pl

        years = set(int(y) for y in rec.filter(pl.col("year") < year)["year"].to_list())
        if year - 1 not in years or len(years) < 2:
            first, last = int(rec["year"].min()), int(rec["year"].max())  # type: ignore[arg-type]
            return (
                f"The dynamic model needs the coded posture of {year - 1} and two record years "
                f"before {year}; the coded record covers {first}-{last}. Static model shown."
            )
        return None

    def dynamic_decision(self, ccode: int, year: int) -> DynamicDecision:
        """The dynamic model's decision of ``ccode`` in ``year``
        (:func:`ncrealism.evaluation.dynamic.explain_dynamic`): fitted on the record years
        before ``year``, from ex-ante inputs (context events dated before each year starts,
        last year's coded events when ``dprk_events_*.csv`` is in the history folder), with
        the state-year's perception profile as coded and last year's recorded posture as the
        status quo. Memoised on the data source (the fit takes seconds: call it through
        :meth:`background`). Raises :class:`~ncrealism.errors.InputError` with
        :meth:`dynamic_missing`'s note when the record does not cover the year."""
        why = self.dynamic_missing(ccode, year)
        if why is not None:
            raise InputError(why)
        record = self.record_file()
        rec = self._record()
        assert record is not None and rec is not None  # dynamic_missing checked them
        events = history_file("events", self.history)

        def build() -> DynamicDecision:
            from ncrealism.data.records import read_event_record
            from ncrealism.evaluation.dynamic import explain_dynamic

            ev = read_event_record(events) if events is not None else None
            sources = [r.describe() for r in self.source.used]
            sources.append(f"record: {record.name}")
            if events is not None:
                sources.append(f"events: {events.name}")
            anat = explain_dynamic(
                ccode,
                year,
                rec,
                filt=self.profile(ccode, year),
                context=self.context,
                events=ev,
                source=self.source,
                nmc_version=NMC_VERSION,
                sources=sources,
            )
            status = str((anat.dynamic or {})["status_quo"])
            return DynamicDecision(ccode, year, status, anat, record, events)

        key = ("dynamic", ccode, year, str(record), str(events))
        return self._memo(key, build)

    # ------------------------------------------------------------------ negotiation
    def cases(self) -> dict[str, str]:
        """Shipped negotiation cases: name -> title (read once)."""

        def build() -> dict[str, str]:
            from ncrealism.negotiation.cases import list_cases, load_case

            return {name: load_case(name).title for name in list_cases()}

        return dict(self._memo(("cases",), build))

    def case(self, name: str) -> CaseModel:
        """A case with its data attached (``build_case``), built once."""

        def build() -> CaseModel:
            from ncrealism.negotiation.cases import build_case

            return build_case(name, source=self.source)

        return self._memo(("case", name), build)

    def negotiation(self, name: str, changes: Mapping[str, float]) -> NegotiationResult:
        """The case as coded and with ``changes`` (case key -> value), each analysed."""
        from ncrealism.negotiation.cases import analyse

        model = self.case(name)
        coded = self._memo(("coded", name), lambda: analyse(model))
        moved = {k: float(v) for k, v in changes.items() if float(v) != model.values[k]}
        key = ("whatif", name, tuple(sorted(moved.items())))
        whatif = self._memo(key, lambda: analyse(model.with_values(moved))) if moved else coded
        return NegotiationResult(name, model, moved, coded, whatif)

    def what_would_it_take(
        self, name: str, changes: Mapping[str, float], lever: str
    ) -> LeverAnswer:
        """The smallest change of ``lever`` that opens a zone, from the what-if case."""
        from ncrealism.negotiation.levers import what_would_it_take

        model = self.case(name).with_values(dict(changes))
        return what_would_it_take(model, lever, target="zone", sensitivity=False)

    def provenance(self, name: str) -> dict[str, str]:
        """Case key -> its source or rationale (from the case file)."""
        return {str(r["key"]): str(r["provenance"]) for r in self.case(name).provenance()}

    # ------------------------------------------------------------------ distribution of power
    def power_shares(self, states: Sequence[int], years: tuple[int, int]) -> pl.DataFrame:
        """Capability shares within ``states`` by year (:func:`ncrealism.system.shares`)."""
        from ncrealism.system import shares

        key = ("shares", tuple(sorted(states)), years)
        return self._memo(
            key, lambda: shares(list(states), years, version=NMC_VERSION, source=self.source)
        )

    def power_poles(self, years: tuple[int, int]) -> pl.DataFrame:
        """Effective poles (Laakso & Taagepera 1979) and poles by the 10 % threshold of the
        major powers by year (:func:`ncrealism.system.effective_poles`,
        :func:`ncrealism.system.n_poles`); columns ``year``, ``effective_poles``,
        ``n_poles``, ``poles``."""

        def build() -> pl.DataFrame:
            from ncrealism.system import effective_poles, n_poles

            v = NMC_VERSION
            eff = effective_poles(years, version=v, source=self.source).select(
                "year", "effective_poles"
            )
            cnt = n_poles(years, version=v, source=self.source).select("year", "n_poles", "poles")
            return eff.join(cnt, on="year", how="left").sort("year")

        return self._memo(("poles", years), build)

    def power_transition(self, a: int, b: int, years: tuple[int, int]) -> pl.DataFrame:
        """Power-transition indicators of ``a`` and ``b``
        (:func:`ncrealism.system.power_transition`)."""
        from ncrealism.system import power_transition

        return self._memo(
            ("transition", a, b, years),
            lambda: power_transition(a, b, years, version=NMC_VERSION, source=self.source),
        )

    # ------------------------------------------------------------------ evidence
    def record_file(self) -> Path | None:
        """The coded yearly record (``dprk_yearly_*.csv`` in the history folder), or None."""
        return history_file("record", self.history)

    def backtest(self) -> BacktestRun:
        """The posture backtest of ``ncr backtest`` on the coded record (train
        :data:`BACKTEST_TRAIN`, test :data:`BACKTEST_TEST`, expanding window), run once."""
        record = self.record_file()
        if record is None:
            raise InputError(
                f"no coded record (dprk_yearly_*.csv): set {HISTORY_ENV} to the folder of the "
                "coded record"
            )

        def build() -> BacktestRun:
            from ncrealism.evaluation.run import backtest_files

            ctx = history_file("context", self.history) if self.context is not None else None
            return backtest_files(
                record,
                train=BACKTEST_TRAIN,
                test=BACKTEST_TEST,
                context=ctx,
                source=self.source,
                ablations=False,
                command="ncr serve (Evidence tab)",
            )

        # One run at a time (a background warm-up and a session may ask at once).
        with self._lock("backtest"):
            return self._memo(("backtest", str(record)), build)

    def background(self, key: tuple[Hashable, ...], build: Callable[[], T]) -> Future[T]:
        """``build()`` started once on a worker thread, shared by every session: the future
        is memoised on the data source by ``key`` (the computation's name and arguments)."""
        from concurrent.futures import ThreadPoolExecutor

        pool = self.source.memo(
            ("ncrealism.app.pool",),
            lambda: ThreadPoolExecutor(max_workers=2, thread_name_prefix="ncr-app"),
        )
        with self._lock("background"):
            return self._memo(("future", *key), lambda: pool.submit(build))

    def _lock(self, name: str) -> Any:
        import threading

        return self.source.memo(("ncrealism.app.lock", name), threading.Lock)

    # ------------------------------------------------------------------ scenarios
    def scenarios(self) -> dict[str, str]:
        """Shipped scenarios: name -> title."""

        def build() -> dict[str, str]:
            from ncrealism.scenario import builtin_scenarios, load_scenario

            return {
                name: load_scenario(path).spec.scenario.title
                for name, path in builtin_scenarios().items()
            }

        return dict(self._memo(("scenarios",), build))

    def _plan(self, name: str, draws: int, seed: int) -> Any:
        from ncrealism.scenario import load_scenario, locate, resolve

        ctx = history_file("context", self.history) if self.context is not None else None
        return resolve(
            load_scenario(locate(name)),
            source=self.source,
            draws=draws,
            seed=seed,
            chunk_size=draws,
            context=ctx,
        )

    def scenario_run(self, name: str, draws: int, seed: int) -> ScenarioRun:
        """A sweep of ``draws`` draws of the shipped scenario ``name`` (one chunk; the same
        draws as ``ncr scenario run NAME --draws D --seed S --chunk-size D``), kept whole."""

        def build() -> ScenarioRun:
            import numpy as np

            from ncrealism.scenario.engine import evaluate_chunk

            plan = self._plan(name, draws, seed)
            parts = [evaluate_chunk(plan, c, keep_draws=True) for c in range(plan.n_chunks)]
            return ScenarioRun(
                name=name,
                title=self.scenarios().get(name, name),
                options=tuple(plan.model.options),
                years=tuple(int(y) for y in plan.year),
                cases=tuple(n.model.case for n in plan.negotiations),
                params=tuple(plan.param_names),
                draws=draws,
                seed=seed,
                probabilities=np.concatenate([p.probabilities for p in parts], axis=0),
                agreement=np.concatenate([p.agreement for p in parts], axis=0),
                durability=np.concatenate([p.durability for p in parts], axis=0),
                plan=plan,
            )

        with self._lock("scenario"):
            return self._memo(("scenario", name, draws, seed), build)

    def sobol(self, name: str, draws: int, seed: int, output: str, n: int) -> pl.DataFrame:
        """First-order and total Sobol indices of ``output`` (``posture:<option>`` or
        ``agreement:<case>``) with base sample ``n``
        (:func:`ncrealism.scenario.sensitivity.sobol_indices`)."""
        from ncrealism.scenario.sensitivity import sobol_indices

        run = self.scenario_run(name, draws, seed)
        with self._lock("sobol"):
            return self._memo(
                ("sobol", name, draws, seed, output, n),
                lambda: sobol_indices(run.plan, output, n=n, seed=seed, num_resamples=100),
            )

    # ------------------------------------------------------------------ sources
    def datasets_used(self) -> list[dict[str, Any]]:
        """Every dataset file resolved so far: registry name, title, version, publisher,
        citation and how it was obtained."""
        out = []
        for r in self.source.used:
            ds = self.source.registry[r.dataset]
            out.append(
                {
                    "name": r.dataset,
                    "title": ds.title,
                    "version": ds.version,
                    "publisher": ds.publisher,
                    "citation": ds.citation,
                    "file": r.describe(),
                }
            )
        return out
