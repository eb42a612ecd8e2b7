"""The perception filter: the intervening variables of neoclassical realism as parameters.

Ripsman, Taliaferro & Lobell (2016, *Neoclassical Realist Theory of International Politics*,
chs. 2-4) group the unit-level intervening variables into four clusters: leader images,
strategic culture, state-society relations and domestic institutions. A
:class:`PerceptionFilter` holds one bounded parameter per mechanism, grouped in those clusters,
plus the precision of the quantal-response choice rule. Each parameter has a **neutral value**
at which it changes nothing: the filter with every parameter neutral is structural realism, the
measured environment passing through unchanged (:meth:`PerceptionFilter.neutral`).

The equations in which each parameter acts are written in ``docs/perception.md`` and in
:mod:`ncrealism.perception.functions`; the table below gives bounds and neutral values.

===========================  ======================  ===========  =======  ====================
parameter                    cluster                 bounds       neutral  source
===========================  ======================  ===========  =======  ====================
threat_sensitivity           leader_images           0.25 - 4     1        RTL 2016 ch. 3; Jervis
misperception[ccode]         leader_images           0.25 - 4     1        Jervis 1976; Wohlforth
loss_aversion                leader_images           1 - 5        1        Kahneman & Tversky 1979
risk_curvature               leader_images           0.2 - 1      1        Tversky & Kahneman 1992
reference_point              leader_images           -0.5 - 0.5   0        Kahneman & Tversky 1979
time_horizon                 leader_images           0.25 - 4     1        Powell 2006; Fearon 1995
self_reliance                strategic_culture       0 - 1        0        Koga 2009 (Juche)
assurance_discount           strategic_culture       0 - 1        0        Koga 2009; Powell 2006
autonomy_value               strategic_culture       0 - 2        0        Koga 2009; Park 2012
capitulation_aversion        strategic_culture       0 - 2        0        Koga 2009 (Confucian)
extraction                   state_society           0.25 - 4     1        Christensen 1996; RTL
cohesion                     state_society           0 - 1        1        Schweller 2004
vulnerability_weight         state_society           0 - 1        0        Schweller 2004
centralisation               domestic_institutions   0 - 1        0.5      Tsebelis 2002; Koga
survival_priority            domestic_institutions   0 - 3        0        Park 2012; RTL 2016
precision                    (choice rule)           0 - 50       5        McKelvey & Palfrey 1995
===========================  ======================  ===========  =======  ====================

``misperception`` is a mapping from an adversary's COW code to a factor on that adversary's
capabilities as perceived (over-estimation > 1, under-estimation < 1); it is not part of the
parameter vector :meth:`PerceptionFilter.to_theta` (it reshapes the design matrix instead).

Every parameter may carry a prior (mean = the filter's value, a standard deviation and a
citation) used to regularise calibration toward the literature.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from ncrealism.errors import InputError

__all__ = [
    "CLUSTERS",
    "MISPERCEPTION_BOUNDS",
    "PARAMS",
    "PARAM_NAMES",
    "ClusterName",
    "ParamSpec",
    "PerceptionFilter",
    "Prior",
]

ClusterName = Literal[
    "leader_images", "strategic_culture", "state_society", "domestic_institutions"
]

#: The four clusters of intervening variables (Ripsman, Taliaferro & Lobell 2016), in the order
#: in which the filter applies them.
CLUSTERS: tuple[ClusterName, ...] = (
    "leader_images",
    "strategic_culture",
    "state_society",
    "domestic_institutions",
)


@dataclass(frozen=True)
class ParamSpec:
    """A filter parameter: its cluster (``None`` for the choice rule), bounds, neutral value,
    unit/meaning and the literature behind it."""

    name: str
    cluster: ClusterName | None
    lo: float
    hi: float
    neutral: float
    meaning: str
    source: str
    default_sd: float

    def check(self, value: float, where: str = "") -> float:
        v = float(value)
        if not np.isfinite(v) or v < self.lo or v > self.hi:
            raise InputError(
                f"{where}{self.name} = {value} is outside its bounds [{self.lo}, {self.hi}]"
            )
        return v


PARAMS: tuple[ParamSpec, ...] = (
    ParamSpec(
        "threat_sensitivity",
        "leader_images",
        0.25,
        4.0,
        1.0,
        "exponent s in T_d = 1 - (1 - T)^s: s > 1 inflates the perceived threat",
        "Ripsman, Taliaferro & Lobell 2016, ch. 3 (perception); Jervis 1976",
        0.5,
    ),
    ParamSpec(
        "loss_aversion",
        "leader_images",
        1.0,
        5.0,
        1.0,
        "lambda of the prospect-theory value function (losses weigh lambda times gains)",
        "Kahneman & Tversky 1979; estimate 2.25 in Tversky & Kahneman 1992",
        0.75,
    ),
    ParamSpec(
        "risk_curvature",
        "leader_images",
        0.2,
        1.0,
        1.0,
        "alpha of v(x) = x^alpha, -lambda(-x)^alpha; alpha < 1: risk seeking in losses",
        "Kahneman & Tversky 1979; estimate 0.88 in Tversky & Kahneman 1992",
        0.15,
    ),
    ParamSpec(
        "reference_point",
        "leader_images",
        -0.5,
        0.5,
        0.0,
        "aspiration above the status-quo security level (security units, 0-1 scale)",
        "Kahneman & Tversky 1979; Park & Peh 2019 (shifting reference points)",
        0.15,
    ),
    ParamSpec(
        "time_horizon",
        "leader_images",
        0.25,
        4.0,
        1.0,
        "h in the discount on deferred benefits delta^(1/h) (h > 1: more patient)",
        "Fearon 1995; Powell 2006 (discounting and commitment)",
        0.5,
    ),
    ParamSpec(
        "self_reliance",
        "strategic_culture",
        0.0,
        1.0,
        0.0,
        "share by which allies' guarantees are discounted (Juche)",
        "Koga 2009 (Juche); Park 2012",
        0.25,
    ),
    ParamSpec(
        "assurance_discount",
        "strategic_culture",
        0.0,
        1.0,
        0.0,
        "share by which adversaries' assurances are discounted",
        "Koga 2009 (assurance of survival); Powell 2006 (commitment problems)",
        0.25,
    ),
    ParamSpec(
        "autonomy_value",
        "strategic_culture",
        0.0,
        2.0,
        0.0,
        "utility of options that keep autonomy, cost of options that create dependence",
        "Koga 2009; Park 2012 (Juche as a means of national security)",
        0.4,
    ),
    ParamSpec(
        "capitulation_aversion",
        "strategic_culture",
        0.0,
        2.0,
        0.0,
        "utility cost of a visible concession (accommodation)",
        "Koga 2009 (Suryong legitimacy, Confucian culture)",
        0.4,
    ),
    ParamSpec(
        "extraction",
        "state_society",
        0.25,
        4.0,
        1.0,
        "k in e = 1 - (1 - e0)^k: converting latent into military power",
        "Christensen 1996; Zakaria 1998; Ripsman, Taliaferro & Lobell 2016, ch. 3",
        0.4,
    ),
    ParamSpec(
        "cohesion",
        "state_society",
        0.0,
        1.0,
        1.0,
        "elite and social cohesion (1 = the unitary actor of structural realism)",
        "Schweller 2004 (elite consensus and cohesion, social cohesion)",
        0.15,
    ),
    ParamSpec(
        "vulnerability_weight",
        "state_society",
        0.0,
        1.0,
        0.0,
        "how much measured regime vulnerability weighs on ability and on incentives",
        "Schweller 2004 (regime vulnerability); Byman & Lind 2010",
        0.25,
    ),
    ParamSpec(
        "centralisation",
        "domestic_institutions",
        0.0,
        1.0,
        0.5,
        "decision centralisation (few veto players): multiplies precision by 4^(z - 1/2)",
        "Tsebelis 2002 (veto players); Koga 2009 (Suryong system)",
        0.2,
    ),
    ParamSpec(
        "survival_priority",
        "domestic_institutions",
        0.0,
        3.0,
        0.0,
        "extra weight on security and regime survival over resources (1 + p)",
        "Park 2012 (ordered goals: security first); Ripsman, Taliaferro & Lobell 2016",
        0.5,
    ),
    ParamSpec(
        "precision",
        None,
        0.0,
        50.0,
        5.0,
        "lambda of the multinomial logit (quantal response) over option utilities",
        "McKelvey & Palfrey 1995 (quantal response); McFadden 1974 (conditional logit)",
        2.5,
    ),
)

PARAM_NAMES: tuple[str, ...] = tuple(p.name for p in PARAMS)
_SPEC: dict[str, ParamSpec] = {p.name: p for p in PARAMS}
#: Bounds of a misperception factor.
MISPERCEPTION_BOUNDS: tuple[float, float] = (0.25, 4.0)


@dataclass(frozen=True)
class Prior:
    """A Gaussian prior on one parameter: mean, standard deviation, citation and rationale."""

    mean: float
    sd: float
    source: str = ""
    rationale: str = ""


def _neutral_values() -> dict[str, float]:
    return {p.name: p.neutral for p in PARAMS}


@dataclass(frozen=True)
class PerceptionFilter:
    """A state's perception filter (optionally for one period), frozen and validated.

    ``values`` maps every name of :data:`PARAM_NAMES` to a value within its bounds (missing
    names take their neutral value); ``misperception`` maps adversaries' COW codes to factors;
    ``priors`` holds the literature's prior for each parameter that has one. ``label`` names
    the filter (e.g. ``"DPRK: Kim Il Sung"``), ``origin`` where it came from (a profile file,
    ``"neutral"``, ``"calibrated"``).
    """

    values: Mapping[str, float] = field(default_factory=_neutral_values)
    misperception: Mapping[int, float] = field(default_factory=dict)
    priors: Mapping[str, Prior] = field(default_factory=dict)
    label: str = "neutral"
    state: str | None = None
    ccode: int | None = None
    period: str | None = None
    origin: str = "neutral"

    def __post_init__(self) -> None:
        unknown = sorted(set(self.values) - set(PARAM_NAMES))
        if unknown:
            raise InputError(f"unknown filter parameter(s) {unknown}; known: {list(PARAM_NAMES)}")
        full = _neutral_values()
        for k, v in self.values.items():
            full[k] = _SPEC[k].check(v, f"filter '{self.label}': ")
        object.__setattr__(self, "values", MappingProxyType(full))
        lo, hi = MISPERCEPTION_BOUNDS
        mis: dict[int, float] = {}
        for c, m in self.misperception.items():
            fm = float(m)
            if not np.isfinite(fm) or fm < lo or fm > hi:
                raise InputError(
                    f"filter '{self.label}': misperception of {c} = {m} is outside [{lo}, {hi}]"
                )
            mis[int(c)] = fm
        object.__setattr__(self, "misperception", MappingProxyType(mis))
        bad = sorted(set(self.priors) - set(PARAM_NAMES))
        if bad:
            raise InputError(f"filter '{self.label}': priors on unknown parameter(s) {bad}")
        for k, pr in self.priors.items():
            if not pr.sd > 0:
                raise InputError(f"filter '{self.label}': prior sd of {k} must be > 0")
        object.__setattr__(self, "priors", MappingProxyType(dict(self.priors)))

    # ----------------------------------------------------------------- construction
    @classmethod
    def neutral(cls, *, state: str | None = None, ccode: int | None = None) -> PerceptionFilter:
        """Structural realism: every parameter at its neutral value, no misperception."""
        return cls(label="neutral (structural realism)", state=state, ccode=ccode)

    def replace(self, **values: float) -> PerceptionFilter:
        """A copy with some parameter values replaced (validated)."""
        new = dict(self.values)
        new.update(values)
        return dataclasses.replace(self, values=new)

    def with_cluster_off(self, name: str) -> PerceptionFilter:
        """A copy with every parameter of cluster ``name`` at its neutral value.

        ``name`` is one of :data:`CLUSTERS` or ``"precision"`` (the choice rule). Switching
        ``leader_images`` off also clears the misperception map.
        """
        return self.with_clusters_off([name])

    def with_clusters_off(self, names: Iterable[str]) -> PerceptionFilter:
        """A copy with every parameter of the named clusters at its neutral value."""
        names = list(names)
        known = (*CLUSTERS, "precision")
        bad = [n for n in names if n not in known]
        if bad:
            raise InputError(f"unknown cluster(s) {bad}; choose from {list(known)}")
        new = dict(self.values)
        for p in PARAMS:
            key = p.cluster if p.cluster is not None else "precision"
            if key in names:
                new[p.name] = p.neutral
        mis = {} if "leader_images" in names else dict(self.misperception)
        off = ", ".join(names)
        return dataclasses.replace(
            self, values=new, misperception=mis, label=f"{self.label} [off: {off}]"
        )

    # ----------------------------------------------------------------- access
    def __getitem__(self, name: str) -> float:
        return self.values[name]

    @property
    def is_neutral(self) -> bool:
        """True when every parameter is neutral and nothing is misperceived."""
        return all(self.values[p.name] == p.neutral for p in PARAMS) and all(
            m == 1.0 for m in self.misperception.values()
        )

    def to_theta(self) -> NDArray[np.float64]:
        """The parameter vector in the order of :data:`PARAM_NAMES` (shape ``(n_params,)``)."""
        return np.array([self.values[n] for n in PARAM_NAMES], dtype=np.float64)

    def with_theta(
        self, theta: NDArray[np.float64] | Iterable[float], **meta: str
    ) -> PerceptionFilter:
        """A copy whose parameters are taken from a vector in :data:`PARAM_NAMES` order."""
        arr = np.asarray(list(theta) if not isinstance(theta, np.ndarray) else theta, dtype=float)
        if arr.shape != (len(PARAM_NAMES),):
            raise InputError(f"theta must have {len(PARAM_NAMES)} entries, got {arr.shape}")
        new = {n: float(v) for n, v in zip(PARAM_NAMES, arr, strict=True)}
        return dataclasses.replace(self, values=new, **meta)  # type: ignore[arg-type]

    def prior(self, name: str) -> Prior:
        """The prior on ``name``: the profile's, else the filter value with a default sd."""
        if name in self.priors:
            return self.priors[name]
        spec = _SPEC[name]
        return Prior(self.values[name], spec.default_sd, "default (no literature prior)", "")

    def differences(self) -> dict[str, tuple[float, float]]:
        """Parameters that differ from neutral: name -> (neutral, value)."""
        return {
            p.name: (p.neutral, self.values[p.name])
            for p in PARAMS
            if self.values[p.name] != p.neutral
        }

    def describe(self) -> str:
        """One line per non-neutral parameter, by cluster."""
        lines = [f"{self.label} ({self.origin})"]
        for cl in (*CLUSTERS, None):
            for p in PARAMS:
                if p.cluster == cl and self.values[p.name] != p.neutral:
                    lines.append(
                        f"  {cl or 'choice rule'}: {p.name} = {self.values[p.name]:g} "
                        f"(neutral {p.neutral:g})"
                    )
            if cl == "leader_images" and self.misperception:
                for c, m in sorted(self.misperception.items()):
                    lines.append(f"  leader_images: misperception[{c}] = {m:g} (neutral 1)")
        return "\n".join(lines)


def spec(name: str) -> ParamSpec:
    """The :class:`ParamSpec` of a parameter."""
    if name not in _SPEC:
        raise InputError(f"unknown filter parameter '{name}'; known: {list(PARAM_NAMES)}")
    return _SPEC[name]
