"""The dashboard's access to the library: every number it shows comes from one of these calls.

:class:`DashboardData` holds the data source and the context-event file, and calls the library:

* the measured environment: :func:`ncrealism.decision.inputs.build_inputs` (one year, and the
  state's whole span for the time-series figure);
* the perception filter: :func:`ncrealism.perception.profiles.load_profile` for the state-year,
  with the slider values put in by :meth:`~ncrealism.perception.filter.PerceptionFilter.replace`;
* the decision: :func:`ncrealism.decision.model.posture_probabilities` under that filter and
  under the neutral filter (structural realism), and :func:`ncrealism.decision.anatomy.anatomy`;
* negotiation what-ifs: :func:`ncrealism.negotiation.cases.build_case`,
  :meth:`~ncrealism.negotiation.cases.CaseModel.with_values`,
  :func:`ncrealism.negotiation.cases.analyse` and
  :func:`ncrealism.negotiation.levers.what_would_it_take`.

It caches what does not change within a run (the inputs of a state-year and a state's series,
case models and the analysis of a case as coded); it computes nothing of its own.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ncrealism._defaults import DEFAULT_NMC_VERSION, NMCVersion
from ncrealism.data.fetch import DataSource
from ncrealism.errors import InputError

if TYPE_CHECKING:
    import polars as pl

    from ncrealism.decision.anatomy import Anatomy
    from ncrealism.negotiation.cases import Analysis, CaseModel
    from ncrealism.negotiation.levers import LeverAnswer
    from ncrealism.perception.filter import PerceptionFilter

__all__ = [
    "DEFAULT_STATE",
    "DEFAULT_YEAR",
    "DashboardData",
    "DecisionResult",
    "NegotiationResult",
    "StateChoice",
    "case_value_keys",
]

#: The flagship case: North Korea (COW 731).
DEFAULT_STATE = 731
#: The year the dashboard opens on: the DPRK leaves the NPT and the Six-Party Talks begin.
DEFAULT_YEAR = 2003
#: The NMC version the decision layer reads by default (see ``build_inputs``).
NMC_VERSION: NMCVersion = DEFAULT_NMC_VERSION


@dataclass(frozen=True)
class StateChoice:
    """A state in the selector: COW code, label, and whether a perception profile ships."""

    ccode: int
    label: str
    has_profile: bool


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


@dataclass
class DashboardData:
    """Library calls behind the dashboard (see the module docstring).

    ``context``: a context-event file (:func:`ncrealism.data.records.read_context_events`) or
    an already read frame, or ``None`` (no outside shocks).
    """

    source: DataSource
    context: pl.DataFrame | None = None
    context_label: str = "no context-event file (outside shocks are zero)"
    _cases: dict[str, CaseModel] = field(default_factory=dict, repr=False)
    _coded: dict[str, Analysis] = field(default_factory=dict, repr=False)
    _series: dict[int, pl.DataFrame] = field(default_factory=dict, repr=False)
    _spans: dict[int, tuple[int, int]] = field(default_factory=dict, repr=False)
    _nmc_frame: pl.DataFrame | None = field(default=None, repr=False)
    _inputs: dict[tuple[int, int], pl.DataFrame] = field(default_factory=dict, repr=False)
    _case_titles: dict[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def create(
        cls, source: DataSource | None = None, context: str | Path | pl.DataFrame | None = None
    ) -> DashboardData:
        """Read the context file (errors name the file, row and field) and wrap the source."""
        import polars as pl

        from ncrealism.data.records import read_context_events

        src = source if source is not None else DataSource.from_env()
        if context is None:
            return cls(src)
        if isinstance(context, pl.DataFrame):
            frame = context
            label = f"context events given in code ({frame.height} events)"
        else:
            frame = read_context_events(context)
            label = f"context events: {Path(context).name} ({frame.height} events)"
        if frame.height:
            first, last = str(frame["date"].min()), str(frame["date"].max())
            label = label[:-1] + f", {first} to {last})"
        return cls(src, frame, label)

    # ------------------------------------------------------------------ states and years
    def states(self) -> list[StateChoice]:
        """States with a shipped profile first, then every other COW state with NMC data."""
        from ncrealism.perception.profiles import list_profiles
        from ncrealism.system._common import cow_codes

        profiles = {p.ccode: p for p in list_profiles()}
        out = [
            StateChoice(
                p.ccode,
                f"{p.name} ({p.state}, COW {p.ccode}): profile {Path(p.path).name}",
                True,
            )
            for p in sorted(profiles.values(), key=lambda q: (q.ccode != DEFAULT_STATE, q.name))
        ]
        present = set(self._nmc()["ccode"].unique().to_list())
        for c, abb, name in cow_codes(self.source).select("ccode", "stateabb", "statenme").rows():
            if c in profiles or c not in present:
                continue
            out.append(StateChoice(int(c), f"{name} ({abb}, COW {c}): neutral filter", False))
        return out

    def names(self) -> dict[int, str]:
        """COW code -> COW abbreviation (COW country codes)."""
        from ncrealism.system._common import cow_codes

        return {
            int(c): str(a) for c, a in cow_codes(self.source).select("ccode", "stateabb").rows()
        }

    def state_name(self, ccode: int) -> str:
        from ncrealism.perception.profiles import profile_for

        prof = profile_for(ccode)
        if prof is not None:
            return prof.state
        return self.names().get(ccode, f"COW {ccode}")

    def _nmc(self) -> pl.DataFrame:
        """COW NMC (``ncrealism.data.nmc.load_nmc``), read once."""
        if self._nmc_frame is None:
            from ncrealism.data.nmc import load_nmc

            self._nmc_frame = load_nmc(NMC_VERSION, source=self.source).select(
                "ccode", "year", "cinc"
            )
        return self._nmc_frame

    def year_span(self, ccode: int) -> tuple[int, int]:
        """Years a decision can be computed for: the state's NMC years (with a CINC), plus one
        (a decision for year t reads the data of t - 1)."""
        if ccode not in self._spans:
            import polars as pl

            yrs = self._nmc().filter(pl.col("ccode") == ccode).drop_nulls("cinc")["year"]
            if yrs.len() == 0:
                raise InputError(f"state {ccode} has no CINC in COW NMC v{NMC_VERSION}")
            self._spans[ccode] = (int(yrs.min()) + 1, int(yrs.max()) + 1)  # type: ignore[arg-type]
        return self._spans[ccode]

    # ------------------------------------------------------------------ decision
    def profile(self, ccode: int, year: int) -> PerceptionFilter:
        """The state's filter for ``year`` as coded (neutral when it has no profile)."""
        from ncrealism.perception.profiles import load_profile

        return load_profile(ccode, year)

    def inputs(self, ccode: int, year: int) -> pl.DataFrame:
        """The model's inputs for one state-year (``build_inputs``), computed once."""
        if (ccode, year) not in self._inputs:
            from ncrealism.decision.inputs import build_inputs

            self._inputs[ccode, year] = build_inputs(
                ccode, year, context=self.context, source=self.source
            )
        return self._inputs[ccode, year]

    def series(self, ccode: int) -> pl.DataFrame:
        """The model's inputs over the state's whole span (for the time-series figure)."""
        if ccode not in self._series:
            from ncrealism.decision.inputs import build_inputs

            first, last = self.year_span(ccode)
            self._series[ccode] = build_inputs(
                ccode, (first, last), context=self.context, source=self.source
            )
        return self._series[ccode]

    def decision(
        self,
        ccode: int,
        year: int,
        values: Mapping[str, float],
        *,
        inputs: pl.DataFrame | None = None,
    ) -> DecisionResult:
        """Posture probabilities and anatomy of ``ccode`` in ``year`` with the filter of the
        state-year whose parameters are set to ``values`` (names of ``PARAM_NAMES``)."""
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
        probs = posture_probabilities(row, filt)
        neutral = posture_probabilities(row, PerceptionFilter.neutral(ccode=ccode))
        sources = [r.describe() for r in self.source.used]
        anat = anatomy(row, filt, sources=sources)
        return DecisionResult(ccode, year, row, profile, filt, probs, neutral, anat)

    # ------------------------------------------------------------------ negotiation
    def cases(self) -> dict[str, str]:
        """Shipped negotiation cases: name -> title (read once)."""
        if not self._case_titles:
            from ncrealism.negotiation.cases import list_cases, load_case

            self._case_titles.update({name: load_case(name).title for name in list_cases()})
        return dict(self._case_titles)

    def case(self, name: str) -> CaseModel:
        """A case with its data attached (``build_case``), built once."""
        if name not in self._cases:
            from ncrealism.negotiation.cases import build_case

            self._cases[name] = build_case(name, source=self.source)
        return self._cases[name]

    def negotiation(self, name: str, changes: Mapping[str, float]) -> NegotiationResult:
        """The case as coded and with ``changes`` (case key -> value), each analysed."""
        from ncrealism.negotiation.cases import analyse

        model = self.case(name)
        if name not in self._coded:
            self._coded[name] = analyse(model)
        moved = {k: float(v) for k, v in changes.items() if float(v) != model.values[k]}
        whatif = analyse(model.with_values(moved)) if moved else self._coded[name]
        return NegotiationResult(name, model, moved, self._coded[name], whatif)

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
