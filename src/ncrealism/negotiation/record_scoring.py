"""Scoring the bargaining model on the coded negotiation record (1993-2009).

For every episode of ``negotiations_1993_2009.csv`` the model is rebuilt **from information
available when the episode opened** and asked two questions: is there a zone of agreement
(:func:`ncrealism.negotiation.bargaining.find_zone`), and, if so, how long would the Nash
agreement hold (:func:`ncrealism.negotiation.commitment.durability`, expected days)? The answers
are compared with the recorded ``outcome`` and ``held_days``.

What each episode's model is made of
    * parties: the episode's ``parties``, with the stances of the record template of the US
      administration in office at the start (``record_template_1993`` before 20 January 2001,
      ``record_template_2001`` from then on; the templates' stances are coded once, not per
      episode);
    * capabilities: COW CINC of the year before the start (system layer), capability trends
      over the five years up to it;
    * the perception filter: the DPRK profile for the start year (its period: Kim Il Sung,
      succession, military-first);
    * the DPRK's nuclear status: the ``nuclear_status`` dataset (Bleek 2017, via OWID) for the
      year before the start; when it records possession, the template's ``reservation_floor``
      applies, otherwise the floor is 0;
    * sanctions and inducements in force: events of the context file whose latest possible date
      (end of the month or year for coarse dates) precedes the start. Each ``sanction`` adds
      :attr:`RecordRules.sanction_step` to the sanctions pressure; each ``inducement`` adds
      :attr:`RecordRules.inducement_step` to the credibility of the assurances offered.

Nothing about an episode's outcome, end date or later events enters its model.

Scores
    * agreement: predicted "zone exists" against the recorded outcome, coded strictly
      (``agreement`` only) and leniently (``agreement`` or ``partial``); accuracy, the confusion
      counts, and the accuracy of always predicting the majority outcome (a baseline);
    * durability: Spearman's rank correlation (Spearman 1904; :func:`scipy.stats.spearmanr`,
      average ranks for ties) between predicted expected days (0 where no zone is predicted)
      and recorded ``held_days``, over the episodes with a recorded ``held_days``.

Frame returned by :attr:`RecordScore.episodes` (one row per episode, record order):

==================  ========  ===============================================================
column              dtype     meaning (unit)
==================  ========  ===============================================================
episode_id          Utf8      record key
framework           Utf8      negotiation framework
start_date          Date      start (first day of the month for month-precision dates)
parties             Utf8      ``;``-separated parties
template            Utf8      record template used
capability_year     Int64     year of the CINC values (start year − 1)
dprk_possessing     Boolean   nuclear_status dataset records possession in capability_year
sanctions_pressure  Float64   sanctions pressure used ([0, 1])
offer_credibility   Float64   credibility of the assurances offered ([0, 1])
zone_exists         Boolean   predicted: a zone of agreement exists
margin              Float64   zone margin (issue-scale units; < 0: no zone)
binding             Utf8      binding dimension(s), ``;``-separated
expected_days       Float64   predicted expected days held (days, truncated at 20 years;
                              0 without a zone)
outcome             Utf8      recorded outcome
agreement           Boolean   recorded outcome is ``agreement``
agreement_lenient   Boolean   recorded outcome is ``agreement`` or ``partial``
held_days           Int64     recorded days the agreement held (null if none recorded)
==================  ========  ===============================================================
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from ncrealism.data._read import read_table
from ncrealism.data.dates import parse_partial_date
from ncrealism.data.nmc import NMCVersion
from ncrealism.errors import DataFileError, InputError
from ncrealism.negotiation.cases import (
    CapabilityFn,
    CaseFile,
    CaseModel,
    analyse,
    build_case,
    episode_case,
    load_case,
)

if TYPE_CHECKING:
    from ncrealism.data.fetch import DataSource

__all__ = [
    "TEMPLATES",
    "RecordRules",
    "RecordScore",
    "case_model",
    "episode_model",
    "nuclear_status",
    "read_context",
    "read_negotiations",
    "record_model",
    "score_record",
    "template_parties",
]

NEGOTIATIONS_FILE = "negotiations_1993_2009.csv"
CONTEXT_FILE = "context_events_1990_2009.csv"
OUTCOMES = ("agreement", "partial", "no agreement", "collapsed")
#: Record templates and the day each takes over (its ``start_date``): a template per period in
#: which positions moved, each coded only from what was public before that day.
TEMPLATES: tuple[tuple[dt.date, str], ...] = (
    (dt.date(1993, 6, 2), "record_template_1993"),
    (dt.date(1996, 4, 17), "record_template_1996"),
    (dt.date(2002, 9, 18), "record_template_2002"),
    (dt.date(2003, 4, 1), "record_template_2003"),
    (dt.date(2006, 10, 15), "record_template_2006"),
)


@dataclass(frozen=True)
class RecordRules:
    """Coded rules turning dated context events into model inputs (fixed before scoring).

    Attributes:
        sanction_step: added to the sanctions pressure per recorded sanction in force (KEDO's
            HFO suspension, the Banco Delta Asia designation, UN Security Council resolutions);
            0.1: each recorded sanction raises economic pressure by a tenth of the [0, 1] scale
            (stated assumption). Bounds [0, 1]; neutral 0.
        inducement_step: added to the credibility of assurances offered per recorded
            inducement delivered before the start (the release of the BDA funds, the lifting
            of the Trading with the Enemy Act, the terrorism delisting); 0.05: a delivered
            inducement is evidence that promises are kept, worth half a sanction step (stated
            assumption). Bounds [0, 1]; neutral 0.
        templates: (switch date, template name) pairs; the last template whose date is on or
            before the episode's start applies.
    """

    sanction_step: float = 0.1
    inducement_step: float = 0.05
    templates: tuple[tuple[dt.date, str], ...] = TEMPLATES

    def __post_init__(self) -> None:
        for name in ("sanction_step", "inducement_step"):
            v = getattr(self, name)
            if not (math.isfinite(v) and 0.0 <= v <= 1.0):
                raise InputError(f"{name} is {v}; it must be in [0, 1]")

    def template_for(self, start: dt.date) -> str:
        chosen = [name for when, name in self.templates if when <= start]
        if not chosen:
            raise InputError(f"no record template applies to an episode starting {start}")
        return chosen[-1]


# --------------------------------------------------------------------------------------------
# Reading the record
# --------------------------------------------------------------------------------------------


def _parse_date(text: str, path: Path, row: int, fld: str, *, latest: bool) -> dt.date:
    """YYYY-MM-DD, YYYY-MM or YYYY; coarse dates give the earliest or latest possible day."""
    d = parse_partial_date(text, where=fld, path=path, row=row)
    return d.last if latest else d.first


def read_negotiations(path: str | Path) -> pl.DataFrame:
    """The negotiation record with typed columns.

    Columns: ``episode_id``, ``framework``, ``parties``, ``outcome`` (Utf8), ``start_date``
    (Date, first possible day), ``held_days`` (Int64, days; null if none recorded).
    """
    path = Path(path)
    schema: dict[str, Any] = {
        "episode_id": pl.Utf8,
        "framework": pl.Utf8,
        "start_date": pl.Utf8,
        "parties": pl.Utf8,
        "outcome": pl.Utf8,
        "held_days": pl.Int64,
    }
    raw = read_table(path, schema, key=("episode_id",))
    starts = []
    for i, (text, outcome, parties) in enumerate(
        raw.select("start_date", "outcome", "parties").iter_rows()
    ):
        row = i + 2
        if text is None:
            raise DataFileError(path, "start date is empty", row=row, field="start_date")
        starts.append(_parse_date(text, path, row, "start_date", latest=False))
        if outcome not in OUTCOMES:
            raise DataFileError(
                path, f"outcome '{outcome}' is not one of {OUTCOMES}", row=row, field="outcome"
            )
        if not parties or len([p for p in parties.split(";") if p.strip()]) < 2:
            raise DataFileError(path, "fewer than two parties", row=row, field="parties")
    return raw.with_columns(pl.Series("start_date", starts, dtype=pl.Date))


def read_context(path: str | Path) -> pl.DataFrame:
    """The context events with ``latest`` (Date): the latest day each event may have occurred.

    Columns: ``date`` (Utf8, as recorded), ``type``, ``actor``, ``event`` (Utf8), ``latest``
    (Date).
    """
    path = Path(path)
    raw = read_table(path, {"date": pl.Utf8, "event": pl.Utf8, "type": pl.Utf8, "actor": pl.Utf8})
    latest = [
        _parse_date(d or "", path, i + 2, "date", latest=True)
        for i, d in enumerate(raw["date"].to_list())
    ]
    return raw.with_columns(pl.Series("latest", latest, dtype=pl.Date))


def nuclear_status(source: DataSource | None) -> dict[int, int]:
    """DPRK's proliferation status per year (0-3, Bleek 2017 via OWID: 3 = possessing)."""
    from ncrealism.data.fetch import DataSource

    src = source or DataSource.from_env()
    path = src.path("nuclear_status")
    frame = read_table(
        path,
        {"country_name": pl.Utf8, "year": pl.Int64, "nuclear_weapons_status": pl.Int64},
    )
    korea = frame.filter(pl.col("country_name").str.strip_chars() == "North Korea")
    if korea.is_empty():
        raise DataFileError(path, "no rows for 'North Korea'", field="country_name")
    return {int(y): int(s) for y, s in korea.select("year", "nuclear_weapons_status").iter_rows()}


