"""The model's inputs for one state: the structural reading (IV) and domestic indicators, by year.

:func:`build_inputs` is the single boundary between the data and the decision model. Its
*system* columns (:data:`SYSTEM_COLUMNS`) are structural: capabilities, alliances,
contiguity, nuclear status and outside shocks from a context-event file. Its *domestic*
columns (:data:`DOMESTIC_COLUMNS`) are unit-level indicators that only a non-neutral
perception filter reads (the neutral filter ignores them; a test checks it).

Timing. A prediction for year t may use inputs only: data measured in year t - 1
(``data_year``; capabilities, alliances, contiguity, nuclear status, GDP, regime), and context
events dated up to the end of year t, each weighted by the share of year t during which it was
in effect (:func:`exposure`). It never reads any behaviour record. Years past the end of a data
source use its last year (``carried`` = True; context events still enter by date), so years the
package has never seen work unchanged.

Structural reading (the system layer; Walt 1987)
--------------------------------------------------
The balance of threat comes from :func:`ncrealism.system.threat.threat_faced` (aggregate power
x loss-of-strength proximity x offensive capability x intentions, in CINC units) and own
capability from :func:`ncrealism.system.capabilities.capabilities` (CINC recomputed; past NMC's
last year, extended by the system layer's splicing rules). For the focal state i and data year
y, with tau_j the threat index of each source j not allied with i, s_k the projected power
(CINC x proximity) of each defence-pact ally k (a guarantee of intervention; weaker
obligations are not counted as support, though the system layer's ``allied`` flag still keeps
those partners out of the threat), and c_i own CINC, the pool is P = c_i + sum_j tau_j +
sum_k s_k and

* ``threat`` T = sum_j tau_j / P: the share of the pool that threatens (0-1);
* ``ally_support`` A = sum_k s_k (1 - d_k) / P, where d_k is patron defection (below);
* ``relative_power`` r = c_i / P.

T + A + r = 1 before defection: threat, support and own power are read on one scale, so the
decision layer can weigh them against each other.

Outside shocks (context events)
-------------------------------
Each event at time tau (fractional year, :func:`ncrealism.data.records.read_context_events`)
contributes to year t its mean effect over the year, with an exponential decay of time
constant ``tau_c`` years (:func:`exposure`). Channels by event type (time constants are
conventions of this library, set before any fitting and not tuned):

=====================  ===============  =====  =============================================
type                   channel          tau_c  note
=====================  ===============  =====  =============================================
sanction               sanctions        2      s = 1 - exp(-E)
inducement             inducements      2      i = 1 - exp(-E)
us_policy              signals          1      enters clarity only
systemic_stimulus      signals          1      and, if the actor is an ally: defection
                       defection        inf    d_k = 1/2 min(1, E): half the ally's weight
domestic_leadership    succession       3      if the actor is the focal state
domestic_crisis,       crisis           3      if the actor is the focal state
domestic_shock
=====================  ===============  =====  =============================================

``clarity`` = 1 - exp(-(E_signals + E_sanctions + E_inducements)): explicit outside signals
make threats and options clearer (Ripsman, Taliaferro & Lobell 2016, ch. 2). Events of other
types are counted in ``unmapped_events`` and otherwise ignored. A domestic event whose actor
names no recognisable state is taken to concern the focal state.

Domestic indicators
-------------------
* ``econ_shock``: the fall of GDP per capita (Maddison Project 2020) in year t - 1 below its
  highest level of the ten years before, divided by 0.10 and capped at 1: a 10% cumulative
  fall is the threshold of an economic disaster in Barro & Ursua (2008, *Brookings Papers*).
  ISO3 codes are matched to COW codes through the UNGA ideal-point file, which carries both.
* ``regime_transition``: 1 if Polity5's ``durable`` in t - 1 is at most 2 (a regime
  transition, a 3-point change in the Polity score, in the last three years: Marshall & Gurr
  2020, *Polity5 Users' Manual*), else 0.
* ``succession``, ``domestic_crisis``: min(1, E) of the context channels above.
* ``regime_vulnerability`` RV = 1 - (1 - econ)(1 - crisis)(1 - succession)(1 - transition),
  missing components counted as 0.

Frame returned by :func:`build_inputs` (one row per year)
-----------------------------------------------------------
======================  ==================================  ========================================
column                  dtype                               meaning (unit; source)
======================  ==================================  ========================================
ccode                   Int64                               COW code of the focal state
year                    Int64                               year of the decision
data_year               Int64                               year of the data used (year - 1)
carried                 Boolean                             data_year lies past a source's end
                                                            (capabilities extended, alliances or
                                                            contiguity carried forward)
cinc                    Float64                             own CINC (share of system; COW NMC,
                                                            recomputed by the system layer)
relative_power          Float64                             r, 0-1 (system layer)
threat                  Float64                             T, 0-1 (system layer: threat_faced)
ally_support            Float64                             A, 0-1 (system layer; context events)
threat_sources          List(Struct{ccode: Int64,           non-allied sources of threat (COW code,
                        abb: Utf8, share: Float64})         abbreviation) and their shares
                                                            tau_j / P (0-1), largest first
allies                  List(Int64)                         defence-pact allies
nuclear_latency         Float64                             own nuclear status in data_year / 3
                                                            (Bleek 2017 via OWID: 0 none ... 3 has)
sanctions               Float64                             0-1 (context events)
inducements             Float64                             0-1 (context events)
clarity                 Float64                             0-1 (context events)
patron_defection        Float64                             mean defection d_k over allies, 0-1
econ_shock              Float64 (null: no data)             0-1 (Maddison Project 2020)
regime_transition       Float64 (null: no data)             0 or 1 (Polity5)
succession              Float64                             0-1 (context events)
domestic_crisis         Float64                             0-1 (context events)
regime_vulnerability    Float64                             RV, 0-1
unmapped_events         Int64                               context events of unknown type that year
======================  ==================================  ========================================
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

import polars as pl

from ncrealism.data.fetch import DataSource
from ncrealism.data.nmc import DEFAULT_NMC_VERSION, NMC_LAST_YEAR
from ncrealism.errors import DataFileError, InputError

__all__ = [
    "CHANNELS",
    "DOMESTIC_COLUMNS",
    "SYSTEM_COLUMNS",
    "build_inputs",
    "context_channels",
    "exposure",
    "structural_panel",
]

#: Columns of the structural reading (the independent variable).
SYSTEM_COLUMNS: tuple[str, ...] = (
    "threat",
    "ally_support",
    "relative_power",
    "threat_sources",
    "nuclear_latency",
    "sanctions",
    "inducements",
    "clarity",
)
#: Unit-level columns that only a non-neutral filter reads.
DOMESTIC_COLUMNS: tuple[str, ...] = (
    "econ_shock",
    "regime_transition",
    "succession",
    "domestic_crisis",
    "regime_vulnerability",
)

#: Context-event type -> (channel, decay time constant in years; inf = persistent).
CHANNELS: dict[str, tuple[str, float]] = {
    "sanction": ("sanctions", 2.0),
    "inducement": ("inducements", 2.0),
    "us_policy": ("signals", 1.0),
    "systemic_stimulus": ("signals", 1.0),
    "domestic_leadership": ("succession", 3.0),
    "domestic_crisis": ("crisis", 3.0),
    "domestic_shock": ("crisis", 3.0),
}
_DEFECTION_TAU = math.inf
#: Share of an ally's weight lost when it defects (e.g. recognises the adversary). Convention.
DEFECTION_LOSS = 0.5
#: Cumulative fall of GDP per capita that counts as an economic disaster (Barro & Ursua 2008).
DISASTER_FALL = 0.10


def exposure(event_time: float, year: int, tau: float) -> float:
    """Mean effect during calendar year ``year`` of an event at ``event_time`` (fractional year).

    E = integral over u in [year, year + 1) of 1[u >= tau_e] exp(-(u - tau_e)/tau) du. With
    tau = inf this is the share of the year after the event (then 1 in every later year).
    """
    a = max(float(year), event_time)
    b = float(year) + 1.0
    if a >= b:
        return 0.0
    if math.isinf(tau):
        return b - a
    return tau * (math.exp(-(a - event_time) / tau) - math.exp(-(b - event_time) / tau))


def _year_list(years: int | Iterable[int] | tuple[int, int]) -> list[int]:
    if isinstance(years, int):
        return [years]
    if isinstance(years, tuple) and len(years) == 2:
        a, b = int(years[0]), int(years[1])
        if a > b:
            raise InputError(f"year span {a}:{b} is reversed")
        return list(range(a, b + 1))
    out = sorted({int(y) for y in years})
    if not out:
        raise InputError("no years given")
    return out


# --------------------------------------------------------------------------- structure
_NMC_LAST = NMC_LAST_YEAR
_DEFENCE_LEVEL = 3


def _ext_year(data_years: Sequence[int], nmc_version: str) -> int | None:
    """The year capabilities must be extended to (past NMC's last year), or ``None``."""
    if nmc_version not in _NMC_LAST:
        raise InputError(f"unknown NMC version '{nmc_version}'; choose 6.0 or 7.0")
    last = _NMC_LAST[nmc_version]
    return max(data_years) if max(data_years) > last else None


#: Columns of :func:`structural_panel` (and of one state's structural reading).
STRUCTURAL_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "ccode": pl.Int64,
    "data_year": pl.Int64,
    "extended": pl.Boolean,
    "alliance_carried": pl.Boolean,
    "cinc": pl.Float64,
    "sources": pl.List(pl.Struct({"ccode": pl.Int64, "abb": pl.Utf8, "threat": pl.Float64})),
    "support": pl.List(pl.Struct({"ccode": pl.Int64, "projected_power": pl.Float64})),
}


