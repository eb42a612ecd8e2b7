"""Negotiation cases: TOML case files, validated on load, turned into bargaining problems.

A case file (``cases/*.toml``; see ``docs/negotiation.md`` for the schema) names the parties
(COW codes), the issue dimensions, every party's ideal point, reservation point and salience on
each dimension, the forum rule, the perception inputs of the party whose reservation is derived,
and the commitment inputs. **Every number carries** ``source = "..."`` **or**
``rationale = "..."``; a number without either is refused. Errors name the file and the key
(``parties[1].stances.nuclear_status.reservation``).

Capabilities come from the system layer (:func:`ncrealism.system.capabilities.shares`: COW CINC,
Singer, Bremer & Stuckey 1972) for the case's ``capability_year``, the last year before the
talks opened, so no case uses information from after its start.

Reservation from survival (Koga 2009: the assurance of survival is the pivot; THEORY §1.2, §2)
    The reservation of the ``[survival]`` party (the DPRK) on ``survival.dimension`` is derived,
    not coded. With ``a`` the agreement's value on ``survival.assurance_dimension``:

    1. structural threat ``T = (1 − w)·C_threat/(C_threat + C_self + Σ_k σ_k·C_patron_k) +
       w·sanctions`` from capabilities (Walt 1987: aggregate power; patrons' capability counts
       for the DPRK in proportion to their support σ_k; ``w`` the weight of economic pressure);
    2. the assurance on offer, ``a·q_0`` (``q_0`` the credibility of the offering side's
       commitments), is read through the party's perception filter:
       ``A = reader.assurance_credibility(a·q_0)``;
    3. perceived threat ``T̂ = reader.perceived_threat(T, A)``;
    4. a value ``s`` on the dimension removes a share ``κ·s`` of the perceived threat
       (``threat_reduction`` κ: for nuclear status the deterrent's efficacy, for the withdrawal
       of forward-deployed forces the share of the threat they pose), and the least acceptable
       value is the smallest ``s`` with
       ``T̂·(1 − κ·s) ≤ θ`` (θ the regime-survival threshold):
       ``s*(a) = clip((1 − θ/T̂)/κ, 0, 1)`` (0 when T̂ ≤ θ), raised to the optional
       ``reservation_floor`` (e.g. a floor below which a state that has tested will not go).

    ``reader`` is any :class:`AssuranceReader`. By default (``reader = "perception"``) it is
    the perception layer's filter of the party for ``profile_year``
    (:func:`ncrealism.perception.load_profile`), read through :class:`PerceptionReader`:
    credibility from :func:`ncrealism.perception.assurance_credibility`, perceived threat from
    :func:`ncrealism.perception.perceived_threat` and
    :func:`ncrealism.perception.residual_threat`. With ``reader = "coded"`` it is
    :class:`CodedReader`, whose single parameter is the case file's ``juche_discount``: the
    share of an external guarantee's credibility that Juche's self-reliance discounts (THEORY
    §1.2: "Juche discounts external guarantees"), with perceived threat ``T·(1 − A)`` (Walt's
    threat = power × intentions; an assurance is a statement about intentions).

Commitment inputs per party: the anticipated shift in its favour (the OLS slope of its
capability share within the case's parties over the ``trend_years`` years up to
``capability_year``, share points per year, plus a coded extra for what CINC does not see, e.g.
the DPRK's fissile material), the credibility of what it received (the DPRK's: derived from its
filter at the agreed assurance) and the reversibility of what it received.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ncrealism.data._read import read_toml
from ncrealism.data.nmc import DEFAULT_NMC_VERSION, NMCVersion
from ncrealism.errors import DataFileError, InputError
from ncrealism.negotiation.bargaining import (
    BargainingProblem,
    CoupledReservation,
    Dimension,
    Forum,
    NashSolution,
    Party,
    Stance,
)
from ncrealism.negotiation.commitment import PartyCommitment

if TYPE_CHECKING:
    from ncrealism.data.fetch import DataSource

FloatArray = NDArray[np.float64]

__all__ = [
    "Analysis",
    "AssuranceReader",
    "CaseFile",
    "CaseModel",
    "Coded",
    "CodedReader",
    "EpisodeFile",
    "Forecast",
    "HistoryEpisode",
    "Param",
    "PerceptionReader",
    "SurvivalDerivation",
    "analyse",
    "build_case",
    "case_path",
    "check_ex_ante",
    "coded_values",
    "episode_case",
    "eum_forecast",
    "list_cases",
    "load_case",
    "structural_threat",
]

SURVIVAL = "survival"


# --------------------------------------------------------------------------------------------
# Schema
# --------------------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Coded(_Strict):
    """A coded number with its provenance: the ``date`` it was public and its ``source``.

    ``date`` is the day the statement, position or fact the number codes was public (the
    first day of the month or year when only those are known); ``source`` a citation of where
    it is stated. ``rationale`` optionally explains the coding. A case refuses, for
    forecasting, a number dated on or after its episode's start (:func:`check_ex_ante`).
    """

    value: float
    date: dt.date | None = None
    source: str | None = None
    rationale: str | None = None

    @field_validator("value")
    @classmethod
    def _finite(cls, v: float) -> float:
        if not math.isfinite(v):
            raise ValueError("must be a finite number")
        return v

    @model_validator(mode="after")
    def _provenance(self) -> Coded:
        if self.date is None or not (self.source or "").strip():
            raise ValueError(
                "every coded number needs date = YYYY-MM-DD (when it was public) and "
                'source = "..." (where it is stated)'
            )
        return self

    @property
    def convention(self) -> bool:
        """True for a modelling convention (no date: it describes no episode)."""
        return False

    @property
    def provenance(self) -> str:
        text = (self.source or self.rationale or "").strip()
        if self.date is not None:
            text = f"{text} [{self.date.isoformat()}]"
        return text


class UnitCoded(Coded):
    """A :class:`Coded` number on [0, 1]."""

    @field_validator("value")
    @classmethod
    def _unit(cls, v: float) -> float:
        if not (0.0 <= v <= 1.0):
            raise ValueError(f"must be in [0, 1], got {v}")
        return v


class Param(Coded):
    """A model parameter: dated and sourced like :class:`Coded`, or a stated modelling
    ``convention = "..."`` (no date; the same in every case, it codes no position or event)."""

    convention_text: str | None = Field(default=None, alias="convention")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _provenance(self) -> Param:
        if (self.convention_text or "").strip():
            if self.date is not None:
                raise ValueError("a convention carries no date (it codes no position or event)")
            return self
        if self.date is None or not (self.source or "").strip():
            raise ValueError(
                'every parameter needs date = YYYY-MM-DD and source = "...", or '
                'convention = "..." for a modelling convention'
            )
        return self

    @property
    def convention(self) -> bool:
        return bool((self.convention_text or "").strip())

    @property
    def provenance(self) -> str:
        if self.convention:
            return f"convention: {(self.convention_text or '').strip()}"
        return super().provenance


class UnitParam(Param):
    """A :class:`Param` on [0, 1]."""

    @field_validator("value")
    @classmethod
    def _unit(cls, v: float) -> float:
        if not (0.0 <= v <= 1.0):
            raise ValueError(f"must be in [0, 1], got {v}")
        return v


class DerivedReservation(_Strict):
    """A reservation derived from the ``[survival]`` section (``derive = "survival"``)."""

    derive: Literal["survival"]
    rationale: str = Field(min_length=1)


class StanceSpec(_Strict):
    ideal: UnitCoded
    reservation: UnitCoded | DerivedReservation
    salience: UnitCoded


class PartySpec(_Strict):
    name: str = Field(min_length=1)
    ccode: int
    veto: bool = True
    veto_rationale: str = Field(min_length=1)
    stances: dict[str, StanceSpec]


class DimensionSpec(_Strict):
    name: str = Field(min_length=1)
    low: str = Field(min_length=1)
    high: str = Field(min_length=1)
    rationale: str = Field(min_length=1)


class ForumSpec(_Strict):
    quota: UnitParam

    @field_validator("quota")
    @classmethod
    def _positive(cls, v: UnitParam) -> UnitParam:
        if v.value <= 0:
            raise ValueError("quota must be > 0")
        return v


class PatronSpec(_Strict):
    name: str = Field(min_length=1)
    ccode: int
    support: UnitCoded


class SurvivalSpec(_Strict):
    party: str
    dimension: str
    assurance_dimension: str
    threat_from: list[int] = Field(min_length=1)
    threat_rationale: str = Field(min_length=1)
    patrons: list[PatronSpec] = Field(default_factory=list)
    offer_credibility: UnitCoded
    sanctions_pressure: UnitCoded
    sanctions_weight: UnitParam
    survival_threshold: UnitParam
    threat_reduction: UnitParam
    juche_discount: UnitParam | None = None
    reservation_floor: UnitParam | None = None
    reader: Literal["coded", "perception"] = "perception"
    profile_year: int

    @model_validator(mode="after")
    def _coded_needs_discount(self) -> SurvivalSpec:
        if self.reader == "coded" and self.juche_discount is None:
            raise ValueError('reader = "coded" needs juche_discount = { value = ..., ... }')
        return self

    @field_validator("threat_reduction")
    @classmethod
    def _efficacy(cls, v: UnitParam) -> UnitParam:
        if v.value <= 0:
            raise ValueError("threat_reduction must be > 0")
        return v


class DerivedCredibility(_Strict):
    derive: Literal["survival"]
    rationale: str = Field(min_length=1)


class CommitmentPartySpec(_Strict):
    extra_shift: Param
    credibility: UnitParam | DerivedCredibility
    reversibility: UnitParam


class CommitmentSpec(_Strict):
    volatility: Param
    horizon_years: Param
    trend_years: int = Field(ge=2, le=30)
    parties: dict[str, CommitmentPartySpec]

    @field_validator("volatility", "horizon_years")
    @classmethod
    def _positive(cls, v: Param) -> Param:
        if v.value <= 0:
            raise ValueError("must be > 0")
        return v


class HistoryEpisode(_Strict):
    """An earlier episode of the negotiation record, as known before the case's start.

    Columns of the record (``negotiations_*.csv``) that the calibration reads: it ended
    (``end_date``) before the case opened, so its outcome was public; durability is censored
    at the case's start by the backtest's own rule
    (:func:`ncrealism.evaluation.negotiation.history_before`).
    """

    episode_id: str = Field(min_length=1)
    framework: str = ""
    start_date: str = Field(min_length=4)
    end_date: str = Field(min_length=4)
    parties: str = Field(min_length=3)
    outcome: Literal["agreement", "partial", "no agreement", "collapsed"]
    agreement_date: str | None = None
    held_until: str | None = None
    held_days: int | None = None
    source: str = Field(min_length=1)


class CaseFile(_Strict):
    """A validated case file (see the module docstring and ``docs/negotiation.md``).

    ``template`` names the record template an episode case was built from (None for a
    self-contained case file); ``history`` the earlier episodes its agreement probability and
    durability are calibrated on; ``hindsight`` is True when values dated on or after the
    start were let through (an analysis, not a forecast).
    """

    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    framework: str
    episodes: list[str] = Field(min_length=1)
    start_date: dt.date
    end_date: dt.date
    capability_year: int
    nmc_version: NMCVersion = DEFAULT_NMC_VERSION
    summary: str
    sources: list[str] = Field(min_length=1)
    forum: ForumSpec
    dimensions: Annotated[list[DimensionSpec], Field(min_length=1)]
    parties: Annotated[list[PartySpec], Field(min_length=2)]
    survival: SurvivalSpec | None = None
    commitment: CommitmentSpec
    template: str | None = None
    history: list[HistoryEpisode] = Field(default_factory=list)
    hindsight: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> CaseFile:
        dims = [d.name for d in self.dimensions]
        if len(set(dims)) != len(dims):
            raise ValueError(f"dimension names repeat: {dims}")
        names = [p.name for p in self.parties]
        if len(set(names)) != len(names):
            raise ValueError(f"party names repeat: {names}")
        if self.capability_year >= self.start_date.year + 1:
            raise ValueError(
                f"capability_year {self.capability_year} is after the talks opened "
                f"({self.start_date}); use the last year before them"
            )
        if self.end_date < self.start_date:
            raise ValueError("end_date is before start_date")
        for p in self.parties:
            if sorted(p.stances) != sorted(dims):
                raise ValueError(
                    f"party '{p.name}': stances must cover exactly the dimensions {dims}, "
                    f"found {sorted(p.stances)}"
                )
            for d, st in p.stances.items():
                derived = isinstance(st.reservation, DerivedReservation)
                is_surv = (
                    self.survival is not None
                    and p.name == self.survival.party
                    and d == self.survival.dimension
                )
                if derived and not is_surv:
                    raise ValueError(
                        f"party '{p.name}', dimension '{d}': derive = \"survival\" needs a "
                        "[survival] section naming this party and dimension"
                    )
                if is_surv and not derived:
                    raise ValueError(
                        f"party '{p.name}', dimension '{d}': the [survival] section derives "
                        'this reservation; write reservation = { derive = "survival", '
                        'rationale = "..." }'
                    )
        if self.survival is not None:
            s = self.survival
            if s.party not in names:
                raise ValueError(f"survival.party '{s.party}' is not a party")
            for d in (s.dimension, s.assurance_dimension):
                if d not in dims:
                    raise ValueError(f"survival names unknown dimension '{d}'")
            if s.dimension == s.assurance_dimension:
                raise ValueError("survival.dimension and survival.assurance_dimension coincide")
        for name, cp in self.commitment.parties.items():
            if name not in names:
                raise ValueError(f"commitment.parties names unknown party '{name}'")
            if isinstance(cp.credibility, DerivedCredibility) and (
                self.survival is None or self.survival.party != name
            ):
                raise ValueError(
                    f'commitment.parties.{name}.credibility: derive = "survival" is only for '
                    "the [survival] party"
                )
        missing = [n for n in names if n not in self.commitment.parties]
        if missing:
            raise ValueError(f"commitment.parties lacks {missing}")
        return self


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


def _cases_dir() -> Path:
    return Path(str(resources.files("ncrealism.negotiation").joinpath("cases")))


def list_cases(*, templates: bool = False) -> list[str]:
    """Names of the shipped case files (without ``.toml``), sorted.

    The ``record_template_*`` files hold generic profiles for scoring the negotiation record
    (:mod:`ncrealism.negotiation.record_scoring`); they are listed only with ``templates``.
    """
    names = sorted(p.stem for p in _cases_dir().glob("*.toml"))
    return [n for n in names if templates or not n.startswith("record_template_")]


def case_name(case_id: str) -> str:
    """The command-line name of a shipped case: kebab-case (``agreed-framework-1994``).

    The files and ids keep their snake_case stem; both spellings resolve (:func:`case_path`).
    """
    return case_id.replace("_", "-")


def case_path(name_or_path: str | Path) -> Path:
    """A shipped case by name (``agreed-framework-1994``; the snake_case spelling
    ``agreed_framework_1994`` still resolves) or a path to a TOML file."""
    p = Path(name_or_path)
    if p.suffix == ".toml" or p.exists():
        if not p.is_file():
            raise InputError(f"{p}: no such case file")
        return p
    stem = str(name_or_path).strip().lower().replace("-", "_")
    shipped = _cases_dir() / f"{stem}.toml"
    if shipped.is_file():
        return shipped
    names = ", ".join(case_name(c) for c in list_cases())
    raise InputError(f"no case '{name_or_path}': give a TOML file or one of {names}")


def _loc(loc: Sequence[int | str]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


class EpisodeFile(_Strict):
    """A case file for one episode of the record: the record template of its period, the
    parties present, the start, and the earlier episodes it is calibrated on.

    Its model is the one the record backtest builds for the same episode
    (:func:`episode_case`), so ``ncr negotiate`` and the backtest agree.
    """

    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    framework: str
    episode: str = Field(min_length=1)
    template: str = Field(min_length=1)
    start_date: dt.date
    end_date: dt.date
    parties: list[str] = Field(min_length=2)
    summary: str
    sources: list[str] = Field(min_length=1)
    history: list[HistoryEpisode] = Field(default_factory=list)


def _validate(model: type[BaseModel], raw: Any, path: Path) -> Any:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = _loc([p for p in err["loc"] if not (isinstance(p, str) and "[" in p)])
        msg = str(err["msg"]).removeprefix("Value error, ")
        more = f" (and {exc.error_count() - 1} more problems)" if exc.error_count() > 1 else ""
        raise DataFileError(path, f"{msg}{more}", field=loc or None) from exc


def _read_toml(path: Path) -> dict[str, Any]:
    return read_toml(path, what="case file")


def load_case(name_or_path: str | Path, *, hindsight: bool = False) -> CaseFile:
    """Read and validate a case file; errors name the file and the key.

    A self-contained case is checked against its own ``start_date``, a record template against
    the start of the first episode it serves (its ``start_date``), an episode file against its
    episode's start (:func:`check_ex_ante`). ``hindsight=True`` lets later values through and
    marks the case (an analysis, labelled as such wherever it is reported).
    """
    path = case_path(name_or_path)
    raw = _read_toml(path)
    if "template" in raw:
        ep: EpisodeFile = _validate(EpisodeFile, raw, path)
        template = load_case(ep.template, hindsight=hindsight)
        case = episode_case(
            template, ep.parties, ep.start_date, ep.episode, hindsight=hindsight, where=str(path)
        )
        return case.model_copy(
            update={
                "id": ep.id,
                "title": ep.title,
                "framework": ep.framework,
                "end_date": ep.end_date,
                "summary": ep.summary,
                "sources": [*ep.sources, *template.sources],
                "history": ep.history,
            }
        )
    full: CaseFile = _validate(CaseFile, raw, path)
    check_ex_ante(full, full.start_date, where=str(path), hindsight=hindsight)
    return full.model_copy(update={"hindsight": hindsight}) if hindsight else full


def coded_values(case: CaseFile) -> list[tuple[str, Coded]]:
    """Every coded number of a case with its key (``parties[0].stances.x.ideal``, ...)."""
    out: list[tuple[str, Coded]] = []

    def walk(obj: Any, key: str) -> None:
        if isinstance(obj, Coded):
            out.append((key, obj))
        elif isinstance(obj, BaseModel):
            for name in type(obj).model_fields:
                walk(getattr(obj, name), f"{key}.{name}" if key else name)
        elif isinstance(obj, dict):
            for k, v in obj.items():
                walk(v, f"{key}.{k}")
        elif isinstance(obj, list | tuple):
            for i, v in enumerate(obj):
                walk(v, f"{key}[{i}]")

    walk(case, "")
    return out


def check_ex_ante(
    case: CaseFile, start: dt.date, *, where: str = "", hindsight: bool = False
) -> list[tuple[str, Coded]]:
    """The coded values dated on or after ``start``; refused unless ``hindsight``.

    Raises :class:`InputError` naming the file, the value and both dates (the first such
    value, and how many more). With ``hindsight=True`` returns them instead.
    """
    late = [(k, c) for k, c in coded_values(case) if c.date is not None and c.date >= start]
    if late and not hindsight:
        key, c = late[0]
        more = f" ({len(late) - 1} more such values)" if len(late) > 1 else ""
        raise InputError(
            f"{where or case.id}: value {key} = {c.value:g} is dated {c.date}, on or after the "
            f"episode start {start}: information from after the start is refused for "
            f"forecasting{more}; use --hindsight for an analysis with it"
        )
    return late


def episode_case(
    template: CaseFile,
    parties: Sequence[str],
    start: dt.date,
    episode: str,
    *,
    hindsight: bool = False,
    where: str = "",
) -> CaseFile:
    """The case of one record episode: the template's parties present, its start.

    With two parties each must sign (both become veto players); the capability year is the
    year before the start and the perception profile that of the start year. Every value
    must be dated before ``start`` (:func:`check_ex_ante`) unless ``hindsight``.
    """
    names = {p.name for p in template.parties}
    unknown = [p for p in parties if p not in names]
    if unknown:
        raise InputError(
            f"episode {episode}: parties {unknown} are not in template '{template.id}' "
            f"(it has {sorted(names)})"
        )
    keep = [p for p in template.parties if p.name in parties]
    if len(keep) == 2:
        keep = [p.model_copy(update={"veto": True}) for p in keep]
    commitment = CommitmentSpec.model_validate(
        {
            **template.commitment.model_dump(by_alias=True, exclude_none=True),
            "parties": {
                k: v.model_dump(by_alias=True, exclude_none=True)
                for k, v in template.commitment.parties.items()
                if k in parties
            },
        }
    )
    survival = (
        template.survival.model_copy(update={"profile_year": start.year})
        if template.survival is not None
        else None
    )
    case = template.model_copy(
        update={
            "survival": survival,
            "id": f"{template.id}:{episode}",
            "episodes": [episode],
            "start_date": start,
            "end_date": max(start, template.end_date),
            "capability_year": start.year - 1,
            "parties": keep,
            "commitment": commitment,
            "template": template.id,
        }
    )
    late = check_ex_ante(case, start, where=where or f"template {template.id}", hindsight=hindsight)
    if hindsight or template.hindsight or late:
        case = case.model_copy(update={"hindsight": True})
    return case


# --------------------------------------------------------------------------------------------
# Perception: the assurance reader protocol and the coded reader
# --------------------------------------------------------------------------------------------


@runtime_checkable
class AssuranceReader(Protocol):
    """What the reservation derivation needs from a perception filter."""

    def assurance_credibility(self, offered: float) -> float:
        """The credibility, as the filter reads it, of an assurance of strength ``offered``.

        ``offered`` ∈ [0, 1] is the assurance's value on the issue scale times the offering
        side's credibility; the result is in [0, 1].
        """
        ...

    def perceived_threat(self, threat: float, credibility: float) -> float:
        """Perceived threat ([0, 1]) given structural threat and the assurance's credibility."""
        ...


