"""Loading, validating and resolving scenario files.

:func:`load_scenario` reads a TOML file and validates it against the schema
(:mod:`ncrealism.scenario.schema`); every problem becomes a
:class:`~ncrealism.scenario._toml.ScenarioError` naming the file, the line and the key, with
the nearest valid spelling when a key or a choice is misspelt. :func:`resolve` then checks the
scenario against the decision model (parameter and input names, bounds), the data registry
(versions) and the negotiation cases, reads the inputs, and returns the
:class:`~ncrealism.scenario.engine.Plan` a sweep evaluates. Nothing is written before
:func:`resolve` has returned, so an invalid file never leaves a half-written result.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast, get_args, get_origin

import numpy as np
from pydantic import BaseModel, ValidationError

from ncrealism.errors import InputError
from ncrealism.scenario._toml import (
    KeyPath,
    ScenarioError,
    format_key,
    key_lines,
    line_of,
    nearest,
    read_toml,
)
from ncrealism.scenario.distributions import support
from ncrealism.scenario.engine import NegotiationPlan, ParamSpec, Plan
from ncrealism.scenario.limits import Limits, grid_size
from ncrealism.scenario.model import ShockPlan
from ncrealism.scenario.schema import (
    DIST_NAMES,
    SHOCK_KINDS,
    Distribution,
    Fixed,
    LocatedValueError,
    Scenario,
)

if TYPE_CHECKING:
    from ncrealism.data.fetch import DataSource
    from ncrealism.scenario.backends import DecisionBackend, NegotiationBackend, ShockOp

__all__ = ["LoadedScenario", "load_scenario", "loads_scenario", "package_version", "resolve"]


def package_version() -> str:
    """The installed ncrealism version."""
    try:
        return metadata.version("ncrealism")
    except metadata.PackageNotFoundError:  # pragma: no cover - source checkout without install
        return "0+unknown"


@dataclass(frozen=True)
class LoadedScenario:
    """A schema-valid scenario with the text it came from (for locating later errors)."""

    spec: Scenario
    path: Path | None
    text: str
    lines: Mapping[KeyPath, int]

    @property
    def hash(self) -> str:
        return self.spec.spec_hash()

    @property
    def label(self) -> str:
        return str(self.path) if self.path is not None else f"<{self.spec.scenario.name}>"

    def error(
        self, key: Sequence[str | int], message: str, suggestion: str | None = None
    ) -> ScenarioError:
        """A :class:`ScenarioError` about ``key`` (a path into the file)."""
        return ScenarioError(
            self.label,
            message,
            line=line_of(dict(self.lines), key),
            key=format_key(key),
            suggestion=suggestion,
        )

    def to_json(self) -> str:
        return json.dumps(
            self.spec.model_dump(mode="json", by_alias=True), sort_keys=True, ensure_ascii=True
        )


def load_scenario(path: str | Path) -> LoadedScenario:
    """Read and schema-validate a scenario file (raises :class:`ScenarioError`)."""
    p = Path(path)
    data, text = read_toml(p)
    return _validate(data, text, p)


def loads_scenario(text: str, path: str | Path | None = None) -> LoadedScenario:
    """Schema-validate scenario TOML given as text (``path`` only names it in errors)."""
    import tomllib

    p = Path(path) if path is not None else None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        import re

        m = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        raise ScenarioError(
            p,
            "TOML syntax error: " + re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc)),
            line=int(m.group(1)) if m else None,
        ) from None
    return _validate(data, text, p)


def _validate(data: dict[str, Any], text: str, path: Path | None) -> LoadedScenario:
    lines = key_lines(text)
    try:
        spec = Scenario.model_validate(data)
    except ValidationError as exc:
        raise _translate(exc, data, lines, path) from None
    return LoadedScenario(spec, path, text, lines)


# --------------------------------------------------------------------------------------------
# Pydantic errors → file, line, key, suggestion
# --------------------------------------------------------------------------------------------


def _data_path(data: Any, loc: Sequence[str | int]) -> tuple[str | int, ...]:
    """The part of a pydantic ``loc`` that exists in the file (union tags dropped)."""
    out: list[str | int] = []
    cur = data
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        in_dict = isinstance(cur, dict) and part in cur
        in_list = isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur)
        if in_dict or in_list:
            out.append(part)
            cur = cur[part]
        elif last and isinstance(part, str) and not (isinstance(cur, dict) and part in DIST_NAMES):
            out.append(part)  # a missing key: named, located at its table
        elif isinstance(cur, dict) and part in DIST_NAMES:
            continue  # discriminated-union tag
        elif isinstance(part, str) and part.startswith(("function-", "union[", "tagged-union")):
            continue
        else:
            if last:
                out.append(part)
    return tuple(out)


def _model_at(path: Sequence[str | int], data: Any) -> type[BaseModel] | None:
    """The pydantic model describing the table at ``path`` (for valid-key suggestions)."""
    model: Any = Scenario
    cur = data
    for part in path:
        if model is None:
            return None
        ann = _field_annotation(model, part)
        cur = cur.get(part) if isinstance(cur, dict) else None
        model = _inner_model(ann, cur)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _field_annotation(model: Any, part: str | int) -> Any:
    if isinstance(model, type) and issubclass(model, BaseModel):
        if isinstance(part, int):
            return None
        for name, f in model.model_fields.items():
            if part in (name, f.alias):
                return f.annotation
        return None
    origin = get_origin(model)
    if origin in (list, tuple) and isinstance(part, int):
        return get_args(model)[0]
    if origin is dict:
        return get_args(model)[1]
    return None


def _inner_model(ann: Any, value: Any) -> Any:
    if ann is None:
        return None
    origin = get_origin(ann)
    if origin is None and isinstance(ann, type):
        return ann
    args = [a for a in get_args(ann) if a is not type(None)]
    if origin in (list, tuple, dict):
        return ann
    # Annotated / Union: pick the member matching a 'dist' tag, else the only model
    models = []
    for a in args:
        inner = get_args(a)[0] if get_origin(a) is not None and hasattr(a, "__metadata__") else a
        sub_args = get_args(inner) if get_origin(inner) is not None else (inner,)
        for s in sub_args:
            if isinstance(s, type) and issubclass(s, BaseModel):
                models.append(s)
    if isinstance(value, dict) and "dist" in value:
        for m in models:
            if m.model_fields["dist"].default == value["dist"] or value["dist"] in str(
                m.model_fields["dist"].annotation
            ):
                return m
    return models[0] if len(models) == 1 else None


def _valid_keys(model: type[BaseModel]) -> list[str]:
    return [f.alias or n for n, f in model.model_fields.items()]


_DIST_ALIASES = {
    "gaussian": "normal",
    "gauss": "normal",
    "norm": "normal",
    "truncnorm": "normal",
    "unif": "uniform",
    "triang": "triangular",
    "triangle": "triangular",
    "constant": "fixed",
    "const": "fixed",
    "point": "fixed",
}

_KEY_ALIASES = {
    "sigma": "sd",
    "std": "sd",
    "stdev": "sd",
    "mu": "mean",
    "min": "low",
    "max": "high",
    "lo": "low",
    "hi": "high",
    "peak": "mode",
    "alpha": "a",
    "beta": "b",
    "to": "until",
    "year": "from",
    "start": "from",
    "n": "draws",
    "samples": "draws",
}

#: Errors that explain others come first (an unknown key explains a missing one).
_PRIORITY = {"extra_forbidden": 0, "union_tag_invalid": 1, "union_tag_not_found": 1}


def _translate(
    exc: ValidationError, data: dict[str, Any], lines: Mapping[KeyPath, int], path: Path | None
) -> ScenarioError:
    errors = sorted(exc.errors(), key=lambda e: _PRIORITY.get(str(e.get("type")), 2))
    first: ScenarioError | None = None
    more: list[str] = []
    for err in errors:
        e = _one(err, data, lines, path)
        if first is None:
            first = e
        else:
            more.append(f"  also: {e}")
    assert first is not None
    if more:
        shown = more[:5]
        if len(more) > 5:
            shown.append(f"  … and {len(more) - 5} more")
        return ScenarioError(
            first.path,
            first.detail
            + ("; did you mean '" + first.suggestion + "'?" if first.suggestion else "")
            + "\n"
            + "\n".join(shown),
            line=first.line,
            key=first.key,
        )
    return first


def _one(
    err: Any, data: dict[str, Any], lines: Mapping[KeyPath, int], path: Path | None
) -> ScenarioError:
    loc = tuple(err.get("loc", ()))
    typ = err.get("type", "")
    ctx = err.get("ctx") or {}
    suggestion: str | None = None
    cause = ctx.get("error")
    if isinstance(cause, LocatedValueError):
        key = (*_data_path(data, loc), *cause.loc)
        return ScenarioError(path, str(cause), line=line_of(dict(lines), key), key=format_key(key))
    key = _data_path(data, loc)
    got = err.get("input")
    if typ == "extra_forbidden":
        parent = key[:-1]
        model = _model_at(parent, data)
        word = str(key[-1]) if key else ""
        if model is not None:
            valid_keys = _valid_keys(model)
            suggestion = nearest(word, valid_keys)
            alias = _KEY_ALIASES.get(word.lower())
            if suggestion is None and alias in valid_keys:
                suggestion = alias
            valid = ", ".join(_valid_keys(model))
            msg = f"unknown key '{word}' (valid keys here: {valid})"
        else:
            msg = f"unknown key '{word}'"
    elif typ == "missing":
        msg = f"missing required key '{key[-1]}'" if key else "missing required key"
    elif typ == "union_tag_invalid":
        tag = ctx.get("tag", got)
        suggestion = _DIST_ALIASES.get(str(tag).lower()) or nearest(str(tag), DIST_NAMES)
        msg = f"unknown distribution '{tag}' (one of: {', '.join(DIST_NAMES)})"
        key = (*key, "dist") if key and key[-1] != "dist" else key
    elif typ == "union_tag_not_found":
        msg = f"a distribution needs 'dist' = one of {', '.join(DIST_NAMES)}, or a plain number"
    elif typ == "literal_error":
        expected = [
            s.strip().strip("'\"")
            for s in str(ctx.get("expected", "")).replace(" or ", ",").split(",")
        ]
        expected = [e for e in expected if e]
        suggestion = nearest(str(got), expected) if got is not None else None
        if key and key[-1] == "kind" and "shocks" in key:
            expected = list(SHOCK_KINDS)
        msg = f"'{got}' is not allowed (one of: {', '.join(expected)})"
    elif typ in {"value_error", "assertion_error"}:
        msg = str(ctx.get("error", err.get("msg", "")))
    else:
        msg = f"{err.get('msg', 'invalid value')} (got {got!r})"
        msg = msg[0].lower() + msg[1:]
    return ScenarioError(
        path, msg, line=line_of(dict(lines), key), key=format_key(key), suggestion=suggestion
    )


# --------------------------------------------------------------------------------------------
# Resolution against the model, the data and the negotiation cases
# --------------------------------------------------------------------------------------------


def _check_support(
    loaded: LoadedScenario,
    key: Sequence[str | int],
    dist: Distribution,
    lower: float,
    upper: float,
    what: str,
) -> None:
    lo, hi = support(dist)
    if lo < lower or hi > upper:
        fix = (
            "use a beta, a uniform or a truncated normal (lower/upper) inside the bounds"
            if dist.dist == "normal" or lo == -math.inf or hi == math.inf
            else "narrow the distribution"
        )
        raise loaded.error(
            key,
            f"{what} must stay in [{lower:g}, {upper:g}], but this {dist.dist} distribution "
            f"reaches [{lo:g}, {hi:g}]; {fix}",
        )


def resolve(
    loaded: LoadedScenario,
    *,
    source: DataSource | None = None,
    backend: DecisionBackend | None = None,
    negotiation: NegotiationBackend | None = None,
    draws: int | None = None,
    seed: int | None = None,
    chunk_size: int | None = None,
    context: Path | None = None,
    limits: Limits | None = None,
) -> Plan:
    """Check ``loaded`` against the model, data and cases, read the inputs, build the plan.

    ``draws``, ``seed`` and ``chunk_size`` override ``[run]``, ``context`` the context-event
    file of ``[data]``. The size of the sweep (grid variants × draws) is checked against
    ``limits`` (default :class:`~ncrealism.scenario.engine.Limits`) before anything is read or
    built. Years whose inputs repeat the previous year's (past the end of the data) are
    reported with a :class:`DataCoverageWarning`. ``backend`` defaults to the
    decision layer (:func:`ncrealism.scenario.backends.default_backend`); ``negotiation`` to the
    negotiation layer's cases.
    """
    from ncrealism.data.fetch import DataSource

    spec = loaded.spec
    if backend is None:
        from ncrealism.scenario.backends import default_backend

        backend = default_backend()
    if source is None:
        source = DataSource.from_env()
    run = spec.run
    draws = run.draws if draws is None else draws
    seed = run.seed if seed is None else seed
    chunk_size = run.chunk_size if chunk_size is None else chunk_size

    if draws < 1:
        raise InputError(f"--draws must be at least 1, not {draws}")
    if not 0 <= seed < 2**63:
        raise InputError(f"--seed must be in [0, 2^63), not {seed}")
    if chunk_size < 1:
        raise InputError(f"--chunk-size must be at least 1, not {chunk_size}")
    (limits or Limits()).check_size(
        grid_size(len(v) for v in spec.sweep.grid.values()), draws, where=loaded.label
    )

    # -- data pins
    reg = source.registry
    if spec.data.registry is not None and spec.data.registry != reg.version:
        raise loaded.error(
            ("data", "registry"),
            f"the scenario was written for data registry {spec.data.registry}, but the installed "
            f"registry is {reg.version}",
            suggestion=reg.version,
        )
    names = reg.names()
    for ds, version in spec.data.versions.items():
        if ds not in names:
            raise loaded.error(
                ("data", "versions", ds), f"unknown dataset '{ds}'", suggestion=nearest(ds, names)
            )
        if reg[ds].version != version:
            raise loaded.error(
                ("data", "versions", ds),
                f"dataset '{ds}' is version {reg[ds].version} in the installed registry, not "
                f"{version}",
                suggestion=reg[ds].version,
            )

    # -- model and perception profile
    profiles = backend.profiles()
    profile = spec.perception.profile
    if profile is not None and profile not in profiles:
        raise loaded.error(
            ("perception", "profile"),
            f"unknown perception profile '{profile}' (available: {', '.join(profiles)})",
            suggestion=nearest(profile, profiles),
        )
    model = backend.model(profile)
    pinfo = {p.name: p for p in model.params}
    pnames = list(pinfo)
    for k, v in spec.perception.overrides.items():
        if k not in pinfo:
            raise loaded.error(
                ("perception", "overrides", k),
                f"unknown model parameter '{k}'",
                suggestion=nearest(k, pnames),
            )
        info = pinfo[k]
        if not info.lower <= v <= info.upper:
            raise loaded.error(
                ("perception", "overrides", k),
                f"{k} = {v:g} is outside its bounds [{info.lower:g}, {info.upper:g}]",
            )

    # -- negotiation cases
    neg_plans: list[NegotiationPlan] = []
    neg_params: dict[str, tuple[int, str]] = {}  # full name → (case index, input name)
    if spec.negotiations:
        if negotiation is None:
            from ncrealism.scenario.backends import default_negotiation

            negotiation = default_negotiation(source)
        cases = negotiation.cases()
        for i, n in enumerate(spec.negotiations):
            if n.case not in cases:
                raise loaded.error(
                    ("negotiations", i, "case"),
                    f"unknown negotiation case '{n.case}' "
                    f"(available: {', '.join(cases) or 'none'})",
                    suggestion=nearest(n.case, cases),
                )
            case_model = negotiation.case(n.case)
            inputs = {name: f"negotiation.{n.case}.{name}" for name in case_model.params}
            neg_plans.append(NegotiationPlan(case_model, inputs))
            for name in case_model.params:
                neg_params[f"negotiation.{n.case}.{name}"] = (i, name)

    # -- uncertainty
    params: list[ParamSpec] = []
    drawn: set[str] = set()
    for k, dist in spec.uncertainty.items():
        key: tuple[str | int, ...] = ("uncertainty", k)
        if k in pinfo:
            info = pinfo[k]
            _check_support(loaded, key, dist, info.lower, info.upper, k)
            params.append(ParamSpec(k, dist, "model", pnames.index(k), info.unit))
        elif k in neg_params:
            params.append(ParamSpec(k, dist, "negotiation"))
        else:
            valid = pnames + list(neg_params)
            raise loaded.error(
                key,
                f"unknown parameter '{k}' (model parameters: {', '.join(pnames)})",
                suggestion=nearest(k, valid),
            )
        drawn.add(k)

    # -- shocks
    shock_defaults = backend.shock_inputs()
    input_names = [f.name for f in model.inputs]
    inputs_by_name = {f.name: f for f in model.inputs}
    shock_specs: list[tuple[int, str, str, Any]] = []
    for i, s in enumerate(spec.shocks):
        if s.kind == "input":
            assert s.input is not None
            name = s.input
            op: str = s.op or "set"
        else:
            default_input, default_op = shock_defaults[s.kind]
            name = s.input or default_input
            op = s.op or default_op
        if name not in inputs_by_name:
            raise loaded.error(
                ("shocks", i, "input"),
                f"unknown model input '{name}' (inputs: {', '.join(input_names)})",
                suggestion=nearest(name, input_names),
            )
        info_in = inputs_by_name[name]
        if op in ("set", "union"):
            lo_b, hi_b = (0.0, 1.0) if op == "union" else (info_in.lower, info_in.upper)
            _check_support(loaded, ("shocks", i, "value"), s.value, lo_b, hi_b, name)
        if op == "own_capability" and "relative_power" not in inputs_by_name:
            raise loaded.error(
                ("shocks", i, "op"),
                "op 'own_capability' needs a model input 'relative_power'",
            )
        if op in ("scale", "own_capability"):
            lo, _hi = support(s.value)
            if lo < 0:
                raise loaded.error(
                    ("shocks", i, "value"),
                    f"a scale factor must not be negative, but this {s.value.dist} distribution "
                    f"reaches {lo:g}",
                )
        shock_specs.append((i, name, op, s))
        unit = "factor" if op in ("scale", "own_capability") else info_in.unit
        params.append(ParamSpec(f"shock.{s.id}", s.value, "shock", -1, unit))
        drawn.add(f"shock.{s.id}")

    # -- shocks in force when a case's talks opened carry over to the case
    for ci, neg in enumerate(neg_plans):
        case_year = getattr(neg.model, "year", None)
        targets_of = getattr(neg.model, "shock_targets", None)
        party = getattr(neg.model, "party_ccode", None)
        if case_year is None or targets_of is None:
            continue
        carried: list[tuple[str, Any, str]] = []
        for _i, _name, op, s in shock_specs:
            until = s.until if s.until is not None else spec.scope.years[1]
            if not s.start <= case_year <= until:
                continue
            if s.states is not None and party is not None and party not in s.states:
                continue
            for target in targets_of(s.kind):
                carried.append((target, op, f"shock.{s.id}"))
        if carried:
            neg_plans[ci] = NegotiationPlan(neg.model, neg.inputs, tuple(carried))

    # -- grid
    grid: list[tuple[str, tuple[float, ...]]] = []
    for k, values in spec.sweep.grid.items():
        key = ("sweep", "grid", k)
        if k in pinfo:
            info = pinfo[k]
            for v in values:
                if not info.lower <= v <= info.upper:
                    raise loaded.error(
                        key, f"{k} = {v:g} is outside its bounds [{info.lower:g}, {info.upper:g}]"
                    )
            if k not in drawn:
                params.append(
                    ParamSpec(k, Fixed(value=values[0]), "model", pnames.index(k), info.unit)
                )
                drawn.add(k)
        elif k in neg_params and k not in drawn:
            params.append(ParamSpec(k, Fixed(value=values[0]), "negotiation"))
            drawn.add(k)
        elif k not in drawn:
            valid = pnames + [f"shock.{s.id}" for s in spec.shocks] + list(neg_params)
            raise loaded.error(key, f"unknown grid parameter '{k}'", suggestion=nearest(k, valid))
        grid.append((k, tuple(float(v) for v in values)))

    # -- negotiation inputs not made uncertain: a case input ``filter.<p>`` follows the model
    # parameter p when the scenario draws p (one perception filter for the decision model and
    # the case); any other input keeps the case's value
    for full, (ci, name) in neg_params.items():
        if full in drawn:
            continue
        linked = name.removeprefix("filter.") if name.startswith("filter.") else None
        if linked is not None and linked in pinfo and linked in drawn:
            neg = neg_plans[ci]
            neg_plans[ci] = NegotiationPlan(neg.model, {**neg.inputs, name: linked}, neg.shocks)
            continue
        params.append(ParamSpec(full, Fixed(value=neg_plans[ci].model.params[name]), "negotiation"))
        drawn.add(full)

    # -- inputs
    first, last = spec.scope.years
    context_path = _context_path(loaded, context)
    try:
        frame = backend.inputs(
            list(spec.scope.states), first, last, source, profile=profile, context=context_path
        )
    except ScenarioError:
        raise
    except InputError as exc:  # e.g. a state without data: name the file and the key
        raise loaded.error(("scope", "states"), str(exc)) from None
    ccode = frame.ccode
    year = frame.year
    _warn_carried(loaded, frame.x, ccode, year)
    for st in spec.scope.states:
        have = set(year[ccode == st].tolist())
        missing_years = [y for y in range(first, last + 1) if y not in have]
        if missing_years:
            raise loaded.error(
                ("scope", "states"),
                f"the model has no inputs for state {st} in {_years(missing_years)} "
                f"(available: {_years(sorted(have))})",
            )
    shocks: list[ShockPlan] = []
    for _i, name, op, s in shock_specs:
        states = s.states or list(spec.scope.states)
        until = s.until if s.until is not None else last
        rows = np.isin(ccode, states) & (year >= s.start) & (year <= until)
        shocks.append(
            ShockPlan(s.id, input_names.index(name), rows, cast("ShockOp", op), f"shock.{s.id}")
        )

    if frame.theta is not None:
        theta = np.array(frame.theta, dtype=np.float64, copy=True)
    else:
        theta = np.array([[p.neutral for p in model.params]], dtype=np.float64)
    for k, v in spec.perception.overrides.items():
        theta[:, pnames.index(k)] = v
    if theta.shape[0] > 1 and np.all(theta == theta[:1]):
        theta = theta[:1]  # the same in every row: one vector per draw
    provenance = {
        "package_version": package_version(),
        "data_versions": _data_versions(source, context_path),
    }
    return Plan(
        name=spec.scenario.name,
        scenario_hash=loaded.hash,
        model=model,
        ccode=ccode,
        year=year,
        x=frame.x,
        theta_base=theta,
        params=tuple(params),
        shocks=tuple(shocks),
        negotiations=tuple(neg_plans),
        grid=tuple(grid),
        draws=draws,
        chunk_size=min(chunk_size, draws),
        seed=seed,
        quantiles=tuple(spec.run.quantiles),
        provenance=provenance,
    )


class DataCoverageWarning(UserWarning):
    """Scenario years past the end of the data: their inputs repeat the last year's."""