def _structural_frame(threats: pl.DataFrame, caps: pl.DataFrame) -> pl.DataFrame:
    """The components of the structural reading of every target-year at once.

    ``threats``: rows of :func:`ncrealism.system.threat.threat_faced` for any number of
    targets; ``caps``: ``ccode``, ``year``, ``cinc``, ``extended`` of the target-years wanted
    (:func:`ncrealism.system.capabilities.capabilities`, rows with a CINC). One row per row of
    ``caps``, the columns of :func:`structural_panel`; a target-year without dyad rows has no
    source of threat and no ally.
    """
    allied = pl.col("allied").fill_null(False)
    hostile = ~allied & pl.col("threat").is_not_null() & (pl.col("threat") > 0)
    pact = (
        allied
        & (pl.col("alliance_level") == _DEFENCE_LEVEL)
        & pl.col("projected_power").is_not_null()
    )
    source = pl.struct(
        pl.col("source_ccode").cast(pl.Int64).alias("ccode"),
        pl.col("source_abb").fill_null("").alias("abb"),
        pl.col("threat"),
    )
    ally = pl.struct(pl.col("source_ccode").cast(pl.Int64).alias("ccode"), "projected_power")
    agg = threats.group_by(
        pl.col("target").cast(pl.Int64).alias("ccode"),
        pl.col("year").cast(pl.Int64).alias("data_year"),
    ).agg(
        source.filter(hostile)
        .sort_by(
            [pl.col("threat").filter(hostile), pl.col("source_ccode").filter(hostile)],
            descending=[True, False],
        )
        .alias("sources"),
        # In the order of threat_faced (threat, largest first), so the sums add up the same.
        ally.filter(pact)
        .sort_by(
            [pl.col("threat").filter(pact), pl.col("source_ccode").filter(pact)],
            descending=[True, False],
            nulls_last=True,
        )
        .alias("support"),
        pl.col("alliance_carried").fill_null(False).any().alias("alliance_carried"),
    )
    out = (
        caps.select(
            pl.col("ccode").cast(pl.Int64),
            pl.col("year").cast(pl.Int64).alias("data_year"),
            pl.col("extended").cast(pl.Boolean),
            pl.col("cinc").cast(pl.Float64),
        )
        .join(agg, on=["ccode", "data_year"], how="left")
        .with_columns(
            pl.col("alliance_carried").fill_null(False),
            pl.col("sources").fill_null([]),
            pl.col("support").fill_null([]),
        )
        .sort("ccode", "data_year")
    )
    return out.select(pl.col(c).cast(t) for c, t in STRUCTURAL_SCHEMA.items())


