"""The DPRK against the world: the state's deviations estimated by the pooled model, beside the
perception profile coded from the literature (``perception/profiles/dprk.toml``).

The neoclassical hierarchical logit (:class:`ncrealism.panel.models.HierarchicalLogit`) is fitted
on every state-year up to ``last_year`` (default 2009, the end of the coded DPRK record; later
years are kept for out-of-sample checks). Its Laplace posterior gives, for the DPRK, a *revealed
perception*: how far its behaviour departs from what the pooled model expects of any state in
its position. Each reading below maps an estimate onto one profile parameter; the mapping is a
convention of this module, stated with it:

* ``threat_sensitivity`` s (profile: the leader's threat inflation, neutral 1). Revealed: the
  DPRK's slope on the threat it faces divided by the pooled slope, ``(β + v_DPRK) / β``, for
  internal balancing and for nuclear steps: a state that reads threat at s times its measured
  size responds s times as strongly.
* ``self_reliance`` d (discount of allies' guarantees, neutral 0). Revealed: ``1 − (β_A +
  v_A,DPRK) / β_A`` with β_A the pooled slope of internal balancing on allies' support: a state
  that discounts its allies by d responds to their support by (1 − d) times the pooled amount.
* ``extraction`` k (mobilisation of latent power, neutral 1). Measured directly: the DPRK's
  military participation ratio (personnel / population, COW NMC) divided by the world median of
  the same year, 1990 to ``last_year``; the interval is the 5th-95th percentile over years.
* ``centralisation`` (one decision node, neutral 0.5). Measured: ``(10 − polity2) / 20`` from
  Polity5 (1 for a full autocracy, 0 for a full democracy); interval over years.

The DPRK's random intercepts (its propensity to each step beyond what every predictor
explains) have no one-to-one profile parameter and are shown as such; the other profile
parameters are not identified by these data. Intervals are central ``level`` (default 90%)
intervals of ``draws`` Monte-Carlo draws from the Laplace posterior (a seeded
``numpy.random.Generator``) or, for the measured rows, over years. The verdict compares the
coded value (averaged over the profile's periods, 1990 to ``last_year``) with the interval.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from ncrealism.errors import InputError
from ncrealism.panel.build import INTERVENING, STRUCTURAL, PanelFrame
from ncrealism.panel.models import HierarchicalLogit

__all__ = ["dprk_deviations"]

_FIRST = 1990


def _coded(ccode: int, name: str, years: range) -> tuple[float | None, str]:
    from ncrealism.perception.profiles import profile_for

    prof = profile_for(ccode)
    if prof is None:
        return None, "no profile"
    values = [prof.filter(y).values.get(name) for y in years]
    vals = [float(v) for v in values if v is not None]
    if not vals:
        return None, "not coded"
    distinct = sorted(set(vals))
    text = "/".join(f"{v:g}" for v in distinct) if len(distinct) > 1 else f"{distinct[0]:g}"
    return float(np.mean(vals)), text


def _neutral(name: str) -> float:
    from ncrealism.perception.filter import spec

    return float(spec(name).neutral)


def _verdict(coded: float | None, lo: float, hi: float, neutral: float | None) -> str:
    if coded is None or not np.isfinite(lo) or not np.isfinite(hi):
        return "not comparable"
    inside = lo <= coded <= hi
    if inside and neutral is not None and lo <= neutral <= hi:
        return "consistent, but not distinguishable from neutral"
    if inside:
        return "agrees with the coding"
    return "data higher than the coding" if lo > coded else "data lower than the coding"


def dprk_deviations(
    panel: PanelFrame,
    *,
    ccode: int = 731,
    last_year: int = 2009,
    level: float = 0.90,
    draws: int = 4000,
    seed: int = 2009,
) -> tuple[pl.DataFrame, dict[str, Any]]:
    """The data-estimated deviations of a state beside its coded profile (module docstring).

    Returns (table, info). Table columns: ``parameter`` (Utf8, the profile parameter, or
    ``propensity`` for a random intercept), ``via`` (Utf8, the outcome or source it is read
    from), ``basis`` (Utf8, what was estimated), ``coded`` (Utf8, the profile's value(s) in
    the years), ``neutral`` (Float64), ``estimate`` (Float64), ``lower``/``upper`` (Float64,
    the ``level`` interval), ``verdict`` (Utf8). ``info``: the fit's rows and states, and the
    state's rows and outcomes.
    """
    if not 0.5 < level < 1.0:
        raise InputError("level must lie between 0.5 and 1")
    rows = panel.data.filter(pl.col("outcome").is_not_null() & (pl.col("year") <= last_year))
    own = rows.filter(pl.col("ccode") == ccode)
    if own.height == 0:
        raise InputError(f"state {ccode} has no panel rows up to {last_year}")
    spec = HierarchicalLogit((*STRUCTURAL, *INTERVENING))
    fitted = spec.fit(rows)
    cov = fitted.covariance()
    theta = fitted.theta.ravel()
    rng = np.random.default_rng(seed)
    q = [(1.0 - level) / 2.0, (1.0 + level) / 2.0]
    years = range(_FIRST, last_year + 1)
    out: list[dict[str, Any]] = []

    def draw(idx: list[int]) -> np.ndarray:
        sub = cov[np.ix_(idx, idx)]
        return rng.multivariate_normal(theta[idx], sub, size=draws, method="cholesky")

    def ratio_row(name: str, slope: str, outcome: str, transform: str) -> None:
        label = "nuclear steps" if outcome == "nuclear" else f"{outcome} balancing"
        b = fitted.flat_index(slope, outcome)
        v = fitted.flat_index(slope, outcome, ccode)
        d = draw([b, v])
        r = (d[:, 0] + d[:, 1]) / d[:, 0]
        point = (theta[b] + theta[v]) / theta[b]
        if transform == "one_minus":
            r, point = 1.0 - r, 1.0 - point
        lo, hi = np.quantile(r, q)
        coded, text = _coded(ccode, name, years)
        neutral = _neutral(name)
        pooled_lo, pooled_hi = np.quantile(d[:, 0], q)
        verdict = _verdict(coded, float(lo), float(hi), neutral)
        if pooled_lo <= 0.0 <= pooled_hi:
            verdict = "not identified (the pooled slope is not distinguishable from 0)"
        out.append(
            {
                "parameter": name,
                "via": label,
                "basis": f"{label}: DPRK slope on {slope} / pooled slope"
                + (" (1 minus)" if transform == "one_minus" else ""),
                "coded": text,
                "neutral": neutral,
                "estimate": float(point),
                "lower": float(lo),
                "upper": float(hi),
                "verdict": verdict,
            }
        )

    ratio_row("threat_sensitivity", "log_threat", "internal", "ratio")
    ratio_row("threat_sensitivity", "log_threat", "nuclear", "ratio")
    ratio_row("self_reliance", "log_ally_support", "internal", "one_minus")

    # Extraction: participation ratio relative to the world median, year by year.
    recent = panel.data.filter(pl.col("year").is_between(_FIRST, last_year))
    med = recent.group_by("year").agg(pl.col("extraction").median().alias("world"))
    mine = (
        recent.filter(pl.col("ccode") == ccode)
        .join(med, on="year")
        .select((pl.col("extraction") - pl.col("world")).exp().alias("ratio"))
        .drop_nulls()["ratio"]
        .to_numpy()
    )
    coded, text = _coded(ccode, "extraction", years)
    if mine.size:
        lo, hi = np.quantile(mine, [0.05, 0.95])
        est = float(np.exp(np.mean(np.log(mine))))
    else:
        lo = hi = est = float("nan")
    out.append(
        {
            "parameter": "extraction",
            "via": "NMC milper/tpop",
            "basis": "military participation ratio / world median (COW NMC), over years",
            "coded": text,
            "neutral": _neutral("extraction"),
            "estimate": est,
            "lower": float(lo),
            "upper": float(hi),
            "verdict": _verdict(coded, float(lo), float(hi), None),
        }
    )
    pol = (
        recent.filter(pl.col("ccode") == ccode)["polity2"].drop_nulls().to_numpy()
    )  # polity2 / 10, lagged one year
    coded, text = _coded(ccode, "centralisation", years)
    cen = (1.0 - pol) / 2.0
    lo, hi = (float(cen.min()), float(cen.max())) if cen.size else (float("nan"),) * 2
    out.append(
        {
            "parameter": "centralisation",
            "via": "Polity5",
            "basis": "(10 - polity2) / 20 (Polity5), over years",
            "coded": text,
            "neutral": _neutral("centralisation"),
            "estimate": float(cen.mean()) if cen.size else float("nan"),
            "lower": lo,
            "upper": hi,
            "verdict": _verdict(coded, lo, hi, None),
        }
    )
    for outcome in ("internal", "external", "nuclear"):
        i = fitted.flat_index("u", outcome, ccode)
        sd = float(np.sqrt(cov[i, i]))
        z = float(abs(np.quantile(rng.standard_normal(draws), q[0])))
        lo, hi = theta[i] - z * sd, theta[i] + z * sd
        out.append(
            {
                "parameter": "propensity",
                "via": outcome,
                "basis": "DPRK random intercept (log-odds vs. 'none'); no profile parameter",
                "coded": "—",
                "neutral": 0.0,
                "estimate": float(theta[i]),
                "lower": float(lo),
                "upper": float(hi),
                "verdict": "above the pooled model"
                if lo > 0
                else ("below the pooled model" if hi < 0 else "not distinguishable from 0"),
            }
        )
    events = own.group_by("outcome").len().sort("outcome")
    info = {
        "ccode": ccode,
        "fit_rows": rows.height,
        "fit_states": int(rows["ccode"].n_unique()),
        "fit_years": [int(rows["year"].min()), last_year],  # type: ignore[arg-type]
        "state_rows": own.height,
        "state_outcomes": {r["outcome"]: int(r["len"]) for r in events.iter_rows(named=True)},
        "level": level,
        "draws": draws,
        "seed": seed,
    }
    return pl.DataFrame(out, infer_schema_length=None), info