def _warn_carried(loaded: LoadedScenario, x: Any, ccode: Any, year: Any) -> None:
    """Warn, by state and years, where a trailing run of years has the very inputs of the
    year before it: the data end there and every such year gives the same forecast."""
    import warnings

    for st in sorted({int(c) for c in ccode.tolist()}):
        rows = np.flatnonzero(ccode == st)
        rows = rows[np.argsort(year[rows])]
        same = [
            int(year[rows[i]])
            for i in range(1, len(rows))
            if np.array_equal(x[rows[i]], x[rows[i - 1]], equal_nan=True)
        ]
        ys = [int(y) for y in year[rows].tolist()]
        tail: list[int] = []
        for y in reversed(ys[1:]):
            if y not in same:
                break
            tail.insert(0, y)
        if len(tail) >= 2:
            warnings.warn(
                f"{loaded.label}, key 'scope.years': state {st} in {_years(tail)} has the same "
                f"inputs as {tail[0] - 1}: these years lie past the end of the data (inputs "
                "carried forward), so every one of them gives the same forecast",
                DataCoverageWarning,
                stacklevel=3,
            )


def _years(ys: Sequence[int]) -> str:
    if not ys:
        return "no years"
    if list(ys) == list(range(ys[0], ys[-1] + 1)):
        return f"{ys[0]}–{ys[-1]}" if len(ys) > 1 else str(ys[0])
    return ", ".join(str(y) for y in ys[:8]) + (" …" if len(ys) > 8 else "")