def structural_panel(
    data_years: Iterable[int] | tuple[int, int] | None = None,
    *,
    source: DataSource | None = None,
    nmc_version: str = DEFAULT_NMC_VERSION,
) -> pl.DataFrame:
    """The components of the structural reading of every state with a CINC, in every data year
    of ``data_years`` (default: all years of the NMC release), computed at once.

    The threat every source poses to every state comes from one pass over all directed
    dyad-years (:func:`ncrealism.system.threat.threat_faced_all`), which costs about what one
    state's :func:`~ncrealism.system.threat.threat_faced` over the same years costs; pass the
    result to :func:`build_inputs` (``structural=``) to build the inputs of many states without
    recomputing it. Columns (one row per state and data year, sorted by both):

    ====================  ===========================================  =====================
    column                dtype                                        meaning
    ====================  ===========================================  =====================
    ccode                 Int64                                        COW code
    data_year             Int64                                        year of the data
    extended              Boolean                                      capabilities extended
                                                                       past NMC's last year
    alliance_carried      Boolean                                      alliances carried
                                                                       forward
    cinc                  Float64                                      own CINC c_i
    sources               List(Struct{ccode: Int64, abb: Utf8,         non-allied sources of
                          threat: Float64})                            threat and tau_j (CINC
                                                                       units), largest first
    support               List(Struct{ccode: Int64,                    defence-pact allies and
                          projected_power: Float64})                   s_k (CINC units)
    ====================  ===========================================  =====================
    """
    from ncrealism.system.capabilities import capabilities
    from ncrealism.system.threat import threat_faced_all

    src = source or DataSource.from_env()
    version: Any = nmc_version
    if data_years is None:
        if nmc_version not in _NMC_LAST:
            raise InputError(f"unknown NMC version '{nmc_version}'; choose 6.0 or 7.0")
        yrs = sorted(set(capabilities(version, source=src)["year"].to_list()))
    else:
        yrs = _year_list(data_years)
    ext = _ext_year(yrs, nmc_version)
    caps = capabilities(version, extend_to=ext, source=src).filter(
        pl.col("year").is_in(yrs) & pl.col("cinc").is_not_null()
    )
    threats = threat_faced_all(yrs, source=src, version=version, extend_to=ext)
    return _structural_frame(threats, caps)