def _status_in(status: dict[int, int], year: int) -> int:
    """The status in ``year``, or the latest recorded before it (the dataset may end earlier)."""
    if year in status:
        return status[year]
    earlier = [y for y in status if y < year]
    return status[max(earlier)] if earlier else 0


# --------------------------------------------------------------------------------------------
# One episode's model
# --------------------------------------------------------------------------------------------


def template_parties(template: CaseFile, parties: list[str]) -> list[str]:
    """The episode's parties that the template codes (others are left out of its model)."""
    names = {p.name for p in template.parties}
    return [p for p in parties if p in names]


def episode_model(
    episode: str,
    start: dt.date,
    parties: list[str],
    context: pl.DataFrame,
    status: dict[int, int],
    *,
    rules: RecordRules | None = None,
    source: DataSource | None = None,
    templates: dict[str, CaseFile] | None = None,
    capabilities: CapabilityFn | None = None,
    nmc_version: NMCVersion | None = None,
) -> tuple[CaseModel, dict[str, Any]]:
    """The model of one episode from information dated before ``start`` (module docstring).

    Parties the template does not code are left out (named in the returned ``info`` under
    ``left_out``); fewer than two coded parties is an :class:`InputError`. Returns the model
    and the inputs it used (template, possession, sanctions, credibility).
    """
    rules = rules or RecordRules()
    name = rules.template_for(start)
    template = (templates or {}).get(name) or load_case(name)
    known = template_parties(template, parties)
    if len(known) < 2:
        raise InputError(
            f"episode {episode}: fewer than two of its parties {parties} are coded in "
            f"template '{template.id}' (it has {sorted(p.name for p in template.parties)})"
        )
    case = episode_case(template, known, start, episode)
    model, info = record_model(
        case,
        context,
        status,
        rules=rules,
        source=source,
        template_start=template.start_date,
        capabilities=capabilities,
        nmc_version=nmc_version,
    )
    info["left_out"] = [p for p in parties if p not in known]
    return model, info