def _data_versions(source: DataSource, context: Path | None) -> str:
    """JSON: the registry version, every dataset file read (version, variant, sha256) and the
    context-event file (name, sha256)."""
    from ncrealism.data.fetch import sha256_file

    used = {
        r.dataset: {"version": r.version, "variant": r.variant, "sha256": r.sha256}
        for r in source.used
    }
    out: dict[str, Any] = {
        "registry": source.registry.version,
        "datasets": dict(sorted(used.items())),
    }
    if context is not None:
        out["context"] = {"file": context.name, "sha256": sha256_file(context)}
    return json.dumps(out, sort_keys=True, separators=(",", ":"))


HISTORY_ENV = "NCR_HISTORY_DIR"


def _context_path(loaded: LoadedScenario, override: Path | None) -> Path | None:
    """The context-event file: ``override``, else ``[data] context`` (relative to the scenario
    file, else in ``NCR_HISTORY_DIR``)."""
    import os

    if override is not None:
        if not override.is_file():
            raise InputError(f"--context {override}: no such file")
        return override
    name = loaded.spec.data.context
    if name is None:
        return None
    p = Path(name)
    candidates: list[Path] = []
    if p.is_absolute():
        candidates.append(p)
    else:
        if loaded.path is not None:
            candidates.append(loaded.path.parent / p)
        env = os.environ.get(HISTORY_ENV)
        if env:
            candidates.append(Path(env) / p)
        # The conventional places of the coded record: here, ./history, ../shared/history.
        candidates += [Path(p), Path("history") / p, Path("..", "shared", "history") / p]
    for c in candidates:
        if c.is_file():
            return c
    where = ", ".join(str(c) for c in candidates) or "nowhere"
    raise loaded.error(
        ("data", "context"),
        f"context-event file '{name}' not found (looked at: {where}); set {HISTORY_ENV} to "
        "the folder of the coded record, give a path, or pass --context FILE",
    )