def _structural(
    ccode: int,
    data_years: Sequence[int],
    source: DataSource,
    nmc_version: str,
    panel: pl.DataFrame | None = None,
) -> list[dict[str, Any]]:
    """The system layer's reading of each data year, on the decision layer's 0-1 scales
    (from ``panel``, a :func:`structural_panel`, when given)."""
    if panel is None:
        from ncrealism.system.capabilities import capabilities
        from ncrealism.system.threat import threat_faced

        version: Any = nmc_version
        ext = _ext_year(data_years, nmc_version)
        caps = capabilities(version, extend_to=ext, source=source).filter(
            (pl.col("ccode") == ccode)
            & pl.col("year").is_in(list(data_years))
            & pl.col("cinc").is_not_null()
        )
        tf = threat_faced(ccode, list(data_years), source=source, version=version, extend_to=ext)
        rows = _structural_frame(tf, caps)
    else:
        rows = panel.filter((pl.col("ccode") == ccode) & pl.col("data_year").is_in(data_years))
    own = {int(r["data_year"]): r for r in rows.iter_rows(named=True)}
    absent = [y for y in data_years if y not in own]
    if absent:
        raise InputError(
            f"state {ccode} has no capabilities (COW NMC v{nmc_version}) in data year(s) "
            f"{absent[:5]}: a decision in year t reads the data of t - 1"
        )
    out: list[dict[str, Any]] = []
    for y in data_years:
        r = own[y]
        tau = {int(x["ccode"]): float(x["threat"]) for x in r["sources"]}
        sup = {int(x["ccode"]): float(x["projected_power"]) for x in r["support"]}
        c_i = float(r["cinc"])
        pool = c_i + sum(tau.values()) + sum(sup.values())
        abbs = {int(x["ccode"]): str(x["abb"]) for x in r["sources"]}
        out.append(
            {
                "data_year": y,
                "carried": bool(r["extended"]) or bool(r["alliance_carried"]),
                "cinc": c_i,
                "relative_power": c_i / pool,
                "pool": pool,
                "support": sup,
                "allies": sorted(sup),
                "threat_sources": [
                    {"ccode": j, "abb": abbs[j], "share": t / pool} for j, t in tau.items()
                ],
                "threat": sum(tau.values()) / pool,
            }
        )
    return out