@dataclass(frozen=True)
class CodedReader:
    """Filter reading with one coded parameter (see the module docstring).

    ``assurance_credibility(o) = o·(1 − juche_discount)``; ``perceived_threat(T, A) = T·(1 − A)``.
    Neutral value ``juche_discount = 0`` (assurances read at face value).
    """

    juche_discount: float

    def __post_init__(self) -> None:
        if not 0.0 <= self.juche_discount <= 1.0:
            raise InputError(f"juche_discount is {self.juche_discount}; it must be in [0, 1]")

    def assurance_credibility(self, offered: float) -> float:
        return min(1.0, max(0.0, offered)) * (1.0 - self.juche_discount)

    def perceived_threat(self, threat: float, credibility: float) -> float:
        return min(1.0, max(0.0, threat)) * (1.0 - min(1.0, max(0.0, credibility)))

    def assurance_credibility_grid(self, offered: FloatArray) -> FloatArray:
        """:meth:`assurance_credibility` of each element (the same numbers)."""
        return np.asarray(np.clip(offered, 0.0, 1.0) * (1.0 - self.juche_discount), dtype=float)

    def perceived_threat_grid(self, threat: float, credibility: FloatArray) -> FloatArray:
        """:meth:`perceived_threat` for each credibility (the same numbers)."""
        return np.asarray(
            min(1.0, max(0.0, threat)) * (1.0 - np.clip(credibility, 0.0, 1.0)), dtype=float
        )

    def describe(self) -> str:
        return f"coded filter (Juche discount {self.juche_discount:.2f})"


