"""Perception profiles: per-state (and per-period) filters stored as TOML data files.

A profile is a TOML file (shipped ones live in ``ncrealism/perception/profiles/``; users may
pass their own path) with this layout::

    [profile]
    state = "DPRK"                      # short name
    ccode = 731                         # COW code
    name = "Democratic People's Republic of Korea"
    aliases = ["North Korea", "PRK"]    # optional, for look-up by name
    summary = "..."

    [references]                        # citation keys used below
    koga2009 = "Koga, Kei. 2009. ..."

    [defaults.<parameter>]              # one table per parameter, for every period
    value = 1.5                         # within the parameter's bounds
    sd = 0.5                            # prior standard deviation (> 0)
    sources = ["koga2009"]              # keys of [references]
    rationale = "..."

    [defaults.misperception.<ccode>]    # optional: factor on an adversary's capabilities
    value = 1.5
    sources = ["..."]
    rationale = "..."

    [[periods]]                         # optional; years are inclusive, open ends allowed
    name = "kim_il_sung"
    label = "Kim Il Sung"
    to = 1994                           # `from` and/or `to`
    [periods.params.<parameter>]        # overrides of the defaults in that period
    value = 0.2
    ...

Every table is validated on load: unknown keys, parameters or references, values outside their
bounds, non-positive standard deviations and overlapping periods raise
:class:`~ncrealism.errors.DataFileError` naming the file and the field (TOML has no rows; the
``field`` is the dotted key). A year outside every period uses the defaults.

Nothing is kept between calls: :func:`shipped_profiles` reads the shipped files each time it is
called (a few milliseconds). A caller that needs many years reads once and keeps the objects:
:func:`filters_for` returns the per-year filter of one state from a single read, and
``profile_for``/``load_profile`` take the ``profiles`` already read (``shipped_profiles(source)``
keeps them on a :class:`~ncrealism.data.fetch.DataSource`'s ``memo``).
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ncrealism.errors import DataFileError
from ncrealism.perception.filter import (
    MISPERCEPTION_BOUNDS,
    PARAM_NAMES,
    PerceptionFilter,
    Prior,
    spec,
)

if TYPE_CHECKING:
    from ncrealism.data.fetch import DataSource

__all__ = [
    "Period",
    "Profile",
    "ProfileParam",
    "filters_for",
    "list_profiles",
    "load_profile",
    "profile_for",
    "read_profile",
    "shipped_profiles",
]


@dataclass(frozen=True)
class ProfileParam:
    """One coded parameter: value, prior sd, citation keys and rationale."""

    value: float
    sd: float | None
    sources: tuple[str, ...]
    rationale: str


@dataclass(frozen=True)
class Period:
    """A period of a profile: inclusive years (``None`` = open) and parameter overrides."""

    name: str
    label: str
    first: int | None
    last: int | None
    params: Mapping[str, ProfileParam]
    misperception: Mapping[int, ProfileParam]

    def contains(self, year: int) -> bool:
        return (self.first is None or year >= self.first) and (
            self.last is None or year <= self.last
        )


@dataclass(frozen=True)
class Profile:
    """A validated profile file (see the module docstring)."""

    path: str
    state: str
    ccode: int
    name: str
    aliases: tuple[str, ...]
    summary: str
    references: Mapping[str, str]
    defaults: Mapping[str, ProfileParam]
    misperception: Mapping[int, ProfileParam]
    periods: tuple[Period, ...] = field(default_factory=tuple)

    def period_of(self, year: int) -> Period | None:
        """The period containing ``year``, or ``None``."""
        for p in self.periods:
            if p.contains(year):
                return p
        return None

    def filter(self, year: int | None = None) -> PerceptionFilter:
        """The filter for ``year`` (the defaults overridden by the year's period), or the
        defaults when ``year`` is ``None`` or falls outside every period."""
        period = self.period_of(year) if year is not None else None
        params: dict[str, ProfileParam] = dict(self.defaults)
        mis: dict[int, ProfileParam] = dict(self.misperception)
        if period is not None:
            params.update(period.params)
            mis.update(period.misperception)
        values = {k: v.value for k, v in params.items()}
        priors = {
            k: Prior(
                v.value,
                v.sd if v.sd is not None else spec(k).default_sd,
                "; ".join(self.references[s] for s in v.sources),
                v.rationale,
            )
            for k, v in params.items()
        }
        label = f"{self.state}: {period.label}" if period is not None else f"{self.state}"
        return PerceptionFilter(
            values=values,
            misperception={c: m.value for c, m in mis.items()},
            priors=priors,
            label=label,
            state=self.state,
            ccode=self.ccode,
            period=period.name if period is not None else None,
            origin=f"profile {Path(self.path).name}",
        )

    def citations(self, keys: tuple[str, ...]) -> list[str]:
        return [self.references[k] for k in keys]


#: Bounds of a prior standard deviation: narrower priors make the calibration's Hessian
#: singular in floating point (the penalty is 1/sd^2), wider ones are no prior at all.
MIN_SD = 1e-4
MAX_SD = 1e4

_PROFILE_KEYS = {"state", "ccode", "name", "aliases", "summary"}
_TOP_KEYS = {"profile", "references", "defaults", "periods"}
_PARAM_KEYS = {"value", "sd", "sources", "rationale"}
_PERIOD_KEYS = {"name", "label", "from", "to", "params"}


def _err(path: str, msg: str, fld: str) -> DataFileError:
    return DataFileError(path, msg, field=fld)


def _param(
    path: str, where: str, raw: Any, refs: Mapping[str, str], *, name: str | None
) -> ProfileParam:
    if not isinstance(raw, dict):
        raise _err(path, "must be a table with value, sd, sources, rationale", where)
    extra = set(raw) - _PARAM_KEYS
    if extra:
        raise _err(path, f"unknown key(s) {sorted(extra)}; allowed {sorted(_PARAM_KEYS)}", where)
    if "value" not in raw:
        raise _err(path, "missing 'value'", where)
    v = raw["value"]
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise _err(path, f"value {v!r} is not a finite number", f"{where}.value")
    if name is not None:
        p = spec(name)
        if not p.lo <= float(v) <= p.hi:
            raise _err(path, f"value {v} outside the bounds [{p.lo}, {p.hi}]", f"{where}.value")
    else:
        lo, hi = MISPERCEPTION_BOUNDS
        if not lo <= float(v) <= hi:
            raise _err(path, f"value {v} outside the bounds [{lo}, {hi}]", f"{where}.value")
    sd = raw.get("sd")
    if sd is not None and (
        isinstance(sd, bool) or not isinstance(sd, int | float) or not math.isfinite(sd)
    ):
        raise _err(path, f"sd {sd!r} must be a positive, finite number", f"{where}.sd")
    if sd is not None and not MIN_SD <= sd <= MAX_SD:
        raise _err(
            path,
            f"sd {sd!r} outside [{MIN_SD:g}, {MAX_SD:g}]: a prior that narrow fixes the "
            "parameter (leave it out of the fitted ones instead), one that wide says nothing",
            f"{where}.sd",
        )
    sources = raw.get("sources", [])
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        raise _err(path, "sources must be a list of reference keys", f"{where}.sources")
    unknown = [s for s in sources if s not in refs]
    if unknown:
        raise _err(path, f"unknown reference key(s) {unknown}", f"{where}.sources")
    rationale = raw.get("rationale", "")
    if not isinstance(rationale, str):
        raise _err(path, "rationale must be text", f"{where}.rationale")
    return ProfileParam(float(v), None if sd is None else float(sd), tuple(sources), rationale)


def _params(
    path: str, where: str, raw: Any, refs: Mapping[str, str]
) -> tuple[dict[str, ProfileParam], dict[int, ProfileParam]]:
    if not isinstance(raw, dict):
        raise _err(path, "must be a table of parameters", where)
    params: dict[str, ProfileParam] = {}
    mis: dict[int, ProfileParam] = {}
    for k, v in raw.items():
        if k == "misperception":
            if not isinstance(v, dict):
                raise _err(path, "must be a table keyed by COW codes", f"{where}.misperception")
            for c, m in v.items():
                if not (str(c).isascii() and str(c).isdigit()):
                    raise _err(path, f"'{c}' is not a COW code", f"{where}.misperception.{c}")
                mis[int(c)] = _param(path, f"{where}.misperception.{c}", m, refs, name=None)
            continue
        if k not in PARAM_NAMES:
            raise _err(path, f"unknown parameter '{k}'; known: {list(PARAM_NAMES)}", f"{where}.{k}")
        params[k] = _param(path, f"{where}.{k}", v, refs, name=k)
    return params, mis


def read_profile(path: str | Path) -> Profile:
    """Read and validate a profile file (layout in the module docstring)."""
    from ncrealism.data._read import read_toml

    p = str(path)
    raw = read_toml(path, what="profile")
    extra = set(raw) - _TOP_KEYS
    if extra:
        raise _err(p, f"unknown table(s) {sorted(extra)}; allowed {sorted(_TOP_KEYS)}", "")
    head = raw.get("profile")
    if not isinstance(head, dict):
        raise _err(p, "missing [profile] table", "profile")
    extra = set(head) - _PROFILE_KEYS
    if extra:
        raise _err(p, f"unknown key(s) {sorted(extra)}", "profile")
    for k in ("state", "ccode"):
        if k not in head:
            raise _err(p, f"missing '{k}'", f"profile.{k}")
    if not isinstance(head["ccode"], int) or isinstance(head["ccode"], bool):
        raise _err(p, "ccode must be an integer COW code", "profile.ccode")
    aliases = head.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise _err(p, "aliases must be a list of names", "profile.aliases")
    refs = raw.get("references", {})
    if not isinstance(refs, dict) or not all(isinstance(v, str) for v in refs.values()):
        raise _err(p, "references must map keys to citation strings", "references")
    defaults, mis = _params(p, "defaults", raw.get("defaults", {}), refs)
    periods: list[Period] = []
    raw_periods = raw.get("periods", [])
    if not isinstance(raw_periods, list):
        raise _err(p, "periods must be an array of tables ([[periods]])", "periods")
    for i, rp in enumerate(raw_periods):
        where = f"periods[{i}]"
        if not isinstance(rp, dict):
            raise _err(p, "must be a table", where)
        extra = set(rp) - _PERIOD_KEYS
        if extra:
            raise _err(p, f"unknown key(s) {sorted(extra)}", where)
        if "name" not in rp:
            raise _err(p, "missing 'name'", f"{where}.name")
        first, last = rp.get("from"), rp.get("to")
        for k, v in (("from", first), ("to", last)):
            if v is not None and (not isinstance(v, int) or isinstance(v, bool)):
                raise _err(p, f"'{k}' must be a year", f"{where}.{k}")
        if first is not None and last is not None and first > last:
            raise _err(p, f"from {first} is after to {last}", f"{where}.from")
        pp, pm = _params(p, f"{where}.params", rp.get("params", {}), refs)
        periods.append(
            Period(str(rp["name"]), str(rp.get("label", rp["name"])), first, last, pp, pm)
        )
    for i, a in enumerate(periods):
        for b in periods[i + 1 :]:
            lo = max(a.first if a.first is not None else -(10**9), b.first or -(10**9))
            hi = min(
                a.last if a.last is not None else 10**9, b.last if b.last is not None else 10**9
            )
            if lo <= hi:
                raise _err(p, f"periods '{a.name}' and '{b.name}' overlap", "periods")
    return Profile(
        path=p,
        state=str(head["state"]),
        ccode=int(head["ccode"]),
        name=str(head.get("name", head["state"])),
        aliases=tuple(aliases),
        summary=str(head.get("summary", "")),
        references=dict(refs),
        defaults=defaults,
        misperception=mis,
        periods=tuple(sorted(periods, key=lambda q: q.first if q.first is not None else -(10**9))),
    )


def shipped_profiles(source: DataSource | None = None) -> tuple[Profile, ...]:
    """The profiles shipped with the package (sorted by file name).

    Read afresh, or with ``source`` once for the life of that data source (on its
    :meth:`~ncrealism.data.fetch.DataSource.memo`).
    """
    if source is not None:
        return source.memo(("ncrealism.perception.profiles",), shipped_profiles)
    folder = resources.files("ncrealism.perception").joinpath("profiles")
    out = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            with resources.as_file(entry) as fp:
                out.append(read_profile(fp))
    return tuple(out)


def list_profiles() -> list[Profile]:
    """The profiles shipped with the package."""
    return list(shipped_profiles())


def profile_for(state: str | int, *, profiles: Sequence[Profile] | None = None) -> Profile | None:
    """The profile of ``state`` (COW code, short name, name or alias), or ``None``.

    ``profiles`` are searched when given (e.g. :func:`shipped_profiles` read once by the
    caller); otherwise the shipped files are read.
    """
    key = str(state).strip().upper()
    for prof in shipped_profiles() if profiles is None else profiles:
        names = {prof.state.upper(), prof.name.upper(), str(prof.ccode)}
        names |= {a.upper() for a in prof.aliases}
        if key in names:
            return prof
    return None


def _generic(state: str | int) -> PerceptionFilter:
    """The neutral filter of a state without a profile, labelled as generic."""
    ccode = int(state) if re.fullmatch(r"[0-9]+", str(state).strip()) else None
    f = PerceptionFilter.neutral(state=str(state), ccode=ccode)
    return dataclasses.replace(f, label=f"{state}: generic (no profile; neutral)", origin="generic")


def load_profile(
    state: str | int,
    year: int | None = None,
    *,
    path: str | Path | None = None,
    profiles: Sequence[Profile] | None = None,
) -> PerceptionFilter:
    """The perception filter of ``state`` for ``year``.

    ``path`` reads a user profile file instead of the shipped ones; ``profiles`` searches
    profiles already read (see :func:`profile_for`). A state without a profile gets the neutral
    filter (structural realism), labelled as generic: the model works for any state in the data.
    """
    if path is not None:
        return read_profile(path).filter(year)
    prof = profile_for(state, profiles=profiles)
    if prof is not None:
        return prof.filter(year)
    return _generic(state)


def filters_for(
    state: str | int,
    *,
    path: str | Path | None = None,
    profiles: Sequence[Profile] | None = None,
) -> Callable[[int | None], PerceptionFilter]:
    """The per-year filter of ``state`` (as :func:`load_profile`) from one read of its profile.

    The file (``path``, or the shipped profiles unless ``profiles`` is given) is read and
    validated here, so a bad profile is refused before any work; the function returned reads
    nothing.
    """
    prof = read_profile(path) if path is not None else profile_for(state, profiles=profiles)
    if prof is None:
        generic = _generic(state)
        return lambda year: generic
    return prof.filter