def _actor_codes(actor: str | None, source: DataSource) -> set[int]:
    """COW codes of the states an event's actor names (resolved once per source and actor
    text: an unknown name costs a fuzzy search of the COW names)."""
    if not actor:
        return set()
    return set(source.memo(("context_actor_codes", actor), lambda: _resolve_actor(actor, source)))


def _resolve_actor(actor: str, source: DataSource) -> frozenset[int]:
    from ncrealism.system._common import resolve_state

    out: set[int] = set()
    for tok in re.split(r"[;,()/]", actor):
        t = tok.strip()
        if not t:
            continue
        try:
            out.add(resolve_state(t, source))
        except DataFileError:  # a broken data file is not an unknown actor
            raise
        except InputError:  # a body such as UNSC or KEDO is not a state
            continue
    return frozenset(out)


def context_channels(
    context: pl.DataFrame,
    ccode: int,
    years: Sequence[int],
    *,
    allies: dict[int, list[int]] | None = None,
    source: DataSource | None = None,
    ex_ante: bool = False,
) -> pl.DataFrame:
    """Exposure of each context channel by year (see the module docstring).

    ``ex_ante``: the row of year t reads only the events dated before 1 January of t (the
    inputs known when a forecast of year t is made); by default it also reads the events of t.

    Returns one row per year: ``year`` (Int64) and Float64 columns ``sanctions``,
    ``inducements``, ``signals``, ``succession``, ``crisis`` (exposures E, years of effect),
    ``defection`` (Struct-free: a JSON-like text of ally -> d_k, in ``defection_by_ally``
    List(Struct{ccode, d})), and ``unmapped_events`` (Int64). ``allies`` maps each year to the
    focal state's allies (defection is computed for them only).
    """
    source = source or DataSource.from_env()
    need = {"time", "type", "actor"}
    if not need <= set(context.columns):
        raise InputError(
            f"context frame lacks column(s) {sorted(need - set(context.columns))}; read it "
            "with ncrealism.data.records.read_context_events"
        )
    events = [
        (float(t), str(ty), _actor_codes(a, source))
        for t, ty, a in context.select("time", "type", "actor").iter_rows()
        if t is not None and ty is not None
    ]
    rows: list[dict[str, Any]] = []
    for y in years:
        e = dict.fromkeys(("sanctions", "inducements", "signals", "succession", "crisis"), 0.0)
        defect: dict[int, float] = {}
        unmapped = 0
        yr_allies = set((allies or {}).get(y, []))
        for t, ty, actors in events:
            if ex_ante and t >= y:
                continue
            if ty not in CHANNELS:
                if math.floor(t) == y:
                    unmapped += 1
                continue
            channel, tau = CHANNELS[ty]
            if channel in ("succession", "crisis") and actors and ccode not in actors:
                continue
            e[channel] += exposure(t, y, tau)
            if ty == "systemic_stimulus":
                for k in actors & yr_allies:
                    defect[k] = defect.get(k, 0.0) + exposure(t, y, _DEFECTION_TAU)
        rows.append(
            {
                "year": y,
                **e,
                "defection_by_ally": [
                    {"ccode": k, "d": DEFECTION_LOSS * min(1.0, v)}
                    for k, v in sorted(defect.items())
                ],
                "unmapped_events": unmapped,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "year": pl.Int64,
            "sanctions": pl.Float64,
            "inducements": pl.Float64,
            "signals": pl.Float64,
            "succession": pl.Float64,
            "crisis": pl.Float64,
            "defection_by_ally": pl.List(pl.Struct({"ccode": pl.Int64, "d": pl.Float64})),
            "unmapped_events": pl.Int64,
        },
    )