@dataclass(frozen=True)
class PerceptionReader:
    """The perception layer's filter (:mod:`ncrealism.perception`) behind the protocol.

    * ``assurance_credibility(o)`` is :func:`ncrealism.perception.assurance_credibility` with
      the survival party's own share of the capability pool ``relative_power`` (Powell 2006:
      a preponderant promiser is less credible), no delivered inducements, the filter's
      ``assurance_discount`` and the assurance on offer ``o``;
    * ``perceived_threat(T, A)`` is :func:`ncrealism.perception.residual_threat` of
      :func:`ncrealism.perception.perceived_threat` (the filter's ``threat_sensitivity``;
      ``clarity``; the threat with each source's capability multiplied by the filter's
      misperception factor, ``T + misperceived_shift``), with credibility A and full coverage.
    """

    filter: Any
    relative_power: float
    misperceived_shift: float = 0.0
    clarity: float = 0.0
    #: The perceived threat of each structural threat read so far: it does not depend on the
    #: credibility, and the zone search reads one threat at many credibilities.
    _perceived: dict[float, float] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def assurance_credibility(self, offered: float) -> float:
        from ncrealism.perception import assurance_credibility

        q = assurance_credibility(
            self.relative_power, 0.0, self.filter["assurance_discount"], min(1.0, max(0.0, offered))
        )
        return float(q)

    def _perceived_threat(self, threat: float) -> float:
        from ncrealism.perception import perceived_threat

        t_hat = self._perceived.get(threat)
        if t_hat is None:
            t = min(1.0, max(0.0, threat))
            tm = min(1.0, max(0.0, t + self.misperceived_shift))
            t_hat = float(perceived_threat(t, tm, self.clarity, self.filter["threat_sensitivity"]))
            self._perceived[threat] = t_hat
        return t_hat

    def perceived_threat(self, threat: float, credibility: float) -> float:
        from ncrealism.perception import residual_threat

        t_hat = self._perceived_threat(threat)
        return float(residual_threat(t_hat, min(1.0, max(0.0, credibility)), 1.0))

    def assurance_credibility_grid(self, offered: FloatArray) -> FloatArray:
        """:meth:`assurance_credibility` of each element (the same numbers)."""
        from ncrealism.perception import assurance_credibility

        return np.asarray(
            assurance_credibility(
                self.relative_power,
                0.0,
                self.filter["assurance_discount"],
                np.clip(offered, 0.0, 1.0),
            ),
            dtype=float,
        )

    def perceived_threat_grid(self, threat: float, credibility: FloatArray) -> FloatArray:
        """:meth:`perceived_threat` for each credibility (the same numbers): the perceived
        threat does not depend on the assurance, only the residual does."""
        from ncrealism.perception import residual_threat

        t_hat = self._perceived_threat(threat)
        return np.asarray(residual_threat(t_hat, np.clip(credibility, 0.0, 1.0), 1.0), dtype=float)

    def describe(self) -> str:
        return f"perception filter '{self.filter.label}'"