def record_model(
    case: CaseFile,
    context: pl.DataFrame | None,
    status: dict[int, int],
    *,
    rules: RecordRules | None = None,
    source: DataSource | None = None,
    template_start: dt.date | None = None,
    capabilities: CapabilityFn | None = None,
    nmc_version: NMCVersion | None = None,
) -> tuple[CaseModel, dict[str, Any]]:
    """An episode case's model with the record's dated inputs applied (module docstring).

    ``status``: the DPRK's nuclear status per year; the reservation floor applies only when it
    records possession in the year before the start. ``context``: events dated on or after the
    template's start (``template_start``, default the template's own) and before the case's
    start add to the sanctions pressure and the credibility of assurances.
    """
    rules = rules or RecordRules()
    start = case.start_date
    model = build_case(case, source=source, capabilities=capabilities, nmc_version=nmc_version)
    if template_start is None:
        template_start = load_case(case.template).start_date if case.template else start
    # The template codes the sanctions and inducements in force at its own start; events
    # from then until the episode's start are added by the rules.
    before = (
        context.filter((pl.col("latest") < start) & (pl.col("latest") >= template_start))
        if context is not None and context.height
        else pl.DataFrame(schema={"type": pl.Utf8})
    )
    n_sanctions = before.filter(pl.col("type") == "sanction").height
    n_inducements = before.filter(pl.col("type") == "inducement").height
    possessing = _status_in(status, start.year - 1) >= 3
    changes: dict[str, float] = {}
    info: dict[str, Any] = {
        "template": case.template or case.id,
        "capability_year": start.year - 1,
        "dprk_possessing": possessing,
        "sanctions_pressure": None,
        "offer_credibility": None,
    }
    if case.survival is not None:
        v = model.values
        sanctions = min(1.0, v["survival.sanctions_pressure"] + rules.sanction_step * n_sanctions)
        cred = min(1.0, v["survival.offer_credibility"] + rules.inducement_step * n_inducements)
        changes["survival.sanctions_pressure"] = sanctions
        changes["survival.offer_credibility"] = cred
        if "survival.reservation_floor" in v and not possessing:
            changes["survival.reservation_floor"] = 0.0
        info["sanctions_pressure"] = sanctions
        info["offer_credibility"] = cred
    return model.with_values(changes), info


