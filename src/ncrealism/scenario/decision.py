"""The decision layer as the scenario layer's posture model.

:class:`DecisionModel` evaluates the decision layer's quantal-response posture model
(:mod:`ncrealism.decision.model`; McKelvey & Palfrey 1995, McFadden 1974) for many draws at
once. Its inputs are the design-matrix columns :data:`ncrealism.decision.model.FEATURES`
(all on 0–1 scales) and its parameters the perception filter's
:data:`ncrealism.perception.filter.PARAM_NAMES`, with the filter's bounds.

When every draw shares one input matrix and one parameter vector per draw, the decision
layer's own :func:`~ncrealism.decision.model.choice_probabilities` is called. When inputs
differ between draws (a shock whose size is uncertain) or parameters differ between years (a
profile with periods), the decision layer's own
:func:`~ncrealism.decision.model.environment_utilities` and
:func:`~ncrealism.decision.model.softmax` are evaluated on arrays of shape (draws, state-years)
from the perceived environment of :func:`ncrealism.perception.functions.perceive`:

    U_k = 2 / (W + 1) · ( W [ Σ_o π_o v(x_o − ρ) + V g_k ] + R_k + a·aut_k − c·cap_k ),
    P_k = exp(λ_eff U_k) / Σ_j exp(λ_eff U_j)

(:mod:`ncrealism.decision.model`); a test checks both paths give the same probabilities.

:class:`DecisionLayerBackend` reads the inputs with
:func:`ncrealism.decision.inputs.build_inputs` (COW NMC, alliances, contiguity, nuclear
status, context events, Maddison, Polity5) and the perception filters of
:mod:`ncrealism.perception.profiles`. Profiles: ``own`` (default: each state's shipped profile,
period by period; a state without one is read neutrally), ``neutral`` (structural realism for
every state), or a state's profile name (e.g. ``DPRK``) applied to every state in scope.

Shock kinds act on these inputs (``op`` defaults):

=======================  ====================  ======  ===========================================
kind                     input                 op      meaning of the value
=======================  ====================  ======  ===========================================
patron_support           ally_support          scale   factor on allied support (0.5: halved)
sanctions                sanctions             set     sanctions intensity, 0–1
assurance_credibility    inducements           union   an assurance offered, 0–1, combined as
                                                       1 − (1 − i)(1 − o), the cover of
                                                       :func:`~ncrealism.perception.functions.
                                                       assurance_credibility`
leader_transition        regime_vulnerability  union   succession intensity, 0–1, combined as
                                                       build_inputs combines RV components
capability               relative_power        own_    factor f on the state's own capability;
                                               capa-   shares of the relevant pool are recomputed
                                               bility  (see :func:`ncrealism.scenario.model.
                                                       apply_shocks`)
=======================  ====================  ======  ===========================================
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from ncrealism.scenario.backends import InputFrame, ShockOp
from ncrealism.scenario.model import InputInfo, ParamInfo

if TYPE_CHECKING:
    from ncrealism.data.fetch import DataSource

FloatArray = NDArray[np.float64]

__all__ = ["DecisionLayerBackend", "DecisionModel", "general_probabilities"]

_INPUT_DOCS = {
    "threat": "share of politically relevant capabilities in non-allied hands",
    "threat_misperceived": "threat with the filter's misperception factors",
    "ally_support": "share held by defence-pact allies, net of patron defection",
    "relative_power": "the state's own share of the relevant pool",
    "nuclear_latency": "nuclear status / 3 (Bleek 2017)",
    "sanctions": "sanctions intensity from context events",
    "inducements": "inducements and assurances on offer from context events",
    "clarity": "clarity of outside signals",
    "regime_vulnerability": "economic collapse, crisis, succession, regime transition",
}


def general_probabilities(x: FloatArray, theta: FloatArray) -> FloatArray:
    """Posture probabilities ``[D, N, O]`` for inputs ``[D|1, N, F]`` and ``theta [D, R, P]``
    (R = 1 or N): the decision layer's own utilities and choice rule, on inputs and parameters
    that may differ by draw and by year."""
    from ncrealism.decision.model import FEATURES, environment_utilities, softmax
    from ncrealism.perception.filter import PARAM_NAMES
    from ncrealism.perception.functions import perceive

    d = theta.shape[0]
    n = x.shape[1]
    structural = {k: x[:, :, j] for j, k in enumerate(FEATURES)}
    params = {k: theta[:, :, i] for i, k in enumerate(PARAM_NAMES)}
    env = perceive(structural, params)
    env = {k: np.broadcast_to(v, (d, n)) for k, v in env.items()}
    u = environment_utilities(env)
    return softmax(env["precision"][..., None] * u)


@dataclass(frozen=True)
class DecisionModel:
    """The decision layer's posture model (a :class:`~ncrealism.scenario.model.PostureModel`)."""

    profile: str = "own"
    name: str = "ncr-decision"

    @property
    def options(self) -> tuple[str, ...]:
        from ncrealism.decision.options import DEFAULT_OPTIONS

        return tuple(DEFAULT_OPTIONS.names)

    @property
    def inputs(self) -> tuple[InputInfo, ...]:
        from ncrealism.decision.model import FEATURES

        return tuple(InputInfo(f, 0.0, 1.0, "0-1", _INPUT_DOCS.get(f, "")) for f in FEATURES)

    @property
    def params(self) -> tuple[ParamInfo, ...]:
        from ncrealism.perception.filter import PARAMS

        return tuple(
            ParamInfo(p.name, float(p.neutral), float(p.lo), float(p.hi), "", p.meaning)
            for p in PARAMS
        )

    def probabilities(self, x: FloatArray, theta: FloatArray) -> FloatArray:
        """Posture probabilities ``[D, N, O]`` (inputs ``[D|1, N, F]``, ``theta [D, R, P]``)."""
        if x.shape[0] == 1 and theta.shape[1] == 1:
            from ncrealism.decision.model import choice_probabilities

            out: FloatArray = choice_probabilities(x[0], theta[:, 0, :])
            return out
        return general_probabilities(x, theta)


