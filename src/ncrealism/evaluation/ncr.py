"""The decision layer's models as backtest :class:`~ncrealism.evaluation.models.Model` objects.

* **NCR (calibrated)**: the state's perception profile (:func:`ncrealism.perception.profiles.
  load_profile`, per-period filters coded from the literature) as the prior, its free
  parameters fitted to the training years by :func:`ncrealism.decision.calibrate.calibrate`
  (maximum a posteriori, Gaussian prior centred on the profile), forecasts by
  :func:`ncrealism.decision.model.posture_probabilities` (multinomial logit over option
  utilities).
* **NCR prior (uncalibrated)**: the profile as coded, no fitting: what the literature alone
  says.
* **structural realism**: the neutral filter (every intervening variable off: Rose 1998's
  independent variable passing straight to the decision), calibrated the same way; only the
  precision of the choice rule is free, since every other parameter must stay neutral.
* **ablations**: the calibrated NCR filter with one cluster of intervening variables (Ripsman,
  Taliaferro & Lobell 2016, ch. 3: leader images, strategic culture, state-society relations,
  domestic institutions) set back to neutral *after* calibration, one at a time. The drop in
  skill measures what the fitted cluster contributes to the forecasts; the other parameters
  are not refitted (a refit would measure whether the cluster is needed, a different question).
  For the DPRK profile, strategic culture carries Juche (self-reliance, discounted
  assurances), domestic institutions the Suryong system (centralisation, survival priority)
  and state-society relations regime vulnerability.

Every variant calibrates on the training years handed to it by the engine; the calibrated NCR
fit is computed once per training window and shared by the ablations.

For negotiations, :class:`BargainingModel` (defined in :mod:`ncrealism.evaluation.negotiation`,
re-exported here) is the negotiation layer's model of an episode, calibrated on earlier episodes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from ncrealism._defaults import DEFAULT_NMC_VERSION
from ncrealism.data.fetch import DataSource
from ncrealism.decision.calibrate import DEFAULT_FREE, CalibrationResult, calibrate
from ncrealism.decision.inputs import build_inputs
from ncrealism.decision.model import FilterLike, posture_probabilities
from ncrealism.decision.options import DEFAULT_OPTIONS, OptionSet
from ncrealism.errors import InputError
from ncrealism.evaluation.models import Forecaster, Model
from ncrealism.evaluation.negotiation import BargainingModel
from ncrealism.perception.filter import CLUSTERS, PerceptionFilter
from ncrealism.perception.profiles import filters_for, profile_for

#: What each cluster carries in the DPRK profile (Koga 2009's variables), for labels.
CLUSTER_LABELS: dict[str, str] = {
    "leader_images": "leader images",
    "strategic_culture": "strategic culture (Juche)",
    "state_society": "state-society relations (regime vulnerability)",
    "domestic_institutions": "domestic institutions (Suryong)",
}

NCR = "NCR (calibrated)"
NCR_PRIOR = "NCR prior (uncalibrated)"
STRUCTURAL = "structural realism"


def option_names(options: OptionSet = DEFAULT_OPTIONS) -> tuple[str, ...]:
    """The posture names of an option set, in its order."""
    return tuple(options.names)


def ablation_name(cluster: str) -> str:
    """Name of the ablation model with ``cluster`` switched off."""
    return f"NCR without {cluster}"


@dataclass(frozen=True)
class FilterForecaster:
    """Forecasts with a fixed filter (or per-year filter function)."""

    filt: FilterLike
    options: OptionSet = DEFAULT_OPTIONS

    def predict(self, inputs: pl.DataFrame) -> pl.DataFrame:
        probs = posture_probabilities(inputs, self.filt, options=self.options)
        return probs.select("year", "option", "probability")


@dataclass
class _FitCache:
    """One calibration per (prior, free parameters, training window), shared by variants."""

    results: dict[tuple[Any, ...], CalibrationResult] = field(default_factory=dict)

    def get(
        self,
        key: str,
        inputs: pl.DataFrame,
        record: pl.DataFrame,
        prior: FilterLike,
        free: Sequence[str],
        options: OptionSet,
    ) -> CalibrationResult:
        years = tuple(int(y) for y in record.sort("year")["year"].to_list())
        postures = tuple(record.sort("year")["dominant_posture"].to_list())
        ident = (key, tuple(free), years, postures, int(inputs.hash_rows().sum()))
        if ident not in self.results:
            self.results[ident] = calibrate(
                inputs, record, list(years), prior, free=free, options=options
            )
        return self.results[ident]


@dataclass(frozen=True)
class CalibratedFilter:
    """A filter prior whose ``free`` parameters are calibrated on the training years.

    ``cluster_off``: a cluster of :data:`ncrealism.perception.filter.CLUSTERS` set to neutral
    after calibration (an ablation). ``key`` identifies the prior in the shared fit cache.
    """

    name: str
    prior: FilterLike
    free: tuple[str, ...] = DEFAULT_FREE
    cluster_off: str | None = None
    options: OptionSet = DEFAULT_OPTIONS
    key: str = ""
    cache: _FitCache = field(default_factory=_FitCache, repr=False, compare=False)

    def fit(self, inputs: pl.DataFrame, record: pl.DataFrame, options: Sequence[str]) -> Forecaster:
        if tuple(options) != tuple(self.options.names):
            raise InputError(
                f"model '{self.name}' forecasts {list(self.options.names)}, the backtest "
                f"scores {list(options)}"
            )
        res = self.cache.get(
            self.key or self.name, inputs, record, self.prior, self.free, self.options
        )
        filt: FilterLike = res.filters
        if self.cluster_off is not None:
            off = self.cluster_off

            def ablated(year: int) -> PerceptionFilter:
                return res.filter_for(year).with_cluster_off(off)

            filt = ablated
        return FilterForecaster(filt, self.options)


@dataclass(frozen=True)
class FixedFilter:
    """A filter used as given, without calibration (e.g. a profile as coded)."""

    name: str
    filt: FilterLike
    options: OptionSet = DEFAULT_OPTIONS

    def fit(self, inputs: pl.DataFrame, record: pl.DataFrame, options: Sequence[str]) -> Forecaster:
        return FilterForecaster(self.filt, self.options)


@dataclass(frozen=True)
class TheoryModels:
    """The inputs frame and the theory-driven models of a backtest, with descriptions."""

    inputs: pl.DataFrame
    models: list[Model]
    descriptions: dict[str, str]
    notes: list[str]
    settings: dict[str, Any]


def profile_prior(profile: str) -> tuple[Callable[[int], PerceptionFilter], str]:
    """The per-year filter of a shipped profile and a one-line description of it."""
    prof = profile_for(profile)
    prior = filters_for(profile, profiles=() if prof is None else (prof,))
    if prof is None:
        return prior, f"no shipped profile for '{profile}': the NCR prior is the neutral filter"
    return prior, f"perception profile {prof.state} ({Path(prof.path).name})"


def ex_ante_inputs(
    ccode: int,
    years: Sequence[int],
    *,
    context: pl.DataFrame | None = None,
    source: DataSource | None = None,
    nmc_version: str | None = None,
) -> pl.DataFrame:
    """Inputs of each year from the context events dated before 1 January of that year.

    Same columns as :func:`ncrealism.decision.inputs.build_inputs`; the row of year ``t`` is
    ``build_inputs(ccode, [t], context=events dated before t)``, so shocks of year ``t`` itself
    (including reactions to that year's behaviour, e.g. a sanction after a test) never enter
    its forecast. Earlier events still enter with the decay ``build_inputs`` gives them.
    """
    if context is not None and "time" not in context.columns:
        raise InputError("the context frame needs a 'time' column (read_context_events)")
    return build_inputs(
        ccode,
        sorted({int(y) for y in years}),
        context=context,
        source=source,
        ex_ante=True,
        nmc_version=nmc_version or DEFAULT_NMC_VERSION,
    )


def theory_models(
    ccode: int,
    years: Sequence[int],
    *,
    profile: str = "DPRK",
    context: pl.DataFrame | None = None,
    source: DataSource | None = None,
    seed: int = 0,
    ablations: bool = True,
    ex_ante_context: bool = False,
    options: OptionSet = DEFAULT_OPTIONS,
) -> TheoryModels:
    """Inputs for ``years`` and the NCR, NCR-prior, structural-realism and ablation models.

    ``ex_ante_context``: build each year's inputs from the context events dated before 1
    January of that year only (:func:`ex_ante_inputs`); by default a year's inputs include the
    shocks dated during the year (:func:`ncrealism.decision.inputs.build_inputs`).
    ``seed`` is recorded only: the Laplace calibration used here draws no random numbers.
    """
    if ex_ante_context:
        inputs = ex_ante_inputs(ccode, years, context=context, source=source)
    else:
        inputs = build_inputs(ccode, list(years), context=context, source=source)
    prior, about = profile_prior(profile)
    cache = _FitCache()
    models: list[Model] = [
        CalibratedFilter(NCR, prior, DEFAULT_FREE, options=options, key="ncr", cache=cache),
        FixedFilter(NCR_PRIOR, prior, options=options),
        CalibratedFilter(
            STRUCTURAL,
            PerceptionFilter.neutral(ccode=ccode),
            ("precision",),
            options=options,
            key="neutral",
            cache=cache,
        ),
    ]
    descriptions = {
        NCR: f"{about}; parameters {', '.join(DEFAULT_FREE)} calibrated on the training years "
        "(MAP, Gaussian prior on the profile)",
        NCR_PRIOR: f"{about}, as coded from the literature, not calibrated",
        STRUCTURAL: "neutral filter (no intervening variables), precision calibrated the same way",
    }
    if ablations:
        for cl in CLUSTERS:
            name = ablation_name(cl)
            models.append(
                CalibratedFilter(
                    name,
                    prior,
                    DEFAULT_FREE,
                    cluster_off=cl,
                    options=options,
                    key="ncr",
                    cache=cache,
                )
            )
            descriptions[name] = (
                f"calibrated NCR with {CLUSTER_LABELS.get(cl, cl)} set to neutral after calibration"
            )
    notes = [
        "Inputs: ncrealism.decision.inputs.build_inputs (COW capabilities, alliances, "
        "contiguity, nuclear status, Maddison, Polity5, and the context events), data of year "
        "t-1 and shocks dated up to the end of year t.",
        "Calibration: ncrealism.decision.calibrate.calibrate (MAP, L-BFGS-B; Laplace "
        "uncertainty, no random draws).",
    ]
    if ex_ante_context:
        notes.append(
            "Context timing: each year's inputs read only the context events dated before 1 "
            "January of that year."
        )
    settings: dict[str, Any] = {
        "ex_ante_context": ex_ante_context,
        "free_parameters": list(DEFAULT_FREE),
        "ablation_clusters": list(CLUSTERS) if ablations else [],
        "profile_description": about,
    }
    return TheoryModels(inputs, models, descriptions, notes, settings)


__all__ = [
    "CLUSTER_LABELS",
    "NCR",
    "NCR_PRIOR",
    "STRUCTURAL",
    "BargainingModel",
    "CalibratedFilter",
    "FilterForecaster",
    "FixedFilter",
    "TheoryModels",
    "ablation_name",
    "ex_ante_inputs",
    "option_names",
    "theory_models",
]