def _load_filter(party: str, ccode: int, year: int, source: DataSource | None) -> Any:
    from ncrealism.perception.profiles import load_profile, shipped_profiles

    profiles = shipped_profiles(source)
    try:
        return load_profile(party, year, profiles=profiles)
    except InputError:
        return load_profile(ccode, year, profiles=profiles)


def structural_threat(
    threat_capability: float,
    own_capability: float,
    patron_capability: float,
    sanctions_pressure: float = 0.0,
    sanctions_weight: float = 0.0,
) -> float:
    """``(1 − w)·C_t/(C_t + C_own + C_patron) + w·sanctions`` on [0, 1] (Walt 1987).

    ``patron_capability`` is already weighted by support. Only ratios of capabilities enter,
    so scaling every capability by a constant leaves the threat unchanged.
    """
    total = threat_capability + own_capability + patron_capability
    if total <= 0:
        raise InputError("structural threat: every capability is zero")
    ratio = threat_capability / total
    return (1.0 - sanctions_weight) * ratio + sanctions_weight * sanctions_pressure


@dataclass(frozen=True)
class SurvivalDerivation:
    """The derived reservation ``s*(a)`` of the survival party (module docstring, steps 1-4)."""

    party: str
    dimension: str
    assurance_dimension: str
    threat: float
    offer_credibility: float
    survival_threshold: float
    threat_reduction: float
    reader: AssuranceReader
    reader_name: str
    floor: float = 0.0

    def credibility(self, assurance: float) -> float:
        """A(a): the filter's reading of the assurance on offer."""
        return float(self.reader.assurance_credibility(assurance * self.offer_credibility))

    def perceived_threat(self, assurance: float) -> float:
        """T̂(a)."""
        return float(self.reader.perceived_threat(self.threat, self.credibility(assurance)))

    def reservation(self, assurance: float) -> float:
        """s*(a) = clip((1 − θ/T̂)/κ, 0, 1), and at least ``floor``."""
        t_hat = self.perceived_threat(assurance)
        if t_hat <= self.survival_threshold:
            return self.floor
        s = min(1.0, (1.0 - self.survival_threshold / t_hat) / self.threat_reduction)
        return max(self.floor, s)

    def reservation_grid(self, assurance: FloatArray) -> FloatArray:
        """:meth:`reservation` of each assurance level at once (the same numbers), when the
        reader has array versions of its two readings; else one at a time."""
        a = np.asarray(assurance, dtype=float)
        cred_grid = getattr(self.reader, "assurance_credibility_grid", None)
        threat_grid = getattr(self.reader, "perceived_threat_grid", None)
        if cred_grid is None or threat_grid is None:
            return np.array([self.reservation(float(v)) for v in a])
        t_hat = np.asarray(threat_grid(self.threat, cred_grid(a * self.offer_credibility)))
        theta = self.survival_threshold
        with np.errstate(divide="ignore", invalid="ignore"):
            s = np.minimum(1.0, (1.0 - theta / t_hat) / self.threat_reduction)
        return np.where(t_hat <= theta, self.floor, np.maximum(self.floor, s))

    def describe(self, assurance: float | None = None) -> str:
        text = (
            f"{self.party}'s least acceptable {self.dimension} keeps its perceived threat at or "
            f"below its survival threshold {self.survival_threshold:.2f} (structural threat "
            f"{self.threat:.3f}, offer credibility {self.offer_credibility:.2f}, "
            f"{self.reader_name}"
        )
        if self.floor > 0:
            text += f", floor {self.floor:.2f}"
        if assurance is not None:
            text += (
                f"; at {self.assurance_dimension} = {assurance:.3f}: credibility read "
                f"{self.credibility(assurance):.3f}, perceived threat "
                f"{self.perceived_threat(assurance):.3f}, reservation "
                f"{self.reservation(assurance):.3f}"
            )
        return text + ")"


