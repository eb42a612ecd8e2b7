"""The scenario file format: pydantic models, validated on load, exported as JSON Schema.

A scenario is a TOML file with these tables (every key is documented in the JSON Schema,
``docs/scenario.schema.json``, exported by :func:`json_schema`):

``[scenario]``      name, title, rationale and sources (what the scenario asks and why).
``[scope]``         COW state codes and the first and last year.
``[data]``          the data registry version and dataset versions the results depend on.
``[perception]``    a named perception profile of the decision layer and fixed overrides of
                    its parameters.
``[[shocks]]``      changes to a model input from a year on: patron support, sanctions,
                    assurance credibility, a leader transition, a capability shock, or any
                    named input; the size of each change may be a distribution.
``[[negotiations]]`` negotiation cases to evaluate (agreement probability and durability).
``[uncertainty]``   distributions over any model parameter (normal, uniform, beta, triangular,
                    fixed); keys are parameter names.
``[run]``           number of draws, root seed, chunk size and reported quantiles.
``[sweep]``         an optional grid: parameter name → list of values; every combination is
                    run with the same draws.

Checks made here need no data or model (types, ranges, unknown keys, consistency inside the
file). Checks against the model's parameter names, the data registry and the negotiation
cases are made by :func:`ncrealism.scenario.loader.resolve`.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

__all__ = [
    "SHOCK_KINDS",
    "Beta",
    "DataPins",
    "Distribution",
    "Fixed",
    "Meta",
    "NegotiationSpec",
    "Normal",
    "Perception",
    "RunSettings",
    "Scenario",
    "Scope",
    "Shock",
    "SweepSpec",
    "Triangular",
    "Uniform",
    "json_schema",
    "scenario_hash",
    "schema_text",
]

_SLUG = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"


class LocatedValueError(ValueError):
    """A cross-field error that knows which key it is about."""

    def __init__(self, loc: tuple[str | int, ...], message: str) -> None:
        self.loc = loc
        super().__init__(message)


def _located(loc: tuple[str | int, ...], message: str) -> LocatedValueError:
    return LocatedValueError(loc, message)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# --------------------------------------------------------------------------------------------
# Distributions
# --------------------------------------------------------------------------------------------


class Fixed(_Strict):
    """A known value (a point mass). A bare number in the file means ``fixed``."""

    dist: Literal["fixed"] = "fixed"
    value: float = Field(allow_inf_nan=False, description="The value.")


class Normal(_Strict):
    """Normal distribution, optionally truncated to [lower, upper]."""

    dist: Literal["normal"]
    mean: float = Field(allow_inf_nan=False, description="Mean (before truncation).")
    sd: float = Field(gt=0, allow_inf_nan=False, description="Standard deviation, > 0.")
    lower: float | None = Field(None, allow_inf_nan=False, description="Truncate below.")
    upper: float | None = Field(None, allow_inf_nan=False, description="Truncate above.")

    @model_validator(mode="after")
    def _bounds(self) -> Normal:
        if self.lower is not None and self.upper is not None and self.lower >= self.upper:
            raise _located(("upper",), f"lower ({self.lower}) must be below upper ({self.upper})")
        return self


class Uniform(_Strict):
    """Uniform distribution on [low, high]."""

    dist: Literal["uniform"]
    low: float = Field(allow_inf_nan=False, description="Lower end.")
    high: float = Field(allow_inf_nan=False, description="Upper end, > low.")

    @model_validator(mode="after")
    def _order(self) -> Uniform:
        if self.low >= self.high:
            raise _located(("high",), f"low ({self.low}) must be below high ({self.high})")
        return self


class Beta(_Strict):
    """Beta(a, b) distribution, scaled to [low, high] (default [0, 1])."""

    dist: Literal["beta"]
    a: float = Field(gt=0, allow_inf_nan=False, description="First shape parameter, > 0.")
    b: float = Field(gt=0, allow_inf_nan=False, description="Second shape parameter, > 0.")
    low: float = Field(0.0, allow_inf_nan=False, description="Lower end of the support.")
    high: float = Field(1.0, allow_inf_nan=False, description="Upper end of the support.")

    @model_validator(mode="after")
    def _order(self) -> Beta:
        if self.low >= self.high:
            raise _located(("high",), f"low ({self.low}) must be below high ({self.high})")
        return self


class Triangular(_Strict):
    """Triangular distribution with the given low, mode and high."""

    dist: Literal["triangular"]
    low: float = Field(allow_inf_nan=False, description="Lower end.")
    mode: float = Field(allow_inf_nan=False, description="Most likely value, in [low, high].")
    high: float = Field(allow_inf_nan=False, description="Upper end, > low.")

    @model_validator(mode="after")
    def _order(self) -> Triangular:
        if self.low >= self.high:
            raise _located(("high",), f"low ({self.low}) must be below high ({self.high})")
        if not self.low <= self.mode <= self.high:
            raise _located(
                ("mode",), f"mode ({self.mode}) must lie in [low, high] = [{self.low}, {self.high}]"
            )
        return self


DIST_NAMES = ("fixed", "normal", "uniform", "beta", "triangular")


def _number_as_fixed(v: Any) -> Any:
    if isinstance(v, bool):
        return v
    if isinstance(v, int | float):
        return {"dist": "fixed", "value": v}
    return v


Distribution = Annotated[
    Fixed | Normal | Uniform | Beta | Triangular,
    Field(discriminator="dist"),
    BeforeValidator(_number_as_fixed),
]


# --------------------------------------------------------------------------------------------
# Sections
# --------------------------------------------------------------------------------------------


class Meta(_Strict):
    """What the scenario asks, why, and on what evidence."""

    name: str = Field(pattern=_SLUG, max_length=80, description="Identifier (letters, -, _, .).")
    title: str = Field(min_length=1, description="One-line title.")
    rationale: str = Field("", description="Why this scenario, in a few sentences.")
    sources: list[str] = Field(default_factory=list, description="Citations backing it.")
    kind: Literal["baseline", "counterfactual", "negotiation", "test"] = Field(
        "counterfactual", description="Baseline (the record), counterfactual or negotiation."
    )


class Scope(_Strict):
    """States (COW codes) and years."""

    states: list[int] = Field(min_length=1, strict=True, description="COW state codes, e.g. [731].")
    years: tuple[int, int] = Field(
        strict=False, description="First and last year, inclusive: [1990, 2009]."
    )

    @model_validator(mode="after")
    def _check(self) -> Scope:
        first, last = self.years
        if first > last:
            raise _located(("years",), f"the first year ({first}) is after the last ({last})")
        if not 1816 <= first <= 2100 or not 1816 <= last <= 2100:
            raise _located(("years",), f"{first}–{last} is outside the COW era 1816–2100")
        if len(set(self.states)) != len(self.states):
            raise _located(("states",), "a state code appears more than once")
        for s in self.states:
            if not 2 <= s <= 999:
                raise _located(("states",), f"{s} is not a COW state code (2–999)")
        return self


class DataPins(_Strict):
    """Data versions the results depend on; checked against the installed registry."""

    registry: str | None = Field(None, description="Data registry version, e.g. '2026.11'.")
    versions: dict[str, str] = Field(
        default_factory=dict, description="Dataset name → version, e.g. {nmc7 = '7.0'}."
    )
    context: str | None = Field(
        None,
        description=(
            "Context-event file (outside shocks of the record): a path, relative to the "
            "scenario file, or a file name looked up in NCR_HISTORY_DIR, then in the current "
            "folder, ./history and ../shared/history."
        ),
    )


class Perception(_Strict):
    """The perception profile and fixed overrides of its parameters."""

    profile: str | None = Field(None, description="A named profile of the decision layer.")
    overrides: dict[str, float] = Field(
        default_factory=dict, description="Parameter name → fixed value."
    )


SHOCK_KINDS = (
    "patron_support",
    "sanctions",
    "assurance_credibility",
    "leader_transition",
    "capability",
    "input",
)
ShockKind = Literal[
    "patron_support",
    "sanctions",
    "assurance_credibility",
    "leader_transition",
    "capability",
    "input",
]


class Shock(_Strict):
    """A change to one model input, from a year on (until a year, if given)."""

    id: str = Field(pattern=_SLUG, max_length=60, description="Identifier, unique in the file.")
    kind: ShockKind = Field(description="What changes; 'input' names any model input.")
    input: str | None = Field(
        None, description="The model input changed (required for kind = 'input')."
    )
    start: int = Field(alias="from", strict=True, description="First year affected.")
    until: int | None = Field(
        None, strict=True, description="Last year affected (default: the last year)."
    )
    states: list[int] | None = Field(None, description="States affected (default: all).")
    op: Literal["set", "add", "scale", "union", "own_capability"] | None = Field(
        None,
        description=(
            "How the value applies (default by kind): set x = v; add x + v; scale x·v; union "
            "1 − (1 − x)(1 − v) for 0–1 intensities; own_capability: factor v on the state's "
            "own capability, shares recomputed."
        ),
    )
    value: Distribution = Field(description="The new value, increment or factor.")
    label: str = Field("", description="Short description.")
    source: str = Field("", description="Where the size of the shock comes from.")

    @model_validator(mode="after")
    def _check(self) -> Shock:
        if self.kind == "input" and not self.input:
            raise _located(
                ("kind",), "kind = 'input' needs 'input', the name of the model input changed"
            )
        if self.until is not None and self.until < self.start:
            raise _located(("until",), f"until ({self.until}) is before from ({self.start})")
        return self


class NegotiationSpec(_Strict):
    """A negotiation case of the negotiation layer, evaluated under the scenario."""

    case: str = Field(description="Case name (see `ncr negotiation cases`).")
    label: str = Field("", description="Short description.")


class RunSettings(_Strict):
    """Monte Carlo settings (the command line can override them)."""

    draws: int = Field(
        1000, strict=True, ge=1, le=100_000_000, description="Draws per sweep point."
    )
    seed: int = Field(0, strict=True, ge=0, lt=2**63, description="Root seed of all randomness.")
    chunk_size: int = Field(
        500,
        strict=True,
        ge=1,
        le=10_000_000,
        description="Draws per chunk (the unit of work and resume).",
    )
    quantiles: list[float] = Field(
        default_factory=lambda: [0.05, 0.25, 0.5, 0.75, 0.95],
        min_length=1,
        max_length=20,
        description="Quantiles reported for every quantity, each in (0, 1).",
    )

    @model_validator(mode="after")
    def _check(self) -> RunSettings:
        for q in self.quantiles:
            if not 0.0 < q < 1.0:
                raise _located(("quantiles",), f"quantile {q} is not in (0, 1)")
        if len(set(self.quantiles)) != len(self.quantiles):
            raise _located(("quantiles",), "a quantile appears more than once")
        return self


class SweepSpec(_Strict):
    """A grid of scenario variants: every combination of the listed values is run."""

    grid: dict[str, list[float]] = Field(
        default_factory=dict,
        description="Parameter (or 'shock.<id>') → values; the cartesian product is swept.",
    )

    @model_validator(mode="after")
    def _check(self) -> SweepSpec:
        for k, values in self.grid.items():
            if not values:
                raise _located(("grid", k), f"'{k}' has an empty list of values")
            if len(set(values)) != len(values):
                raise _located(("grid", k), f"'{k}' lists a value more than once")
        return self


class Scenario(_Strict):
    """A complete scenario file."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        populate_by_name=True,
        title="ncrealism scenario",
        json_schema_extra={
            "$comment": "Generated by ncrealism.scenario.schema.json_schema(); do not edit."
        },
    )

    scenario: Meta
    scope: Scope
    data: DataPins = Field(default_factory=DataPins)
    perception: Perception = Field(default_factory=Perception)
    shocks: list[Shock] = Field(default_factory=list)
    negotiations: list[NegotiationSpec] = Field(default_factory=list)
    uncertainty: dict[str, Distribution] = Field(default_factory=dict)
    run: RunSettings = Field(default_factory=RunSettings)
    sweep: SweepSpec = Field(default_factory=SweepSpec)

    @model_validator(mode="after")
    def _consistency(self) -> Scenario:
        first, last = self.scope.years
        seen: set[str] = set()
        for i, s in enumerate(self.shocks):
            if s.id in seen:
                raise _located(("shocks", i, "id"), f"shock id '{s.id}' is used twice")
            seen.add(s.id)
            if not first <= s.start <= last:
                raise _located(
                    ("shocks", i, "from"),
                    f"shock '{s.id}' starts in {s.start}, outside the scope {first}–{last}",
                )
            if s.until is not None and s.until > last:
                raise _located(
                    ("shocks", i, "until"),
                    f"shock '{s.id}' lasts until {s.until}, after the last year {last}",
                )
            for st in s.states or []:
                if st not in self.scope.states:
                    raise _located(
                        ("shocks", i, "states"),
                        f"shock '{s.id}' names state {st}, which is not in scope.states",
                    )
        cases: set[str] = set()
        for i, n in enumerate(self.negotiations):
            if n.case in cases:
                raise _located(("negotiations", i, "case"), f"case '{n.case}' is listed twice")
            cases.add(n.case)
        for k in self.perception.overrides:
            if k in self.uncertainty:
                raise _located(
                    ("uncertainty", k),
                    f"'{k}' is both fixed in [perception.overrides] and uncertain here; keep one",
                )
        for k in self.sweep.grid:
            if k in self.uncertainty:
                raise _located(
                    ("sweep", "grid", k),
                    f"'{k}' is both swept on the grid and uncertain in [uncertainty]; keep one",
                )
        return self

    def spec_hash(self) -> str:
        """See :func:`scenario_hash`."""
        return scenario_hash(self)


def scenario_hash(s: Scenario) -> str:
    """sha256 of the scenario's content, without ``[run]`` (draws, seed and chunking are recorded
    separately) and independent of formatting, comments and key order."""
    payload = s.model_dump(mode="json", by_alias=True, exclude={"run"})
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


def json_schema() -> dict[str, Any]:
    """The JSON Schema of scenario files (as written to ``docs/scenario.schema.json``)."""
    schema = Scenario.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    out: dict[str, Any] = _numbers_as_fixed(schema)
    return out


def _numbers_as_fixed(node: Any) -> Any:
    """Allow a plain number wherever a distribution is expected (it means ``fixed``)."""
    if isinstance(node, dict):
        out = {k: _numbers_as_fixed(v) for k, v in node.items()}
        disc = out.get("discriminator")
        if isinstance(disc, dict) and disc.get("propertyName") == "dist":
            return {
                "anyOf": [{"type": "number", "description": "A fixed value."}, out],
                "description": "A distribution (table with 'dist') or a plain number (fixed).",
            }
        return out
    if isinstance(node, list):
        return [_numbers_as_fixed(v) for v in node]
    return node


def schema_text() -> str:
    """:func:`json_schema` as the text of ``docs/scenario.schema.json`` (2-space indent)."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