def _filter_fn(profile: str, ccode: int) -> Any:
    from ncrealism.perception.filter import PerceptionFilter
    from ncrealism.perception.profiles import filters_for

    if profile == "neutral":
        neutral = PerceptionFilter.neutral(ccode=ccode)
        return lambda year: neutral
    who: str | int = ccode if profile == "own" else profile
    by_year = filters_for(who)
    return lambda year: by_year(int(year))


class DecisionLayerBackend:
    """Inputs from :func:`~ncrealism.decision.inputs.build_inputs`, filters from profiles."""

    def profiles(self) -> Sequence[str]:
        from ncrealism.perception.profiles import list_profiles

        return ("own", "neutral", *sorted(p.state for p in list_profiles()))

    def model(self, profile: str | None) -> DecisionModel:
        return DecisionModel(profile or "own")

    def inputs(
        self,
        states: Sequence[int],
        first: int,
        last: int,
        source: DataSource,
        *,
        profile: str | None = None,
        context: Path | None = None,
    ) -> InputFrame:
        from ncrealism.data.records import read_context_events
        from ncrealism.decision.inputs import build_inputs
        from ncrealism.decision.model import design_matrix, filters_by_year, thetas_by_year

        ctx = read_context_events(context) if context is not None else None
        prof = profile or "own"
        ccodes: list[FloatArray] = []
        years: list[FloatArray] = []
        xs: list[FloatArray] = []
        thetas: list[FloatArray] = []
        for st in states:
            frame = build_inputs(int(st), (first, last), context=ctx, source=source)
            fn = _filter_fn(prof, int(st))
            yrs = [int(y) for y in frame["year"].to_list()]
            xs.append(design_matrix(frame, fn))
            thetas.append(thetas_by_year(filters_by_year(fn, yrs)))
            ccodes.append(np.full(len(yrs), int(st), dtype=np.int64))
            years.append(np.asarray(yrs, dtype=np.int64))
        return InputFrame(
            np.concatenate(ccodes),
            np.concatenate(years),
            np.concatenate(xs),
            np.concatenate(thetas),
        )

    def shock_inputs(self) -> Mapping[str, tuple[str, ShockOp]]:
        return {
            "patron_support": ("ally_support", "scale"),
            "sanctions": ("sanctions", "set"),
            "assurance_credibility": ("inducements", "union"),
            "leader_transition": ("regime_vulnerability", "union"),
            "capability": ("relative_power", "own_capability"),
        }