# --------------------------------------------------------------------------------------------
# Case model: the case with data attached, and levers applied
# --------------------------------------------------------------------------------------------


CapabilityFn = Callable[[Sequence[int], Sequence[int]], Mapping[tuple[int, int], float]]


def nmc_capabilities(version: NMCVersion, source: DataSource | None) -> CapabilityFn:
    """CINC per (ccode, year) from the system layer (COW NMC, recomputed CINC), extended past
    NMC's last year by :mod:`ncrealism.system.extension` when a year asked for lies beyond it."""

    def fetch(ccodes: Sequence[int], years: Sequence[int]) -> Mapping[tuple[int, int], float]:
        from ncrealism.data.fetch import DataSource
        from ncrealism.system.capabilities import capabilities, shares

        src = source or DataSource.from_env()
        last = int(capabilities(version, source=src)["year"].max())  # type: ignore[arg-type]
        # Past NMC's last year, the system layer's documented extension (as the yearly path).
        extend = max(years) if years and max(years) > last else None
        frame = shares(
            sorted(set(ccodes)), sorted(set(years)), version=version, extend_to=extend, source=src
        )
        return {
            (int(c), int(y)): float(v)
            for c, y, v in frame.select("ccode", "year", "cinc").iter_rows()
        }

    return fetch


