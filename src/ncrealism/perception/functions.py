"""The mechanisms of the perception filter, as vectorised functions.

Every function takes NumPy arrays (or floats) that broadcast against each other, so the same
code reads one year, a panel of years, or a panel under many parameter draws (arrays of shape
``(draws, years)``). Each reduces to the identity (or to the structural quantity) at the
parameter's neutral value; the tests check this.

Structural quantities (the system layer's reading; all on a 0-1 scale):

* ``threat`` T: the share of the pool (own CINC + the system layer's threat indices of
  non-allies + allies' projected power) that threatens (Walt 1987: aggregate power x
  proximity x offensive power x intentions; see :mod:`ncrealism.decision.inputs`);
* ``threat_misperceived`` T~: the same share with each adversary's capabilities multiplied by
  the filter's misperception factor (:func:`misperceived_share`);
* ``ally_support`` A: the share held by defence-pact allies, net of patron defection;
* ``relative_power`` r: the state's own share;
* ``inducements`` i, ``sanctions`` s, ``clarity`` c: context shocks (0-1);
* ``nuclear_latency`` nu: nuclear status / 3 (Bleek 2017 coding, lagged one year);
* ``regime_vulnerability`` RV: economic collapse, famine, succession, regime transition.

Formulas (sources in each docstring; derivations in ``docs/perception.md``):

==================================  ======================================================
perceived quantity                  formula
==================================  ======================================================
threat                              (1 - w) T + w (1 - (1 - T~)^s),  w = (1 - c)(1 - T)
ally_support                        (1 - d_SR) A
credibility                         (1 - d_q) [r + (1 - r)(1 - (1 - i)(1 - o))]
relative_power                      k r / (k r + 1 - r)
ability                             cohesion (1 - w_v RV)
effectiveness                       1 - (1 - (1 + nu) ability / 2)^k
coercion_success                    (r^ + nu) / (1 + nu)
deferred                            delta0^(1/h),  delta0 = 0.9
vulnerability                       w_v RV
survival_weight                     1 + p_s
precision                           lambda 4^(z - 1/2)
==================================  ======================================================
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "DELTA0",
    "STRUCTURAL_KEYS",
    "assurance_credibility",
    "balancing_effectiveness",
    "coercion_success",
    "deferred_discount",
    "effective_precision",
    "misperceived_share",
    "perceive",
    "perceived_ally_support",
    "perceived_relative_power",
    "perceived_threat",
    "prospect_value",
    "regime_ability",
    "residual_threat",
]

Array = NDArray[np.float64]

#: The annual discount factor of deferred benefits under the neutral filter. A convention of
#: this library (the formal literature leaves delta free: Fearon 1995; Powell 2006), not fitted.
DELTA0 = 0.9

#: The structural quantities :func:`perceive` reads.
STRUCTURAL_KEYS: tuple[str, ...] = (
    "threat",
    "threat_misperceived",
    "ally_support",
    "relative_power",
    "nuclear_latency",
    "sanctions",
    "inducements",
    "clarity",
    "regime_vulnerability",
)


def _a(x: ArrayLike) -> Array:
    return np.asarray(x, dtype=np.float64)


def misperceived_share(shares: ArrayLike, factors: ArrayLike) -> Array:
    """The threat share when each adversary's capabilities are multiplied by a factor.

    With T_j = tau_j / P the share of adversary j in the pool P, scaling its weight tau_j by
    m_j gives  T~ = sum_j m_j T_j / (1 + sum_j (m_j - 1) T_j)  (summed over the last
    axis). m_j = 1 for all j returns sum_j T_j. Misperception of power or of intent, after
    Jervis (1976) and Wohlforth (1993), enters as this factor on the adversary's weight.
    """
    t = _a(shares)
    m = _a(factors)
    num = np.sum(m * t, axis=-1)
    den = 1.0 + np.sum((m - 1.0) * t, axis=-1)
    return np.asarray(num / den, dtype=np.float64)


def perceived_threat(
    threat: ArrayLike,
    threat_misperceived: ArrayLike | None = None,
    clarity: ArrayLike = 0.0,
    sensitivity: ArrayLike = 1.0,
) -> Array:
    """Perceived threat: the structural threat read through leader images.

    T_hat = (1 - w) T + w T_d,  T_d = 1 - (1 - T~)^s,  w = (1 - c)(1 - T).

    The distortion T_d applies the leader's threat sensitivity s to the (mis)perceived share
    T~. Its weight w follows Ripsman, Taliaferro & Lobell (2016, ch. 2): intervening variables
    matter most when the system's signals are unclear (low clarity c) and the environment is
    permissive (low threat T); a clear, restrictive environment leaves little room for them.
    With s = 1 and T~ = T (no misperception) T_hat = T. Increasing in T~ and in s.
    """
    t = _a(threat)
    tm = t if threat_misperceived is None else _a(threat_misperceived)
    w = (1.0 - _a(clarity)) * (1.0 - t)
    td = 1.0 - np.power(np.clip(1.0 - tm, 0.0, 1.0), _a(sensitivity))
    return np.asarray((1.0 - w) * t + w * td, dtype=np.float64)


def perceived_ally_support(ally_support: ArrayLike, self_reliance: ArrayLike = 0.0) -> Array:
    """Allies' support as a self-reliant strategic culture reads it: (1 - d_SR) A.

    Juche discounts external guarantees (Koga 2009; THEORY section 1.2): security must be
    self-produced. d_SR = 0 is neutral.
    """
    return np.asarray((1.0 - _a(self_reliance)) * _a(ally_support), dtype=np.float64)


def assurance_credibility(
    relative_power: ArrayLike,
    inducements: ArrayLike = 0.0,
    assurance_discount: ArrayLike = 0.0,
    offered: ArrayLike = 0.0,
) -> Array:
    """Credibility of the adversaries' assurances, q in [0, 1], as the filter reads it.

    q0 = r + (1 - r) * (1 - (1 - i)(1 - o));   q = (1 - d_q) q0.

    Powell (2006): a promise not to exploit a future shift in power is less credible the more
    preponderant the promiser, so the structural credibility starts at the state's own share r
    of the pool. Inducements actually delivered (i, from context events:
    a costly signal, Fearon 1997) and any assurance ``offered`` in a negotiation (o in [0, 1],
    e.g. a third-party guarantee) cover part of the rest. The strategic-culture discount d_q
    (distrust of adversaries' assurances; Koga 2009's "assurance of survival") scales it down.
    """
    r = _a(relative_power)
    cover = 1.0 - (1.0 - _a(inducements)) * (1.0 - _a(offered))
    q0 = r + (1.0 - r) * cover
    return np.asarray((1.0 - _a(assurance_discount)) * q0, dtype=np.float64)


def residual_threat(
    perceived: ArrayLike, credibility: ArrayLike, coverage: ArrayLike = 1.0
) -> Array:
    """Threat left after assurances: T_hat (1 - q * coverage).

    ``coverage`` in [0, 1] is the share of the threat an assurance package addresses if it is
    kept; q its credibility (:func:`assurance_credibility`). A negotiation model can compare this
    with a regime-survival threshold to find the least acceptable nuclear status.
    """
    return np.asarray(_a(perceived) * (1.0 - _a(credibility) * _a(coverage)), dtype=np.float64)


def perceived_relative_power(relative_power: ArrayLike, extraction: ArrayLike = 1.0) -> Array:
    """Own share of the relevant pool when latent power is extracted at rate k: k r / (k r + 1 - r).

    Extraction and mobilisation capacity (Christensen 1996; Zakaria 1998; RTL 2016, ch. 3)
    decides how much of the measured (latent) capability becomes usable power. k = 1 neutral.
    """
    r = _a(relative_power)
    k = _a(extraction)
    return np.asarray(k * r / (k * r + 1.0 - r), dtype=np.float64)


def regime_ability(
    cohesion: ArrayLike = 1.0,
    vulnerability_weight: ArrayLike = 0.0,
    regime_vulnerability: ArrayLike = 0.0,
) -> Array:
    """Willingness-and-ability to balance (Schweller 2004): cohesion (1 - w_v RV), in [0, 1].

    Elite and social cohesion set the state's willingness and ability to mobilise; regime
    vulnerability (famine, economic collapse, succession) lowers its ability. 1 (a unitary,
    secure actor) is structural realism's assumption.
    """
    return np.asarray(
        _a(cohesion) * (1.0 - _a(vulnerability_weight) * _a(regime_vulnerability)),
        dtype=np.float64,
    )


def balancing_effectiveness(
    ability: ArrayLike, extraction: ArrayLike = 1.0, nuclear_latency: ArrayLike = 0.0
) -> Array:
    """Share of the threat internal balancing offsets: e = 1 - (1 - e0)^k, e0 = (1 + nu) B / 2.

    Conventional arming offsets half the threat at full ability B; a nuclear programme
    (nu = status/3) raises the reach toward all of it, the "logical and inexpensive route" of a
    state that cannot reach conventional parity (THEORY section 1.5; Schweller 2004's
    cheap-balancing substitution). Extraction k > 1 raises e toward 1 (k = 1 neutral).
    """
    e0 = 0.5 * (1.0 + _a(nuclear_latency)) * _a(ability)
    return np.asarray(1.0 - np.power(np.clip(1.0 - e0, 0.0, 1.0), _a(extraction)), dtype=np.float64)


def coercion_success(relative_power: ArrayLike, nuclear_latency: ArrayLike = 0.0) -> Array:
    """Probability that brinkmanship extracts a concession: p = (r + nu) / (1 + nu).

    Schelling's threat that leaves something to chance works when the balance of resolve is
    uncertain (Powell 2015); a weak state's leverage is its share r of usable power plus the
    risk its nuclear latency nu can credibly raise. With nu = 0, p = r.
    """
    nu = _a(nuclear_latency)
    return np.asarray((_a(relative_power) + nu) / (1.0 + nu), dtype=np.float64)


def deferred_discount(time_horizon: ArrayLike = 1.0) -> Array:
    """Discount on benefits that arrive later (aid, promised assurances): DELTA0^(1/h).

    h > 1 (long horizon) brings the factor toward 1, h < 1 toward 0 (Fearon 1995; Powell 2006).
    """
    return np.asarray(np.power(DELTA0, 1.0 / _a(time_horizon)), dtype=np.float64)


def prospect_value(
    x: ArrayLike, loss_aversion: ArrayLike = 1.0, curvature: ArrayLike = 1.0
) -> Array:
    """Prospect-theory value of a gain or loss x relative to the reference point.

    v(x) = k x^a for x >= 0,  v(x) = -k lambda (-x)^a for x < 0,  k = 2 / (1 + lambda)

    (Kahneman & Tversky 1979; estimates a = 0.88, lambda = 2.25 in Tversky & Kahneman 1992).
    The factor k (the mean of the gain and loss slopes is 1) is this library's normalisation:
    lambda sets how much more a loss weighs than a gain, not the overall scale of utility,
    which belongs to the choice rule's precision. Neutral a = lambda = 1 is the identity
    (expected-value maximisation). Probabilities are not re-weighted.
    """
    xv = _a(x)
    a = _a(curvature)
    lam = _a(loss_aversion)
    k = 2.0 / (1.0 + lam)
    mag = np.power(np.abs(xv), a)
    return np.asarray(k * np.where(xv >= 0.0, mag, -lam * mag), dtype=np.float64)


def effective_precision(precision: ArrayLike, centralisation: ArrayLike = 0.5) -> Array:
    """Choice precision after institutions: lambda 4^(z - 1/2).

    A centralised decision (few veto players, Tsebelis 2002; the Suryong system, Koga 2009)
    turns utility differences into decisive, abrupt choices (z = 1 doubles lambda); many veto
    players blur them (z = 0 halves it). z = 1/2 neutral.
    """
    return np.asarray(_a(precision) * np.power(4.0, _a(centralisation) - 0.5), dtype=np.float64)


def perceive(
    structural: Mapping[str, ArrayLike], params: Mapping[str, ArrayLike]
) -> dict[str, Array]:
    """Apply every mechanism: structural quantities and filter parameters -> perceived ones.

    ``structural`` holds :data:`STRUCTURAL_KEYS` (missing ``threat_misperceived`` = ``threat``,
    missing ``regime_vulnerability`` = 0); ``params`` holds every name of
    :data:`ncrealism.perception.filter.PARAM_NAMES`. Arrays broadcast (e.g. structural of
    shape ``(years,)`` against parameters of shape ``(draws, 1)``). Returns the perceived
    quantities of the module docstring's table plus the pass-through context shocks and the
    valuation parameters (``loss_aversion``, ``risk_curvature``, ``reference_point``,
    ``autonomy_value``, ``capitulation_aversion``).
    """
    s = {k: _a(v) for k, v in structural.items()}
    p = {k: _a(v) for k, v in params.items()}
    t = s["threat"]
    tm = s.get("threat_misperceived", t)
    rv = s.get("regime_vulnerability", np.zeros_like(t))
    nu = s["nuclear_latency"]
    out: dict[str, Any] = {}
    out["threat"] = perceived_threat(t, tm, s["clarity"], p["threat_sensitivity"])
    out["ally_support"] = perceived_ally_support(s["ally_support"], p["self_reliance"])
    out["credibility"] = assurance_credibility(
        s["relative_power"], s["inducements"], p["assurance_discount"]
    )
    out["relative_power"] = perceived_relative_power(s["relative_power"], p["extraction"])
    out["ability"] = regime_ability(p["cohesion"], p["vulnerability_weight"], rv)
    out["effectiveness"] = balancing_effectiveness(out["ability"], p["extraction"], nu)
    out["coercion_success"] = coercion_success(out["relative_power"], nu)
    out["deferred"] = deferred_discount(p["time_horizon"])
    out["vulnerability"] = p["vulnerability_weight"] * rv
    out["survival_weight"] = 1.0 + p["survival_priority"]
    out["precision"] = effective_precision(p["precision"], p["centralisation"])
    out["sanctions"] = s["sanctions"]
    out["inducements"] = s["inducements"]
    out["nuclear_latency"] = nu
    for k in (
        "loss_aversion",
        "risk_curvature",
        "reference_point",
        "autonomy_value",
        "capitulation_aversion",
    ):
        out[k] = p[k]
    return out


def neutral_quantities(structural: Mapping[str, ArrayLike]) -> dict[str, Array]:
    """:func:`perceive` under the neutral filter (structural realism)."""
    from ncrealism.perception.filter import PARAMS

    return perceive(structural, {q.name: q.neutral for q in PARAMS})


def cluster_quantities() -> Mapping[str, Sequence[str]]:
    """The perceived quantities each cluster acts on (for tracing what a cluster changed)."""
    return {
        "leader_images": (
            "threat",
            "deferred",
            "loss_aversion",
            "risk_curvature",
            "reference_point",
        ),
        "strategic_culture": (
            "ally_support",
            "credibility",
            "autonomy_value",
            "capitulation_aversion",
        ),
        "state_society": (
            "relative_power",
            "ability",
            "effectiveness",
            "coercion_success",
            "vulnerability",
        ),
        "domestic_institutions": ("precision", "survival_weight"),
        "precision": ("precision",),
    }