def _nuclear_latency(ccode: int, data_years: Sequence[int], source: DataSource) -> list[float]:
    """Nuclear status / 3 by year (OWID, after Bleek 2017), the last coded year carried on."""
    from ncrealism.data.nuclear import load_nuclear_status

    table = source.memo("nuclear_status", lambda: load_nuclear_status(source=source))
    sub = table.filter(pl.col("ccode") == ccode).drop_nulls("nuclear_status")
    status = dict(zip(sub["year"].to_list(), sub["nuclear_status"].to_list(), strict=True))
    last = max(status) if status else None
    out = []
    for y in data_years:
        yy = min(y, last) if last is not None else y
        out.append(float(status.get(yy, 0.0)) / 3.0)
    return out


def _econ_shock(ccode: int, data_years: Sequence[int], source: DataSource) -> list[float | None]:
    """Fall of GDP per capita below its 10-year peak (Maddison 2020), scaled to 0-1."""
    from ncrealism.data.economy import load_maddison

    table = source.memo("maddison", lambda: load_maddison(source=source))
    sub = table.filter(pl.col("ccode") == ccode).drop_nulls("gdppc")
    g = {int(y): float(v) for y, v in sub.select("year", "gdppc").iter_rows()}
    out: list[float | None] = []
    for y in data_years:
        if y not in g:
            out.append(None)
            continue
        window = [g[k] for k in range(y - 10, y + 1) if k in g]
        fall = 1.0 - g[y] / max(window)
        out.append(min(1.0, max(0.0, fall) / DISASTER_FALL))
    return out


def _regime_transition(
    ccode: int, data_years: Sequence[int], source: DataSource
) -> list[float | None]:
    """1 in the two years after a regime change (Polity5 ``durable`` <= 2), else 0."""
    from ncrealism.data.regime import load_polity

    table = source.memo("polity5", lambda: load_polity(source=source))
    sub = table.filter(pl.col("ccode") == ccode).drop_nulls("durable")
    dur = dict(zip(sub["year"].to_list(), sub["durable"].to_list(), strict=True))
    return [None if y not in dur else (1.0 if dur[y] <= 2 else 0.0) for y in data_years]