@dataclass(frozen=True)
class CaseModel:
    """A case with its data attached: capabilities, trends, and every coded value resolved.

    ``reader`` is a filter passed in (tests use stand-ins); otherwise the reader is rebuilt
    from ``values`` on every call, from ``perception_filter`` (the perception layer's profile)
    or the coded ``juche_discount``, so that every input can be varied like any other.

    ``values`` maps a lever-addressable key to its current value, so a lever is a change of
    one entry (see :mod:`ncrealism.negotiation.levers`). Keys:
    ``stance.<party>.<dimension>.<ideal|reservation|salience>``, ``survival.<field>``,
    ``patron.<name>.support``, ``forum.quota``, ``commitment.<party>.<field>`` and, with the
    perception reader, ``filter.assurance_discount``.
    """

    case: CaseFile
    capability: Mapping[str, float]
    capability_trend: Mapping[str, float]
    values: Mapping[str, float]
    patron_capability: Mapping[str, float] = field(default_factory=dict)
    threat_capability: Mapping[int, float] = field(default_factory=dict)
    reader: AssuranceReader | None = None
    reader_name: str = ""
    perception_filter: Any = None
    path: str = ""

    # -------------------------------------------------------------- derived pieces
    @property
    def party_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.case.parties)

    def with_values(self, changes: Mapping[str, float]) -> CaseModel:
        unknown = [k for k in changes if k not in self.values]
        if unknown:
            raise InputError(f"unknown case value(s) {unknown}")
        new = dict(self.values)
        new.update({k: float(v) for k, v in changes.items()})
        return replace(self, values=new)

    def with_capability(self, capability: Mapping[str, float]) -> CaseModel:
        return replace(self, capability=dict(capability))

    def survival(self) -> SurvivalDerivation | None:
        s = self.case.survival
        if s is None:
            return None
        v = self.values
        patron = sum(
            v[f"patron.{p.name}.support"] * self.patron_capability[p.name] for p in s.patrons
        )
        own = self.capability[s.party]
        threat_cap = sum(self.threat_capability.values())
        w = _unit(v["survival.sanctions_weight"])
        threat = structural_threat(
            threat_cap, own, patron, _unit(v["survival.sanctions_pressure"]), w
        )
        reader: AssuranceReader
        if self.reader is not None:
            reader, reader_name = self.reader, self.reader_name
        elif self.perception_filter is not None:
            from ncrealism.perception.functions import misperceived_share

            filt = self.perception_filter
            if "filter.assurance_discount" in v:
                filt = filt.replace(assurance_discount=_unit(v["filter.assurance_discount"]))
            pool = threat_cap + own + patron
            codes = sorted(self.threat_capability)
            shares = [self.threat_capability[c] / pool for c in codes]
            factors = [filt.misperception.get(c, 1.0) for c in codes]
            shift = float(misperceived_share(shares, factors)) - threat_cap / pool
            pr = PerceptionReader(filt, own / pool, (1.0 - w) * shift)
            reader, reader_name = pr, pr.describe()
        else:
            coded = CodedReader(_unit(v["survival.juche_discount"]))
            reader, reader_name = coded, coded.describe()
        return SurvivalDerivation(
            party=s.party,
            dimension=s.dimension,
            assurance_dimension=s.assurance_dimension,
            threat=min(1.0, max(0.0, threat)),
            offer_credibility=_unit(v["survival.offer_credibility"]),
            survival_threshold=_unit(v["survival.survival_threshold"]),
            threat_reduction=max(1e-9, _unit(v["survival.threat_reduction"])),
            reader=reader,
            reader_name=reader_name,
            floor=_unit(v.get("survival.reservation_floor", 0.0)),
        )

    def problem(self) -> BargainingProblem:
        """The bargaining problem: parties with CINC, stances, forum rule, derived reservation."""
        v = self.values
        dims = tuple(Dimension(d.name, d.low, d.high) for d in self.case.dimensions)
        surv = self.survival()
        parties = []
        for p in self.case.parties:
            stances = {}
            for d in dims:
                key = f"stance.{p.name}.{d.name}"
                res = v.get(f"{key}.reservation")
                if res is None:  # derived: placeholder, replaced by the coupling
                    res = v[f"{key}.ideal"]
                stances[d.name] = Stance(
                    _unit(v[f"{key}.ideal"]), _unit(res), _unit(v[f"{key}.salience"])
                )
            parties.append(Party(p.name, self.capability[p.name], stances, veto=p.veto))
        couplings: tuple[CoupledReservation, ...] = ()
        if surv is not None:
            couplings = (
                CoupledReservation(
                    surv.party,
                    surv.dimension,
                    surv.assurance_dimension,
                    surv.reservation,
                    surv.describe(),
                    surv.reservation_grid,
                ),
            )
        return BargainingProblem(dims, tuple(parties), Forum(_unit(v["forum.quota"])), couplings)

    def commitments(self, nash: NashSolution) -> list[PartyCommitment]:
        """Each coalition member's commitment inputs at the agreement ``nash``."""
        return self.commitments_at(
            nash.coalition, nash.slack, nash.point.get(self._assurance_dimension(), 0.0)
        )

    def _assurance_dimension(self) -> str:
        s = self.case.survival
        return s.assurance_dimension if s is not None else ""

    def commitments_at(
        self, parties: Sequence[str], slack: Mapping[str, float], assurance: float
    ) -> list[PartyCommitment]:
        """Commitment inputs of ``parties`` with the given slacks (issue-scale units) and the
        survival party's credibility read at ``assurance`` on the assurance dimension."""
        v = self.values
        surv = self.survival()
        out = []
        for name in parties:
            spec = self.case.commitment.parties[name]
            if isinstance(spec.credibility, DerivedCredibility):
                assert surv is not None
                cred = surv.credibility(assurance)
            else:
                cred = _unit(v[f"commitment.{name}.credibility"])
            shift = self.capability_trend[name] + v[f"commitment.{name}.extra_shift"]
            out.append(
                PartyCommitment(
                    party=name,
                    slack=min(1.0, max(1e-9, slack[name])),
                    shift=shift,
                    credibility=min(1.0, max(0.0, cred)),
                    reversibility=_unit(v[f"commitment.{name}.reversibility"]),
                )
            )
        return out

    def provenance(self) -> list[dict[str, Any]]:
        """Every coded number of the case with its source or rationale (for reports)."""
        rows: list[dict[str, Any]] = []
        c = self.case
        rows.append(_prov("forum.quota", c.forum.quota))
        for p in c.parties:
            for d, st in p.stances.items():
                rows.append(_prov(f"stance.{p.name}.{d}.ideal", st.ideal))
                if isinstance(st.reservation, Coded):
                    rows.append(_prov(f"stance.{p.name}.{d}.reservation", st.reservation))
                else:
                    rows.append(
                        {
                            "key": f"stance.{p.name}.{d}.reservation",
                            "value": None,
                            "provenance": "derived from [survival]: " + st.reservation.rationale,
                        }
                    )
                rows.append(_prov(f"stance.{p.name}.{d}.salience", st.salience))
        if c.survival is not None:
            for f in _SURVIVAL_FIELDS:
                if getattr(c.survival, f) is not None:
                    rows.append(_prov(f"survival.{f}", getattr(c.survival, f)))
            if c.survival.reservation_floor is not None:
                rows.append(_prov("survival.reservation_floor", c.survival.reservation_floor))
            for pat in c.survival.patrons:
                rows.append(_prov(f"patron.{pat.name}.support", pat.support))
        for name, cp in c.commitment.parties.items():
            rows.append(_prov(f"commitment.{name}.extra_shift", cp.extra_shift))
            rows.append(_prov(f"commitment.{name}.reversibility", cp.reversibility))
            if isinstance(cp.credibility, Coded):
                rows.append(_prov(f"commitment.{name}.credibility", cp.credibility))
        rows.append(_prov("commitment.volatility", c.commitment.volatility))
        rows.append(_prov("commitment.horizon_years", c.commitment.horizon_years))
        return rows


