"""The directed dyad-year frame as a competent pandas user would write it (a baseline).

Whole-frame operations, no loop over dyads and no N³ merge:

* the dyads are one self-merge of the state-years on ``year`` (states sorted by year and code,
  so the result is ordered by year, ``ccode1``, ``ccode2``);
* capabilities, alliances (both orientations; years after 2012 read the 2012 alliances, the
  library's carry-forward rule), contiguity and capital distances are whole-frame left merges;
* relative power, Bueno de Mesquita's projection and the threat index are column arithmetic;
* the Signorino-Ritter S-scores use the identity ``|a − b| = a + b − 2·min(a, b)`` with
  ``min(a, b) = Σ_v 1[a ≥ v]·1[b ≥ v]``: per year, three dense n×n matrix products (BLAS) per
  weighting instead of a self-merge of N³ rows; the year's n×n results are read off in the
  frame's row order.

Same inputs and formulas as :func:`ncrealism.system.threat.dyad_threat_frame`; used for timing
and as a cross-check of the library. Not part of the library.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

X0 = math.log10(10 - math.e)
ALLIANCE_LAST_YEAR = 2012
FLAGS = ("defense_pact", "neutrality", "nonaggression", "entente")


@dataclass
class Tables:
    """Inputs as pandas frames.

    ``states``: ccode, year, cinc, milex, milper. ``alliances``: ccode1 < ccode2, year,
    defense_pact, neutrality, nonaggression, entente (0/1). ``contiguity``: ccode1, ccode2,
    year, conttype (directed). ``capdist``: ccode1, ccode2, miles. ``nuclear``: ccode, year,
    nuclear (0/1). ``ideal``: ccode, year, ideal. ``ideal_range``: largest ideal-point distance.
    """

    states: pd.DataFrame
    alliances: pd.DataFrame
    contiguity: pd.DataFrame
    capdist: pd.DataFrame
    nuclear: pd.DataFrame
    ideal: pd.DataFrame
    ideal_range: float


def _s_scores(d: pd.DataFrame, st: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Unweighted and CINC-weighted S of every row of ``d`` (ordered by year, ccode1, ccode2)."""
    s_u = np.empty(len(d))
    s_w = np.empty(len(d))
    level = d["alliance_level"].to_numpy()
    pos = 0
    for _, g in st.groupby("year", sort=True):
        n = len(g)
        m = n * (n - 1)
        lev = np.full((n, n), 3.0)
        off = ~np.eye(n, dtype=bool)
        lev[off] = level[pos : pos + m]
        x = [(lev >= v).astype(float) for v in (1, 2, 3)]
        for out, w in ((s_u, np.ones(n)), (s_w, g["cinc"].fillna(0.0).to_numpy())):
            r = lev @ w
            cross = sum((xv * w) @ xv.T for xv in x)
            dist = (r[:, None] + r[None, :] - 2.0 * cross) / (3.0 * w.sum())
            out[pos : pos + m] = 1.0 - 2.0 * np.clip(dist, 0.0, 1.0)[off]
        pos += m
    return s_u, s_w


def miles_per_day(year: pd.Series) -> np.ndarray:
    """The default era rates of ``LossOfStrength``."""
    y = year.to_numpy()
    return np.where(y < 1919, 250.0, np.where(y < 1946, 375.0, 500.0))


def build(t: Tables) -> pd.DataFrame:
    """The whole directed dyad-year frame with every measure."""
    st = t.states.sort_values(["year", "ccode"], ignore_index=True)
    for col in ("milex", "milper"):
        total = st.groupby("year")[col].transform("sum")
        st[f"{col}_s"] = (st[col] / total).where(total > 0)
    st["mil"] = st[["milex_s", "milper_s"]].mean(axis=1, skipna=True)
    st = st.merge(t.nuclear, on=["ccode", "year"], how="left")
    st["nuclear"] = st["nuclear"].fillna(0.0)
    st = st.merge(t.ideal, on=["ccode", "year"], how="left")
    cols = ["ccode", "year", "cinc", "mil", "nuclear", "ideal"]

    d = st[cols].merge(st[cols], on="year", suffixes=("1", "2"))
    d = d[d["ccode1"] != d["ccode2"]].reset_index(drop=True)

    al = t.alliances
    both = pd.concat(
        [al, al.rename(columns={"ccode1": "ccode2", "ccode2": "ccode1"})], ignore_index=True
    ).rename(columns={"year": "ayear"})
    d["ayear"] = d["year"].clip(upper=ALLIANCE_LAST_YEAR)
    d = d.merge(both, on=["ccode1", "ccode2", "ayear"], how="left")
    for f in FLAGS:
        d[f] = d[f].fillna(0).astype(bool)
    d["alliance_level"] = np.select(
        [d["defense_pact"], d["neutrality"] | d["nonaggression"], d["entente"]], [3, 2, 1], 0
    )
    d = d.merge(t.contiguity, on=["ccode1", "ccode2", "year"], how="left")
    d["conttype"] = d["conttype"].fillna(0).astype(int)
    d = d.merge(t.capdist, on=["ccode1", "ccode2"], how="left")

    d["power_share"] = d["cinc1"] / (d["cinc1"] + d["cinc2"])
    d["power_ratio"] = d["cinc1"] / d["cinc2"]
    expo = np.log10(d["miles"] / miles_per_day(d["year"]) + 10 - math.e)
    d["cinc1_projected"] = d["cinc1"] ** expo
    d["cinc2_projected"] = d["cinc2"] ** expo

    d["s_unweighted"], d["s_weighted"] = _s_scores(d, st)

    # Threat of ccode2 to ccode1.
    d["aggregate_power"] = d["cinc2"]
    d["proximity"] = d["cinc2"] ** (expo - X0)
    mratio = d["mil2"] / (d["mil1"] + d["mil2"])
    off = 0.5 * d["nuclear2"] + 0.5 * mratio
    d["offensive"] = off.where(mratio.notna(), d["nuclear2"])
    udist = (d["ideal1"] - d["ideal2"]).abs() / t.ideal_range
    adis = (1 - d["s_unweighted"]) / 2
    ai = 0.5 * udist + 0.5 * adis
    d["intentions"] = ai.where(udist.notna(), adis)
    d["threat"] = d["aggregate_power"] * d["proximity"] * d["offensive"] * d["intentions"]
    d["allied"] = d["defense_pact"] | d["entente"]
    return d