def case_model(
    case: CaseFile | str | Path,
    *,
    source: DataSource | None = None,
    nmc_version: NMCVersion | None = None,
) -> CaseModel:
    """The model of a case file: for an episode case the record backtest's own
    (:func:`record_model`, no context events beyond its template), else :func:`build_case`.
    ``nmc_version`` overrides the case's COW NMC release."""
    if not isinstance(case, CaseFile):
        case = load_case(case)
    if case.template:
        status = nuclear_status(source)
        return record_model(case, None, status, source=source, nmc_version=nmc_version)[0]
    return build_case(case, source=source, nmc_version=nmc_version)


# --------------------------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class RecordScore:
    """Per-episode predictions (:attr:`episodes`, columns in the module docstring) and scores.

    ``summary`` keys: ``n_episodes``; ``predicted_zones``; ``accuracy`` and
    ``accuracy_lenient`` (share of episodes whose predicted zone matches the recorded outcome,
    strict and lenient coding); ``majority_accuracy`` and ``majority_accuracy_lenient`` (always
    predicting the more frequent outcome); ``tp``, ``fp``, ``tn``, ``fn`` (strict coding;
    positive = agreement); ``n_durability`` (episodes with recorded held_days);
    ``spearman_rho`` and ``spearman_p`` (NaN when undefined).
    """

    episodes: pl.DataFrame
    summary: dict[str, float]
    rules: RecordRules

    def to_markdown(self) -> str:
        s = self.summary
        lines = [
            f"- episodes scored: {int(s['n_episodes'])}; zones predicted: "
            f"{int(s['predicted_zones'])}",
            f"- agreement, strict coding: accuracy {s['accuracy']:.3f} (majority baseline "
            f"{s['majority_accuracy']:.3f}); TP {int(s['tp'])}, FP {int(s['fp'])}, "
            f"TN {int(s['tn'])}, FN {int(s['fn'])}",
            f"- agreement, lenient coding (partial counts): accuracy "
            f"{s['accuracy_lenient']:.3f} (majority baseline "
            f"{s['majority_accuracy_lenient']:.3f})",
            f"- durability: Spearman rho {s['spearman_rho']:.3f} (p = {s['spearman_p']:.3f}) "
            f"between predicted expected days and recorded held_days, n = "
            f"{int(s['n_durability'])}",
        ]
        return "\n".join(lines)


def _accuracy(pred: list[bool], obs: list[bool]) -> tuple[float, float]:
    n = len(obs)
    acc = sum(p == o for p, o in zip(pred, obs, strict=True)) / n
    pos = sum(obs)
    majority = max(pos, n - pos) / n
    return acc, majority