_SURVIVAL_FIELDS = (
    "offer_credibility",
    "sanctions_pressure",
    "sanctions_weight",
    "survival_threshold",
    "threat_reduction",
    "juche_discount",
)


def _prov(key: str, coded: Coded) -> dict[str, Any]:
    return {"key": key, "value": coded.value, "provenance": coded.provenance}


def _unit(x: float) -> float:
    return min(1.0, max(0.0, float(x)))


def _slope(years: Sequence[int], values: Sequence[float]) -> float:
    n = len(years)
    if n < 2:
        return 0.0
    my = sum(years) / n
    mv = sum(values) / n
    den = sum((y - my) ** 2 for y in years)
    return sum((y - my) * (v - mv) for y, v in zip(years, values, strict=True)) / den


def build_case(
    case: CaseFile | str | Path,
    *,
    source: DataSource | None = None,
    capabilities: CapabilityFn | None = None,
    reader: AssuranceReader | None = None,
    nmc_version: NMCVersion | None = None,
) -> CaseModel:
    """Attach data to a case: CINC in ``capability_year``, capability trends, the filter.

    ``capabilities`` defaults to the system layer on ``source``; ``reader`` overrides the
    case's filter (tests use it to plug in a stand-in filter). ``nmc_version`` overrides the
    case file's COW NMC release (e.g. ``"6.0"`` on request; the case files use v7.0).
    """
    path = ""
    if not isinstance(case, CaseFile):
        path = str(case_path(case))
        case = load_case(case)
    if nmc_version is not None and nmc_version != case.nmc_version:
        case = case.model_copy(update={"nmc_version": nmc_version})
    fetch = capabilities or nmc_capabilities(case.nmc_version, source)
    year = case.capability_year
    trend_years = list(range(year - case.commitment.trend_years + 1, year + 1))
    codes = {p.name: p.ccode for p in case.parties}
    extra: list[int] = []
    if case.survival is not None:
        extra = [*case.survival.threat_from, *(p.ccode for p in case.survival.patrons)]
    table = fetch([*codes.values(), *extra], trend_years)

    def cinc(code: int, y: int, what: str) -> float:
        try:
            return table[(code, y)]
        except KeyError:
            raise InputError(
                f"case '{case.id}': no capability (CINC) for {what} (COW {code}) in {y}"
            ) from None

    capability = {n: cinc(c, year, n) for n, c in codes.items()}
    trend: dict[str, float] = {}
    for n in codes:
        shares = []
        for y in trend_years:
            total = sum(cinc(c, y, m) for m, c in codes.items())
            shares.append(cinc(codes[n], y, n) / total)
        trend[n] = _slope(trend_years, shares)
    values: dict[str, float] = {"forum.quota": case.forum.quota.value}
    for p in case.parties:
        for d, st in p.stances.items():
            values[f"stance.{p.name}.{d}.ideal"] = st.ideal.value
            values[f"stance.{p.name}.{d}.salience"] = st.salience.value
            if isinstance(st.reservation, Coded):
                values[f"stance.{p.name}.{d}.reservation"] = st.reservation.value
    patron_cap: dict[str, float] = {}
    threat_cap: dict[int, float] = {}
    the_reader: AssuranceReader | None = None
    reader_name = ""
    filt: Any = None
    if case.survival is not None:
        s = case.survival
        for f in _SURVIVAL_FIELDS:
            coded_value = getattr(s, f)
            if coded_value is not None:
                values[f"survival.{f}"] = coded_value.value
        for pat in s.patrons:
            values[f"patron.{pat.name}.support"] = pat.support.value
            patron_cap[pat.name] = cinc(pat.ccode, year, pat.name)
        threat_cap = {c: cinc(c, year, "threat source") for c in s.threat_from}
        if s.reservation_floor is not None:
            values["survival.reservation_floor"] = s.reservation_floor.value
        if reader is not None:
            the_reader = reader
            describe = getattr(reader, "describe", None)
            reader_name = describe() if callable(describe) else type(reader).__name__
        elif s.reader == "perception":
            filt = _load_filter(s.party, codes[s.party], s.profile_year, source)
            values["filter.assurance_discount"] = float(filt["assurance_discount"])
    for name, cp in case.commitment.parties.items():
        values[f"commitment.{name}.extra_shift"] = cp.extra_shift.value
        values[f"commitment.{name}.reversibility"] = cp.reversibility.value
        if isinstance(cp.credibility, Coded):
            values[f"commitment.{name}.credibility"] = cp.credibility.value
    return CaseModel(
        case=case,
        capability=capability,
        capability_trend=trend,
        values=values,
        patron_capability=patron_cap,
        threat_capability=threat_cap,
        reader=the_reader,
        reader_name=reader_name,
        perception_filter=filt,
        path=path,
    )


