"""The directed dyad-year frame written as straightforward per-year pandas merges (a baseline).

For each year: cross-join the states, merge capabilities, alliances, contiguity and capital
distances onto the dyads, compute the alliance-portfolio S-score by self-merging the long table
of tie levels on the third state k (N³ rows), then the threat index. Same inputs and the same
formulas as :func:`ncrealism.system.threat.dyad_threat_frame`; used only for timing and as a
cross-check of the array version. Not part of the library.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

X0 = math.log10(10 - math.e)


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


def miles_per_day(year: int) -> float:
    """The default era rates of ``LossOfStrength``."""
    return 250.0 if year < 1919 else 375.0 if year < 1946 else 500.0


def one_year(t: Tables, year: int) -> pd.DataFrame:
    st = t.states[t.states["year"] == year].copy()
    for col in ("milex", "milper"):
        total = st[col].sum(skipna=True)
        st[f"{col}_s"] = st[col] / total if total > 0 else np.nan
    st["mil"] = st[["milex_s", "milper_s"]].mean(axis=1, skipna=True)
    nuc = t.nuclear[t.nuclear["year"] == year][["ccode", "nuclear"]]
    st = st.merge(nuc, on="ccode", how="left")
    st["nuclear"] = st["nuclear"].fillna(0.0)
    st = st.merge(t.ideal[t.ideal["year"] == year][["ccode", "ideal"]], on="ccode", how="left")
    left = st[["ccode", "cinc", "mil", "nuclear", "ideal"]].add_suffix("1")
    right = st[["ccode", "cinc", "mil", "nuclear", "ideal"]].add_suffix("2")
    d = left.merge(right, how="cross")
    d = d[d["ccode1"] != d["ccode2"]].copy()
    d["year"] = year

    al = t.alliances[t.alliances["year"] == year]
    both = pd.concat(
        [al, al.rename(columns={"ccode1": "ccode2", "ccode2": "ccode1"})], ignore_index=True
    )
    d = d.merge(
        both[["ccode1", "ccode2", "defense_pact", "neutrality", "nonaggression", "entente"]],
        on=["ccode1", "ccode2"],
        how="left",
    )
    for f in ("defense_pact", "neutrality", "nonaggression", "entente"):
        d[f] = d[f].fillna(0).astype(bool)
    d["alliance_level"] = np.select(
        [d["defense_pact"], d["neutrality"] | d["nonaggression"], d["entente"]], [3, 2, 1], 0
    )
    ct = t.contiguity[t.contiguity["year"] == year][["ccode1", "ccode2", "conttype"]]
    d = d.merge(ct, on=["ccode1", "ccode2"], how="left")
    d["conttype"] = d["conttype"].fillna(0).astype(int)
    d = d.merge(t.capdist, on=["ccode1", "ccode2"], how="left")

    d["power_share"] = d["cinc1"] / (d["cinc1"] + d["cinc2"])
    d["power_ratio"] = d["cinc1"] / d["cinc2"]
    mpd = miles_per_day(year)
    expo = np.log10(d["miles"] / mpd + 10 - math.e)
    d["cinc1_projected"] = d["cinc1"] ** expo
    d["cinc2_projected"] = d["cinc2"] ** expo

    # S-score: self-merge of the long table of tie levels on the third state k.
    n = len(st)
    lev = pd.concat(
        [
            d[["ccode1", "ccode2", "alliance_level"]].rename(
                columns={"ccode1": "i", "ccode2": "k", "alliance_level": "a"}
            ),
            pd.DataFrame({"i": st["ccode"], "k": st["ccode"], "a": 3}),
        ],
        ignore_index=True,
    )
    w = st[["ccode", "cinc"]].rename(columns={"ccode": "k", "cinc": "w"}).fillna({"w": 0.0})
    lev = lev.merge(w, on="k", how="left")
    m = lev.merge(lev[["i", "k", "a"]], on="k", suffixes=("_i", "_j"))
    m["diff"] = (m["a_i"] - m["a_j"]).abs()
    m["wdiff"] = m["diff"] * m["w"]
    g = m.groupby(["i_i", "i_j"], as_index=False)[["diff", "wdiff"]].sum()
    g["s_unweighted"] = 1 - 2 * g["diff"] / (3 * n)
    g["s_weighted"] = 1 - 2 * g["wdiff"] / (3 * w["w"].sum())
    g = g.rename(columns={"i_i": "ccode1", "i_j": "ccode2"})
    d = d.merge(g[["ccode1", "ccode2", "s_unweighted", "s_weighted"]], on=["ccode1", "ccode2"])

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


def build(t: Tables, years: list[int]) -> pd.DataFrame:
    """Concatenate :func:`one_year` over ``years``."""
    return pd.concat([one_year(t, y) for y in years], ignore_index=True)