def score_record(
    history_dir: str | Path,
    *,
    source: DataSource | None = None,
    rules: RecordRules | None = None,
) -> RecordScore:
    """Score the bargaining model on the negotiation record in ``history_dir``.

    ``history_dir`` holds ``negotiations_1993_2009.csv`` and ``context_events_1990_2009.csv``
    (the shared history folder).
    """
    from scipy.stats import spearmanr

    folder = Path(history_dir)
    for f in (NEGOTIATIONS_FILE, CONTEXT_FILE):
        if not (folder / f).is_file():
            raise InputError(f"{folder / f}: not found (give the folder of the coded record)")
    record = read_negotiations(folder / NEGOTIATIONS_FILE)
    context = read_context(folder / CONTEXT_FILE)
    status = nuclear_status(source)
    rules = rules or RecordRules()
    templates = {name: load_case(name) for _, name in rules.templates}
    rows: list[dict[str, Any]] = []
    for rec in record.iter_rows(named=True):
        parties = [p.strip() for p in rec["parties"].split(";") if p.strip()]
        model, info = episode_model(
            rec["episode_id"],
            rec["start_date"],
            parties,
            context,
            status,
            rules=rules,
            source=source,
            templates=templates,
        )
        res = analyse(model, with_forecast=False)
        rows.append(
            {
                "episode_id": rec["episode_id"],
                "framework": rec["framework"],
                "start_date": rec["start_date"],
                "parties": ";".join(parties),
                **info,
                "zone_exists": res.zone.exists,
                "margin": res.zone.margin,
                "binding": ";".join(b.dimension for b in res.zone.binding),
                "expected_days": res.durability.expected_days if res.durability else 0.0,
                "outcome": rec["outcome"],
                "agreement": rec["outcome"] == "agreement",
                "agreement_lenient": rec["outcome"] in ("agreement", "partial"),
                "held_days": rec["held_days"],
            }
        )
    schema = {
        "episode_id": pl.Utf8,
        "framework": pl.Utf8,
        "start_date": pl.Date,
        "parties": pl.Utf8,
        "template": pl.Utf8,
        "capability_year": pl.Int64,
        "dprk_possessing": pl.Boolean,
        "sanctions_pressure": pl.Float64,
        "offer_credibility": pl.Float64,
        "zone_exists": pl.Boolean,
        "margin": pl.Float64,
        "binding": pl.Utf8,
        "expected_days": pl.Float64,
        "outcome": pl.Utf8,
        "agreement": pl.Boolean,
        "agreement_lenient": pl.Boolean,
        "held_days": pl.Int64,
    }
    frame = pl.DataFrame(rows, schema=schema)
    pred = frame["zone_exists"].to_list()
    strict = frame["agreement"].to_list()
    lenient = frame["agreement_lenient"].to_list()
    acc, maj = _accuracy(pred, strict)
    acc_l, maj_l = _accuracy(pred, lenient)
    dur = frame.filter(pl.col("held_days").is_not_null())
    rho, p = math.nan, math.nan
    x = dur["expected_days"].to_list()
    y = dur["held_days"].to_list()
    if len(x) >= 3 and len(set(x)) > 1 and len(set(y)) > 1:
        result = spearmanr(x, y)
        rho, p = float(result.statistic), float(result.pvalue)
    summary = {
        "n_episodes": float(frame.height),
        "predicted_zones": float(sum(pred)),
        "accuracy": acc,
        "accuracy_lenient": acc_l,
        "majority_accuracy": maj,
        "majority_accuracy_lenient": maj_l,
        "tp": float(sum(a and b for a, b in zip(pred, strict, strict=True))),
        "fp": float(sum(a and not b for a, b in zip(pred, strict, strict=True))),
        "tn": float(sum(not a and not b for a, b in zip(pred, strict, strict=True))),
        "fn": float(sum(not a and b for a, b in zip(pred, strict, strict=True))),
        "n_durability": float(dur.height),
        "spearman_rho": rho,
        "spearman_p": p,
    }
    return RecordScore(frame, summary, rules)