# --------------------------------------------------------------------------------------------
# Analysis: forecast, zone, Nash solution, durability
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Forecast:
    """The expected-utility forecast on each dimension and the agreement probability.

    ``point`` maps dimension → forecast (the EUM weighted mean at its fixed point, the average
    over a cycle, or over the run's tail when it did not settle; issue scale); ``status`` the
    EUM status per dimension (``"converged"``, ``"cycle"``, ``"not_converged"``, or
    ``"consensus"`` when every party holds the same ideal point, which is then the forecast).
    ``draws`` is a (draws × dimensions) array of Monte Carlo forecasts (dimension order of the
    problem), ``in_zone`` whether each draw lies in the zone, and ``agreement_probability``
    their mean (0 when there is no zone; None without draws).
    """

    point: Mapping[str, float]
    status: Mapping[str, str]
    runs: Mapping[str, Any]
    draws: Any
    in_zone: Any
    agreement_probability: float | None
    point_in_zone: bool


def _actor_table(problem: BargainingProblem, dimension: str) -> Any:
    from ncrealism.negotiation.eum import ActorTable

    caps = [p.capability for p in problem.parties]
    top = max(caps)
    return ActorTable.from_arrays(
        problem.party_names,
        [c / top for c in caps],
        [p.stances[dimension].ideal for p in problem.parties],
        [p.stances[dimension].salience for p in problem.parties],
    )


def eum_forecast(
    problem: BargainingProblem,
    *,
    rounds: int = 50,
    draws: int = 0,
    seed: int = 0,
    zone: Any = None,
) -> Forecast:
    """Run the expected-utility model (Bueno de Mesquita 1994; :mod:`.eum`) on each dimension.

    Actors are the parties, with capability = CINC / the largest CINC among them (the model
    is invariant to that scaling), position = ideal point and salience as coded. With
    ``draws > 0``, :func:`ncrealism.negotiation.eum.monte_carlo` perturbs saliences (±10%,
    its default) with one child seed per dimension spawned from ``seed``
    (``numpy.random.SeedSequence``), and the agreement probability is the share of draws
    whose forecast vector lies in the zone.
    """
    import numpy as np

    from ncrealism.negotiation.bargaining import contains, find_zone
    from ncrealism.negotiation.eum import monte_carlo, run_eum

    if rounds < 1:
        raise InputError(f"rounds is {rounds}; it must be at least 1")
    if draws < 0:
        raise InputError(f"draws is {draws}; it must be ≥ 0")
    zone = zone if zone is not None else find_zone(problem)
    dims = problem.dimension_names
    children = np.random.SeedSequence(seed).spawn(len(dims))
    point: dict[str, float] = {}
    status: dict[str, str] = {}
    runs: dict[str, Any] = {}
    mc = np.zeros((draws, len(dims)))
    for j, d in enumerate(dims):
        ideals = {p.stances[d].ideal for p in problem.parties}
        if len(ideals) == 1:
            point[d] = ideals.pop()
            status[d] = "consensus"
            mc[:, j] = point[d]
            continue
        try:
            table = _actor_table(problem, d)
            res = run_eum(table, rounds=rounds)
        except ValueError as exc:
            raise InputError(f"expected-utility model on '{d}': {exc}") from exc
        runs[d] = res
        point[d] = float(res.outcome.mean_avg)
        status[d] = res.status
        if draws:
            out = monte_carlo(table, draws, np.random.default_rng(children[j]), rounds=rounds)
            mc[:, j] = out.mean_forecast
    point_in = bool(zone.exists and contains(problem, zone, point))
    if draws:
        inside = np.array(
            [
                bool(zone.exists and contains(problem, zone, dict(zip(dims, row, strict=True))))
                for row in mc
            ]
        )
        prob: float | None = float(inside.mean())
    else:
        inside = np.zeros(0, dtype=bool)
        prob = None
    return Forecast(point, status, runs, mc, inside, prob, point_in)


@dataclass(frozen=True, eq=False)
class Analysis:
    """A case analysed: problem, zone, Nash solution, durability (None without a zone) and
    forecast."""

    model: CaseModel
    problem: BargainingProblem
    zone: Any
    nash: NashSolution | None
    durability: Any
    forecast: Forecast | None


def analyse(
    model: CaseModel,
    *,
    rounds: int = 50,
    draws: int = 0,
    seed: int = 0,
    with_forecast: bool = True,
) -> Analysis:
    """Zone of agreement, Nash solution, durability and (optionally) the EUM forecast."""
    from ncrealism.negotiation.bargaining import find_zone, nash_solution
    from ncrealism.negotiation.commitment import durability

    problem = model.problem()
    zone = find_zone(problem)
    nash = nash_solution(problem, zone)
    dur = None
    if nash is not None:
        c = model.case.commitment
        dur = durability(
            model.commitments(nash),
            volatility=c.volatility.value,
            horizon_years=c.horizon_years.value,
        )
    fc = (
        eum_forecast(problem, rounds=rounds, draws=draws, seed=seed, zone=zone)
        if with_forecast
        else None
    )
    return Analysis(model, problem, zone, nash, dur, fc)