def build_inputs(
    ccode: int,
    years: int | Iterable[int] | tuple[int, int],
    *,
    context: pl.DataFrame | None = None,
    source: DataSource | None = None,
    nmc_version: str = DEFAULT_NMC_VERSION,
    ex_ante: bool = False,
    structural: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The model's inputs for state ``ccode`` (COW code), one row per year.

    ``years``: a year, an inclusive ``(first, last)`` pair or any iterable of years.
    ``context``: outside shocks as read by
    :func:`ncrealism.data.records.read_context_events` (``None``: no shocks). ``ex_ante``: each
    year reads only the context events dated before it starts (:func:`context_channels`).
    Columns, units and sources are documented in this module's docstring. ``nmc_version``: the
    COW NMC release the capabilities come from (default
    :data:`ncrealism.data.nmc.DEFAULT_NMC_VERSION`, v7.0). ``structural``: a
    :func:`structural_panel` of the same ``source`` and ``nmc_version`` covering the data
    years, read instead of computing the threat the state faces again (the same frame, for a
    fraction of the cost, when the inputs of many states are wanted).
    """
    source = source or DataSource.from_env()
    yrs = _year_list(years)
    data_years = [y - 1 for y in yrs]
    struct = _structural(int(ccode), data_years, source, nmc_version, structural)
    allies_by_year = {y: s["allies"] for y, s in zip(yrs, struct, strict=True)}
    events = (
        context
        if context is not None and context.height > 0
        else pl.DataFrame(schema={"time": pl.Float64, "type": pl.Utf8, "actor": pl.Utf8})
    )
    ch = context_channels(
        events, int(ccode), yrs, allies=allies_by_year, source=source, ex_ante=ex_ante
    )
    nuc = _nuclear_latency(int(ccode), data_years, source)
    econ = _econ_shock(int(ccode), data_years, source)
    trans = _regime_transition(int(ccode), data_years, source)
    rows: list[dict[str, Any]] = []
    for i, y in enumerate(yrs):
        s = struct[i]
        c = ch.row(i, named=True)
        d = {int(x["ccode"]): float(x["d"]) for x in c["defection_by_ally"]}
        sup = s["support"]
        ally = sum(v * (1.0 - d.get(k, 0.0)) for k, v in sup.items()) / s["pool"]
        succession = min(1.0, c["succession"])
        crisis = min(1.0, c["crisis"])
        parts = [econ[i] or 0.0, crisis, succession, trans[i] or 0.0]
        rv = 1.0 - math.prod(1.0 - p for p in parts)
        rows.append(
            {
                "ccode": int(ccode),
                "year": y,
                "data_year": s["data_year"],
                "carried": s["carried"],
                "cinc": s["cinc"],
                "relative_power": s["relative_power"],
                "threat": s["threat"],
                "ally_support": ally,
                "threat_sources": s["threat_sources"],
                "allies": s["allies"],
                "nuclear_latency": nuc[i],
                "sanctions": 1.0 - math.exp(-c["sanctions"]),
                "inducements": 1.0 - math.exp(-c["inducements"]),
                "clarity": 1.0 - math.exp(-(c["signals"] + c["sanctions"] + c["inducements"])),
                "patron_defection": (sum(d.values()) / len(s["allies"])) if s["allies"] else 0.0,
                "econ_shock": econ[i],
                "regime_transition": trans[i],
                "succession": succession,
                "domestic_crisis": crisis,
                "regime_vulnerability": rv,
                "unmapped_events": c["unmapped_events"],
            }
        )
    return pl.DataFrame(rows, schema=INPUT_SCHEMA)


INPUT_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "ccode": pl.Int64,
    "year": pl.Int64,
    "data_year": pl.Int64,
    "carried": pl.Boolean,
    "cinc": pl.Float64,
    "relative_power": pl.Float64,
    "threat": pl.Float64,
    "ally_support": pl.Float64,
    "threat_sources": pl.List(pl.Struct({"ccode": pl.Int64, "abb": pl.Utf8, "share": pl.Float64})),
    "allies": pl.List(pl.Int64),
    "nuclear_latency": pl.Float64,
    "sanctions": pl.Float64,
    "inducements": pl.Float64,
    "clarity": pl.Float64,
    "patron_defection": pl.Float64,
    "econ_shock": pl.Float64,
    "regime_transition": pl.Float64,
    "succession": pl.Float64,
    "domestic_crisis": pl.Float64,
    "regime_vulnerability": pl.Float64,
    "unmapped_events": pl.Int64,
}
