"""Country-code crosswalk: COW ``ccode`` ↔ ISO 3166-1 alpha-3 ↔ Gleditsch-Ward code ↔ names.

Data sets key countries differently: COW numeric codes (COW, Polity, UNGA), Gleditsch-Ward codes
(capdist, GW state list), ISO3 (World Bank, Maddison, OWID grapher) and plain names that differ
by publisher ("North Korea", "North  Korea" with two spaces in the FAS file, "Korea, North" in
SIPRI, "Democratic People's Republic of Korea"). This module derives the crosswalk from data as
far as it can and keeps a small, documented override table for the rest.

Derived from data (through :class:`~ncrealism.data.fetch.DataSource`):

* COW code, abbreviation and name: the COW country-code list (``cow_codes``; Correlates of War
  Project 2017);
* COW code ↔ ISO3: the ``ccode``/``iso3c`` pairs of the UNGA ideal-point file (``unga``; Bailey,
  Strezhnev & Voeten 2017), plus its country names;
* COW code ↔ GW code: the ``ccode``/``gwcode`` pairs of peacesciencer's capitals table
  (``capitals``; Miller 2022), plus its state names.

Overrides (:data:`STATE_SPELLS`, :data:`ISO3_ALIASES`, :data:`NAME_ALIASES`) hold the facts the
files do not carry, each with its rationale: Germany (COW 255 vs 260), Serbia/Yugoslavia (345),
Russia/USSR (365), Yemen (678/679/680), Kosovo (347), plus name spellings of the OWID, SIPRI,
Maddison, World Bank and FAS files. Where a code belonged to different states over time the
mapping is a *spell* with first and last year (inclusive; null = open).

Two conventions, stated once:

* ISO3 codes denote the *state* that held the code: ``SUN`` is the USSR (1922-1991) and ``RUS``
  the Russian Federation (from 1992), so a World Bank or Maddison series for ``RUS`` in 1980 (the
  territory of the Russian republic, backcast) is *not* attached to COW 365.
* Names are read leniently, as the name-keyed publishers (OWID, SIPRI) use them: "Russia" is COW
  365 in every year (OWID files the USSR under "Russia"), "Germany" is the FRG (260) from 1946 to
  1989, "Serbia" is COW 345 throughout.

When two states carry the same key in one year (DEU in 1990: the FRG's spell and unified
Germany's), the newer state, whose spell starts later, wins.

Columns of :func:`crosswalk` (one row per COW state and spell, sorted by ``ccode``, start):

===========  =======  ============================================================
column       dtype    meaning
===========  =======  ============================================================
ccode        Int64    COW state code
stateabb     Utf8     COW state abbreviation
cow_name     Utf8     COW state name
iso3         Utf8     ISO 3166-1 alpha-3 (or ISO 3166-3 / user-assigned, see basis)
gwcode       Int64    Gleditsch & Ward (1999) state code (null: microstate or none)
start_year   Int64    first year of the spell (null: open)
end_year     Int64    last year of the spell (null: open)
basis        Utf8     ``data: ...`` (files it came from) or ``override: <rationale>``
===========  =======  ============================================================

Columns of :func:`name_table`: ``key`` (Utf8, normalised name), ``name`` (Utf8, a spelling),
``ccode`` (Int64), ``start_year``/``end_year`` (Int64, null = open), ``origin`` (Utf8).
"""

from __future__ import annotations

import dataclasses
import difflib
import logging
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar, cast

import polars as pl

from ncrealism.data._read import read_rows, whole_number
from ncrealism.data.fetch import DataSource
from ncrealism.errors import DataFileError, InputError, NcrError

_log = logging.getLogger(__name__)

_LOW = -1_000_000
_HIGH = 1_000_000

T = TypeVar("T")


@dataclass(frozen=True)
class Alias:
    """A key (an ISO3 code, a name or a GW code) meaning COW state ``ccode`` in some years.

    ``start``/``end`` are inclusive years; ``None`` leaves the spell open on that side.
    """

    key: str
    ccode: int
    start: int | None = None
    end: int | None = None
    note: str = ""

    def covers(self, year: int) -> bool:
        return (self.start is None or year >= self.start) and (self.end is None or year <= self.end)


@dataclass(frozen=True)
class Spell:
    """The ISO3 and GW codes of COW state ``ccode`` over a span of years (an override)."""

    ccode: int
    start: int | None
    end: int | None
    iso3: str | None
    gwcode: int | None
    note: str


#: COW states whose ISO3 or GW code is not (or not correctly) in the files, or changes over time.
#: A state listed here takes all its spells from this table.
STATE_SPELLS: tuple[Spell, ...] = (
    Spell(265, None, 1990, "DDR", 265, "GDR (1949-1990): ISO 3166-3 DD/DDR, withdrawn in 1990"),
    Spell(
        315,
        None,
        1992,
        "CSK",
        315,
        "Czechoslovakia: ISO 3166-3 CS/CSK, withdrawn in 1993; Maddison 2020 keeps a "
        "'Czechoslovakia' territorial aggregate after 1992",
    ),
    Spell(255, None, 1945, "DEU", 255, "Germany to 1945; GW 255 (Gleditsch & Ward 1999)"),
    Spell(
        255,
        1990,
        None,
        "DEU",
        260,
        "unified Germany keeps ISO DEU; GW codes it 260, the FRG continued (Gleditsch & Ward "
        "1999), COW re-uses 255",
    ),
    Spell(
        260,
        1949,
        None,
        "DEU",
        260,
        "FRG (COW 1955-1990) held ISO DE/DEU; in 1990 DEU goes to the newer state, COW 255",
    ),
    Spell(
        345, None, 1917, "SRB", 340, "Kingdom of Serbia: COW 345, GW 340 (Gleditsch & Ward 1999)"
    ),
    Spell(345, 1918, 1991, "YUG", 345, "Yugoslavia (SFRY): ISO YU/YUG"),
    Spell(
        345,
        1992,
        2005,
        "SCG",
        345,
        "FRY / Serbia and Montenegro: ISO CS/SCG (assigned 2003; the state of 1992-2006). YUG is "
        "not used after 1991 because publishers use it for the former SFRY's territory "
        "(Maddison 2020 'Former Yugoslavia')",
    ),
    Spell(
        345, 2006, None, "SRB", 340, "Serbia from 2006: COW keeps 345, GW 340, ISO RS/SRB (2006)"
    ),
    Spell(365, None, 1921, "RUS", 365, "Russian Empire / Soviet Russia before the USSR (1922)"),
    Spell(365, 1922, 1991, "SUN", 365, "USSR: ISO SU/SUN (ISO 3166-3)"),
    Spell(365, 1992, None, "RUS", 365, "Russian Federation: ISO RU/RUS (1992)"),
    Spell(
        678,
        None,
        None,
        "YEM",
        678,
        "Yemen Arab Republic held ISO YE/YEM, which passed to unified Yemen in 1990; the UNGA "
        "file labels it 'YAR', which is not an ISO code",
    ),
    Spell(679, 1990, None, "YEM", 678, "unified Yemen: ISO YEM; GW codes it 678 (YAR continued)"),
    Spell(
        680,
        None,
        None,
        "YMD",
        680,
        "South Yemen (PDRY): ISO 3166-3 YD/YMD; the UNGA file mislabels it 'YAR'",
    ),
    Spell(
        347,
        None,
        None,
        "XKX",
        347,
        "Kosovo: no ISO code; XKX is the user-assigned code of the World Bank and the EU",
    ),
)

#: ISO3 (and ISO-like) codes used by publishers that map to a COW code but are not a state's
#: current code; used for ISO3 → COW only.
ISO3_ALIASES: tuple[Alias, ...] = (
    Alias("YAR", 678, None, 1990, "label the UNGA file uses for North Yemen (not ISO)"),
    Alias("ZAR", 490, None, 1997, "ISO code of Zaire until 1997"),
    Alias("TMP", 860, None, 2002, "ISO code of East Timor until 2002 (CEPII GeoDist uses it)"),
    Alias("ROM", 360, None, None, "ISO/World Bank code of Romania until 2002"),
    Alias("KSV", 347, None, None, "IMF code for Kosovo"),
)

_N = "name-keyed publishers (OWID, SIPRI) file the predecessor under the successor's name"

#: Name spellings not in the COW, UNGA or capitals files, or whose meaning depends on the year.
#: A name listed here takes all its spells from this table (it replaces the data-derived ones).
NAME_ALIASES: tuple[Alias, ...] = (
    # Korea
    Alias("Democratic People's Republic of Korea", 731, note="UN / ISO 3166 long name"),
    Alias("Korea, Dem. People's Rep.", 731, note="World Bank"),
    Alias("Korea, DPR", 731, note="common short form"),
    Alias("D.P.R. of Korea", 731, note="Maddison 2020"),
    Alias("Korea, People's Republic of", 731, note="Gleditsch & Ward list"),
    Alias("Republic of Korea", 732, note="UN / ISO 3166 long name; Maddison 2020"),
    Alias("Korea, Rep.", 732, note="World Bank"),
    Alias("Korea, Republic of", 732, note="Gleditsch & Ward list"),
    # United States, Russia
    Alias("United States", 2, note="OWID, World Bank"),
    Alias("Russia", 365, note=_N),
    Alias("USSR", 365, None, 1991, "SIPRI"),
    Alias("Soviet Union", 365, None, 1991),
    Alias("Former USSR", 365, None, 1991, "Maddison 2020 (territorial aggregate after 1991)"),
    Alias("Russian Federation", 365, 1992, None, "World Bank, Maddison 2020"),
    # Germany
    Alias("Germany", 255, None, 1945, "COW 255 to 1945"),
    Alias("Germany", 260, 1946, 1989, "OWID/SIPRI 'Germany' before unification is the FRG"),
    Alias("Germany", 255, 1990, None, "unified Germany, COW 255"),
    Alias("West Germany", 260, note="OWID"),
    Alias("Germany, West", 260),
    Alias("East Germany", 265, note="OWID"),
    Alias("Germany, East", 265),
    # Yemen
    Alias("Yemen", 678, None, 1989, "before 1990 'Yemen' is North Yemen (OWID)"),
    Alias("Yemen", 679, 1990, None, "unified Yemen, COW 679"),
    Alias("Yemen, Rep.", 679, 1990, None, "World Bank"),
    Alias("North Yemen", 678, None, 1989, "SIPRI 'Yemen, North'"),
    Alias("South Yemen", 680, None, 1990, "OWID"),
    # Vietnam
    Alias("Viet Nam", 816, note="SIPRI, World Bank, Maddison 2020"),
    Alias("Democratic Republic of Vietnam", 816, note="OWID"),
    Alias("North Vietnam", 816),
    Alias("South Vietnam", 817),
    # Former Yugoslavia, Czechoslovakia
    Alias("Serbia", 345, note=_N + "; COW 345 throughout"),
    Alias("Former Yugoslavia", 345, 1918, 1991, "Maddison 2020 (territorial aggregate after 1991)"),
    Alias("Serbia and Montenegro", 345, 1992, 2005),
    Alias("Czechia", 315, None, 1992, _N),
    Alias("Czechia", 316, 1993, None),
    Alias("Czech Republic", 316, 1993, None),
    # Africa
    Alias("Congo, DR", 490, note="SIPRI"),
    Alias("Congo, Dem. Rep.", 490, note="World Bank"),
    Alias("Democratic Republic of Congo", 490, note="OWID"),
    Alias("D.R. of the Congo", 490, note="Maddison 2020"),
    Alias("DR Congo", 490),
    Alias("Zaire", 490),
    Alias("Congo, Republic", 484, note="SIPRI"),
    Alias("Congo, Rep.", 484, note="World Bank"),
    Alias("Republic of Congo", 484),
    Alias("Egypt, Arab Rep.", 651, note="World Bank"),
    Alias("Gambia, The", 420, note="World Bank, SIPRI"),
    Alias("Cabo Verde", 402, note="World Bank, Maddison 2020"),
    Alias("Somalia, Fed. Rep.", 520, note="World Bank"),
    Alias("Sudan (Former)", 625, note="Maddison 2020 (includes South Sudan after 2011)"),
    Alias("U.R. of Tanzania: Mainland", 510, note="Maddison 2020 (mainland only)"),
    Alias("Swaziland", 572, note="COW, OWID, Maddison 2020 (now Eswatini)"),
    # Europe and Asia
    Alias("Austria", 300, None, 1918, "the Habsburg state is COW 300 (Austria-Hungary) to 1918"),
    Alias("Austria", 305, 1919, None),
    Alias("Türkiye", 640, note="SIPRI"),
    Alias("Turkiye", 640, note="World Bank"),
    Alias("Kyrgyz Republic", 703, note="World Bank, SIPRI"),
    Alias("Lao PDR", 812, note="World Bank"),
    Alias("Lao People's DR", 812, note="Maddison 2020"),
    Alias("Iran, Islamic Rep.", 630, note="World Bank"),
    Alias("Iran (Islamic Republic of)", 630, note="Maddison 2020"),
    Alias("Syrian Arab Republic", 652, note="World Bank, Maddison 2020"),
    Alias("Brunei Darussalam", 835, note="World Bank"),
    Alias("Slovak Republic", 317, note="World Bank"),
    Alias("Republic of Moldova", 359, note="Maddison 2020"),
    Alias("TFYR of Macedonia", 343, note="Maddison 2020"),
    Alias("Taiwan, Province of China", 713, note="Maddison 2020"),
    Alias("Timor", 860, note="OWID"),
    Alias("Micronesia, Fed. Sts.", 987, note="World Bank"),
    Alias("Federated States of Micronesia", 987, note="COW, OWID"),
    Alias("Venezuela, RB", 101, note="World Bank"),
    Alias("Venezuela (Bolivarian Republic of)", 101, note="Maddison 2020"),
    Alias("Bolivia (Plurinational State of)", 145, note="Maddison 2020"),
    Alias("Bahamas, The", 31, note="World Bank"),
    Alias("Wurttemberg", 271, note="OWID spelling of COW 'Wuerttemburg'"),
)


# ----------------------------------------------------------------------------- names
def name_key(name: str) -> str:
    """Normalise a country name for matching.

    Accents are stripped, case folded, ``&`` read as "and", punctuation and repeated spaces
    collapsed (so "North  Korea" = "North Korea"), "St." read as "Saint" and a leading "The"
    dropped ("The Gambia" = "Gambia").
    """
    s = unicodedata.normalize("NFKD", name)
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).casefold()
    s = s.replace("&", " and ")
    s = re.sub(r"[^a-z0-9]+", " ", s).strip()
    words = ["saint" if w == "st" else w for w in s.split()]
    if words and words[0] == "the":
        words = words[1:]
    return " ".join(words)


def _candidate_keys(name: str) -> list[str]:
    """The normalised name, then (for "Korea, North" style names) the inverted form."""
    keys = [name_key(name)]
    if name.count(",") == 1:
        head, tail = name.split(",")
        inverted = name_key(f"{tail} {head}")
        if inverted not in keys:
            keys.append(inverted)
    return keys


# ----------------------------------------------------------------------------- tables
@dataclass(frozen=True)
class _Tables:
    states: pl.DataFrame
    names: Mapping[str, tuple[Alias, ...]]
    name_origin: pl.DataFrame
    iso3: Mapping[str, tuple[Alias, ...]]
    gw: Mapping[str, tuple[Alias, ...]]
    cow: Mapping[int, tuple[str, str]]


def _int(value: str, path: Path, row: int, field: str) -> int:
    return whole_number(value, path, row=row, field=field)


def _col(head: Sequence[str], name: str, path: Path) -> int:
    if name not in head:
        raise DataFileError(path, f"required column '{name}' is absent (found: {list(head)})")
    return list(head).index(name)


def _read_cow(path: Path) -> dict[int, tuple[str, str]]:
    head, body = read_rows(path)
    ia, ic, iname = (_col(head, c, path) for c in ("StateAbb", "CCode", "StateNme"))
    out: dict[int, tuple[str, str]] = {}
    for i, r in enumerate(body):
        cc = _int(r[ic], path, i + 2, "CCode")
        entry = (r[ia].strip(), r[iname].strip())
        if cc in out and out[cc] != entry:
            raise DataFileError(
                path, f"COW code {cc} listed as {out[cc]} and {entry}", row=i + 2, field="CCode"
            )
        out[cc] = entry
    return out


def _read_pairs(
    path: Path, key: str, value: str, name: str
) -> tuple[dict[int, Counter[str]], list[tuple[int, str]]]:
    head, body = read_rows(path)
    ik, iv, iname = (_col(head, c, path) for c in (key, value, name))
    pairs: dict[int, Counter[str]] = defaultdict(Counter)
    names: list[tuple[int, str]] = []
    for i, r in enumerate(body):
        if not r[ik].strip() or r[ik].strip() == "NA":
            continue
        cc = _int(r[ik], path, i + 2, key)
        v = r[iv].strip()
        if v and v != "NA":
            if value == "gwcode":
                v = str(_int(v, path, i + 2, value))
            pairs[cc][v] += 1
        if r[iname].strip():
            names.append((cc, r[iname].strip()))
    return pairs, names


def _lo(a: Alias) -> int:
    return _LOW if a.start is None else a.start


def _hi(a: Alias) -> int:
    return _HIGH if a.end is None else a.end


def _index(aliases: Iterable[Alias], what: str) -> dict[str, tuple[Alias, ...]]:
    """Group aliases by key; two spells of one key that overlap must differ in start year."""
    grouped: dict[str, list[Alias]] = defaultdict(list)
    for a in aliases:
        if a not in grouped[a.key]:
            grouped[a.key].append(a)
    for key, spells in grouped.items():
        for i, a in enumerate(spells):
            for b in spells[i + 1 :]:
                overlap = _lo(a) <= _hi(b) and _lo(b) <= _hi(a)
                if overlap and a.ccode != b.ccode and a.start == b.start:
                    raise NcrError(
                        f"crosswalk: {what} '{key}' maps to COW {a.ccode} and {b.ccode} over the "
                        "same years; add a spell to the override table"
                    )
    return {k: tuple(v) for k, v in grouped.items()}


def _build(cow_path: Path, unga_path: Path, capitals_path: Path) -> _Tables:
    cow = _read_cow(cow_path)
    iso_pairs, unga_names = _read_pairs(unga_path, "ccode", "iso3c", "Countryname")
    gw_pairs, cap_names = _read_pairs(capitals_path, "ccode", "gwcode", "statenme")

    spells_by_cc: dict[int, list[Spell]] = defaultdict(list)
    for s in STATE_SPELLS:
        spells_by_cc[s.ccode].append(s)

    rows: list[dict[str, object]] = []
    for cc in sorted(cow):
        abb, nme = cow[cc]
        if cc in spells_by_cc:
            for s in spells_by_cc[cc]:
                rows.append(
                    dict(
                        ccode=cc,
                        stateabb=abb,
                        cow_name=nme,
                        iso3=s.iso3,
                        gwcode=s.gwcode,
                        start_year=s.start,
                        end_year=s.end,
                        basis=f"override: {s.note}",
                    )
                )
            continue
        iso = iso_pairs[cc].most_common(1)[0][0] if iso_pairs.get(cc) else None
        gw_raw = gw_pairs[cc].most_common(1)[0][0] if gw_pairs.get(cc) else None
        basis = ["COW country codes"]
        if iso is not None:
            basis.append("UNGA ccode/iso3c")
        if gw_raw is not None:
            basis.append("capitals ccode/gwcode")
        rows.append(
            dict(
                ccode=cc,
                stateabb=abb,
                cow_name=nme,
                iso3=iso,
                gwcode=int(gw_raw) if gw_raw is not None else None,
                start_year=None,
                end_year=None,
                basis="data: " + ", ".join(basis),
            )
        )
    states = pl.DataFrame(
        rows,
        schema={
            "ccode": pl.Int64,
            "stateabb": pl.Utf8,
            "cow_name": pl.Utf8,
            "iso3": pl.Utf8,
            "gwcode": pl.Int64,
            "start_year": pl.Int64,
            "end_year": pl.Int64,
            "basis": pl.Utf8,
        },
    )

    iso_aliases = [
        Alias(str(r["iso3"]), int(r["ccode"]), r["start_year"], r["end_year"], str(r["basis"]))
        for r in states.iter_rows(named=True)
        if r["iso3"] is not None
    ]
    iso_aliases += list(ISO3_ALIASES)
    gw_aliases = [
        Alias(str(r["gwcode"]), int(r["ccode"]), r["start_year"], r["end_year"], str(r["basis"]))
        for r in states.iter_rows(named=True)
        if r["gwcode"] is not None
    ]

    overridden = {name_key(a.key) for a in NAME_ALIASES}
    name_rows: list[tuple[str, str, int, int | None, int | None, str]] = []
    derived: list[Alias] = []
    for origin, pairs in (
        ("COW country codes", [(cc, cow[cc][1]) for cc in cow]),
        ("UNGA Countryname", unga_names),
        ("capitals statenme", cap_names),
    ):
        for cc, nme in pairs:
            k = name_key(nme)
            if cc not in cow or k in overridden:
                continue
            derived.append(Alias(k, cc, note=origin))
            name_rows.append((k, nme, cc, None, None, origin))
    for a in NAME_ALIASES:
        k = name_key(a.key)
        derived.append(Alias(k, a.ccode, a.start, a.end, a.note))
        name_rows.append((k, a.key, a.ccode, a.start, a.end, f"override: {a.note}".strip()))
    name_origin = (
        pl.DataFrame(
            name_rows,
            schema={
                "key": pl.Utf8,
                "name": pl.Utf8,
                "ccode": pl.Int64,
                "start_year": pl.Int64,
                "end_year": pl.Int64,
                "origin": pl.Utf8,
            },
            orient="row",
        )
        .unique(subset=["key", "name", "ccode", "start_year", "end_year"], keep="first")
        .sort("key", "ccode", "start_year", nulls_last=False)
    )
    return _Tables(
        states=states,
        names=_index(derived, "name"),
        name_origin=name_origin,
        iso3=_index(iso_aliases, "ISO3 code"),
        gw=_index(gw_aliases, "GW code"),
        cow={cc: v for cc, v in cow.items()},
    )


def _tables(source: DataSource | None) -> _Tables:
    src = source or DataSource.from_env()
    return src.memo(
        "codes_tables",
        lambda: _build(src.path("cow_codes"), src.path("unga"), src.path("capitals")),
    )


# ----------------------------------------------------------------------------- lookups
def _pick(spells: Sequence[Alias], year: int | None) -> Alias | None:
    """The spell valid in ``year`` (the newest state on a tie); ``year=None``: the latest."""
    if year is None:
        cands = list(spells)
        if not cands:
            return None
        latest_end = max(a.end if a.end is not None else _HIGH for a in cands)
        cands = [a for a in cands if (a.end if a.end is not None else _HIGH) == latest_end]
    else:
        cands = [a for a in spells if a.covers(year)]
        if not cands:
            return None
    return max(cands, key=lambda a: a.start if a.start is not None else _LOW)


def _span(spells: Sequence[Alias]) -> str:
    parts = []
    for a in spells:
        lo = "" if a.start is None else str(a.start)
        hi = "" if a.end is None else str(a.end)
        parts.append(f"COW {a.ccode} ({lo}-{hi})" if (lo or hi) else f"COW {a.ccode}")
    return ", ".join(parts)


def crosswalk(source: DataSource | None = None) -> pl.DataFrame:
    """The state table: COW code, abbreviation, name, ISO3, GW code per spell (see module doc)."""
    return _tables(source).states.clone()


def name_table(source: DataSource | None = None) -> pl.DataFrame:
    """Every name spelling the crosswalk knows, with its COW code and spell (see module doc)."""
    return _tables(source).name_origin.clone()


def _check_ccode(t: _Tables, ccode: int) -> None:
    if ccode not in t.cow:
        raise InputError(
            f"unknown COW country code {ccode}; see ncrealism.data.codes.crosswalk() for the list"
        )


def _state_value(ccode: int, year: int | None, column: str, source: DataSource | None) -> object:
    t = _tables(source)
    _check_ccode(t, int(ccode))
    rows = t.states.filter(pl.col("ccode") == int(ccode))
    spells = [
        Alias(str(r[column]), int(ccode), r["start_year"], r["end_year"])
        for r in rows.iter_rows(named=True)
    ]
    hit = _pick(spells, year)
    if hit is None:
        return None
    for r in rows.iter_rows(named=True):
        if (r["start_year"], r["end_year"]) == (hit.start, hit.end):
            return r[column]
    return None


def cow_to_iso3(
    ccode: int, year: int | None = None, *, source: DataSource | None = None
) -> str | None:
    """ISO3 code of COW state ``ccode`` in ``year`` (latest spell if ``None``).

    Returns ``None`` for states without one (e.g. Bavaria, the Republic of Vietnam) or years the
    state did not hold one; raises :class:`InputError` for an unknown COW code.
    """
    value = _state_value(ccode, year, "iso3", source)
    return None if value is None else str(value)


def cow_to_gw(
    ccode: int, year: int | None = None, *, source: DataSource | None = None
) -> int | None:
    """Gleditsch-Ward code of COW state ``ccode`` in ``year`` (``None`` for microstates)."""
    value = _state_value(ccode, year, "gwcode", source)
    return None if value is None else int(cast(int, value))


def cow_name(ccode: int, *, source: DataSource | None = None) -> str:
    """The COW name of state ``ccode``."""
    t = _tables(source)
    _check_ccode(t, int(ccode))
    return t.cow[int(ccode)][1]


def _reverse(
    index: Mapping[str, tuple[Alias, ...]], key: str, shown: str, year: int | None, what: str
) -> int:
    spells = index.get(key)
    if not spells:
        close = difflib.get_close_matches(key, list(index), n=3)
        hint = f"; close matches: {close}" if close else ""
        raise InputError(f"unknown {what} '{shown}'{hint}")
    hit = _pick(spells, year)
    if hit is None:
        raise InputError(
            f"{what} '{shown}' denotes no COW state in {year}; it maps to {_span(spells)}"
        )
    return hit.ccode


def iso3_to_cow(iso3: str, year: int | None = None, *, source: DataSource | None = None) -> int:
    """COW code of the state holding ISO3 code ``iso3`` in ``year`` (latest if ``None``)."""
    return _reverse(_tables(source).iso3, iso3.strip().upper(), iso3, year, "ISO3 code")


def gw_to_cow(gwcode: int, year: int | None = None, *, source: DataSource | None = None) -> int:
    """COW code of the state with Gleditsch-Ward code ``gwcode`` in ``year``."""
    return _reverse(_tables(source).gw, str(int(gwcode)), str(gwcode), year, "GW code")


def name_to_cow(name: str, year: int | None = None, *, source: DataSource | None = None) -> int:
    """COW code for a country name as any of the registered publishers spell it.

    Tries the normalised name (see :func:`name_key`), then the inverted form of "Korea, North"
    style names. Raises :class:`InputError` with close matches for an unknown name.
    """
    t = _tables(source)
    for k in _candidate_keys(name):
        if k in t.names:
            return _reverse(t.names, k, name, year, "country name")
    return _reverse(t.names, name_key(name), name, year, "country name")


# ----------------------------------------------------------------------------- vectorised
@dataclass(frozen=True)
class CodeMatch:
    """Result of :func:`attach_ccode`.

    ``frame`` is the input with an ``ccode`` column (Int64; null where nothing matched), in the
    input's row order. ``unmatched`` has one row per unmatched key: ``key`` (Utf8), ``n_rows``
    (UInt32), ``first_year``/``last_year`` (Int64, null without a year column).
    """

    frame: pl.DataFrame
    unmatched: pl.DataFrame

    @property
    def n_unmatched_rows(self) -> int:
        return int(self.unmatched["n_rows"].sum()) if self.unmatched.height else 0


def attach_ccode(
    df: pl.DataFrame,
    *,
    name_col: str | None = None,
    iso3_col: str | None = None,
    year_col: str | None = "year",
    extra: Sequence[Alias] = (),
    source: DataSource | None = None,
) -> CodeMatch:
    """Add a COW ``ccode`` column to ``df`` from a name column or an ISO3 column.

    Exactly one of ``name_col``/``iso3_col`` is given. With ``year_col`` the spell valid in each
    row's year is used; without, the latest. ``extra`` lists source-specific aliases (keyed by the
    raw ISO3 code or name); a key listed there takes all its spells from ``extra``. Unmatched keys
    (aggregates such as "World", territories such as Hong Kong) are reported, never guessed.
    """
    if (name_col is None) == (iso3_col is None):
        raise InputError("attach_ccode: give exactly one of name_col and iso3_col")
    col = cast(str, name_col if name_col is not None else iso3_col)
    for c in (col, year_col):
        if c is not None and c not in df.columns:
            raise InputError(f"attach_ccode: column '{c}' not in frame (has {df.columns})")
    if "ccode" in df.columns:
        raise InputError("attach_ccode: the frame already has a 'ccode' column")
    t = _tables(source)
    by_name = name_col is not None

    def norm(v: str) -> list[str]:
        return _candidate_keys(v) if by_name else [v.strip().upper()]

    base = t.names if by_name else t.iso3
    extra_idx: dict[str, list[Alias]] = defaultdict(list)
    for a in extra:
        extra_idx[norm(a.key)[0]].append(a)
    _index([dataclasses.replace(a, key=k) for k, v in extra_idx.items() for a in v], "extra key")

    spells_for: dict[str, tuple[Alias, ...]] = {}
    for v in df[col].drop_nulls().unique().to_list():
        found: tuple[Alias, ...] = ()
        for k in norm(str(v)):
            if k in extra_idx:
                found = tuple(extra_idx[k])
                break
            if k in base:
                found = base[k]
                break
        spells_for[str(v)] = found

    work = df.with_row_index("__row")
    if year_col is None:
        picked = {v: _pick(s, None) for v, s in spells_for.items()}
        mapping = {v: (a.ccode if a is not None else None) for v, a in picked.items()}
        lut = pl.DataFrame(
            {"__key": list(mapping), "ccode": list(mapping.values())},
            schema={"__key": pl.Utf8, "ccode": pl.Int64},
        )
        out = work.join(lut, left_on=pl.col(col).cast(pl.Utf8), right_on="__key", how="left").sort(
            "__row"
        )
    else:
        spell_rows = [
            (
                v,
                a.ccode,
                a.start if a.start is not None else _LOW,
                a.end if a.end is not None else _HIGH,
            )
            for v, spells in spells_for.items()
            for a in spells
        ]
        lut = pl.DataFrame(
            spell_rows,
            schema={"__key": pl.Utf8, "ccode": pl.Int64, "__start": pl.Int64, "__end": pl.Int64},
            orient="row",
        )
        hits = (
            work.select(
                "__row",
                pl.col(col).cast(pl.Utf8).alias("__key"),
                pl.col(year_col).cast(pl.Int64).alias("__year"),
            )
            .join(lut, on="__key", how="inner")
            .filter((pl.col("__year") >= pl.col("__start")) & (pl.col("__year") <= pl.col("__end")))
            .sort(["__row", "__start"], descending=[False, True])
            .unique(subset="__row", keep="first", maintain_order=True)
            .select("__row", "ccode")
        )
        out = work.join(hits, on="__row", how="left").sort("__row")
    frame = out.drop("__row")
    miss = frame.filter(pl.col("ccode").is_null())
    if year_col is None:
        unmatched = (
            miss.group_by(col)
            .agg(pl.len().alias("n_rows"))
            .with_columns(
                pl.lit(None, dtype=pl.Int64).alias("first_year"),
                pl.lit(None, dtype=pl.Int64).alias("last_year"),
            )
        )
    else:
        unmatched = miss.group_by(col).agg(
            pl.len().alias("n_rows"),
            pl.col(year_col).min().cast(pl.Int64).alias("first_year"),
            pl.col(year_col).max().cast(pl.Int64).alias("last_year"),
        )
    unmatched = unmatched.rename({col: "key"}).with_columns(pl.col("key").cast(pl.Utf8)).sort("key")
    return CodeMatch(frame=frame, unmatched=unmatched)


# ----------------------------------------------------------------------------- shared helpers
def key_by_ccode(
    df: pl.DataFrame,
    *,
    values: Sequence[str],
    label_col: str,
    path: Path | str,
    carry: Sequence[str] = (),
    name_col: str | None = None,
    iso3_col: str | None = None,
    extra: Sequence[Alias] = (),
    keep_unmatched: bool = False,
    source: DataSource | None = None,
) -> pl.DataFrame:
    """Attach ``ccode`` to a source frame with ``year``, as every name/ISO3-keyed loader does.

    Returns ``ccode``, ``year``, ``label_col`` (and ``iso3_col`` if given), then ``values`` and
    ``carry`` (columns kept without counting as values), sorted by ``ccode``/``year``.
    Unmatched rows are dropped (logged at INFO level with their keys, row counts and years)
    unless ``keep_unmatched``; rows sharing a state-year are resolved by
    :func:`collapse_duplicate_keys`.
    """
    match = attach_ccode(
        df, name_col=name_col, iso3_col=iso3_col, year_col="year", extra=extra, source=source
    )
    lead = ["ccode", "year", label_col]
    if iso3_col is not None and iso3_col != label_col:
        lead.append(iso3_col)
    out = match.frame.select(*lead, *values, *carry)
    if keep_unmatched:
        return out
    if match.unmatched.height:
        _log.info(
            "%s: dropped %d rows of %d keys that denote no COW state in their years: %s",
            Path(path).name,
            match.n_unmatched_rows,
            match.unmatched.height,
            "; ".join(
                f"{r['key']} ({r['n_rows']} rows, {r['first_year']}-{r['last_year']})"
                for r in match.unmatched.iter_rows(named=True)
            ),
        )
    out = out.filter(pl.col("ccode").is_not_null())
    return collapse_duplicate_keys(out, values, label_col, path).sort("ccode", "year")


def collapse_duplicate_keys(
    df: pl.DataFrame,
    value_cols: Sequence[str],
    label_col: str,
    path: Path | str,
    key: Sequence[str] = ("ccode", "year"),
) -> pl.DataFrame:
    """Resolve rows that map to the same COW state-year.

    Several source entities can land on one key (SIPRI's "USSR" and "Russia", both COW 365, the
    latter empty before 1992). Rows whose ``value_cols`` are all null are dropped when another row
    has the key; if two rows with values remain, :class:`DataFileError` names both entities.
    """
    if df.height == 0:
        return df
    keys = list(key)
    work = df.with_row_index("__order").with_columns(
        pl.all_horizontal([pl.col(c).is_null() for c in value_cols]).alias("__empty")
    )
    work = work.with_columns((~pl.col("__empty")).sum().over(keys).alias("__full"))
    full = work.filter(~pl.col("__empty"))
    # A key with no value anywhere keeps its first (empty) row.
    empty = work.filter(pl.col("__empty") & (pl.col("__full") == 0)).unique(
        subset=keys, keep="first", maintain_order=True
    )
    df = pl.concat([full, empty]).sort("__order").drop("__order", "__empty", "__full")
    dup = df.filter(pl.struct(keys).is_duplicated())
    if dup.height:
        first = dup.row(0, named=True)
        same = dup.filter(pl.all_horizontal([pl.col(k) == first[k] for k in key]))
        labels = same[label_col].to_list()
        where = ", ".join(f"{k}={first[k]}" for k in key)
        raise DataFileError(
            path,
            f"entities {labels} both map to {where} and both have values; add a spell to the "
            "crosswalk overrides",
            field=label_col,
        )
    return df


def state_year_data(frame: object) -> pl.DataFrame:
    """The state-year frame behind ``frame``: itself, or its ``.data`` (e.g. a ``UnitFrame``).

    An object with ``unit``/``system`` attributes must be a COW-coded state-year frame.
    """
    data = frame if isinstance(frame, pl.DataFrame) else getattr(frame, "data", None)
    if not isinstance(data, pl.DataFrame):
        raise InputError(
            f"expected a polars DataFrame or an object with a .data DataFrame, got {type(frame)}"
        )
    if getattr(frame, "unit", "state-year") != "state-year":
        raise InputError("this adds state-year variables; the frame is not a state-year frame")
    if getattr(frame, "system", "cow") != "cow":
        raise InputError(
            "these variables are keyed by COW state codes; this frame uses another code system "
            "(convert it to COW codes first)"
        )
    missing = [c for c in ("ccode", "year") if c not in data.columns]
    if missing:
        raise InputError(f"the state-year frame lacks column(s) {missing} (has {data.columns})")
    return data


def dataset_label(source: DataSource, name: str) -> str:
    """``"<dataset> <version>"``, with ``(<kind> copy)`` when an alternate file was read."""
    resolved = source.resolve(name)
    label = f"{name} {resolved.version}"
    if resolved.variant == "alternate":
        kind = resolved.spec.kind
        label += " (copy)" if kind == "copy" else f" ({kind} copy)"
    return label


def join_state_year(
    frame: T, table: pl.DataFrame, columns: Mapping[str, str], *, sources: Sequence[str] = ()
) -> T:
    """Left-join ``table`` (unique on ``ccode``/``year``) onto a state-year frame.

    ``columns`` maps the table's column names to the names they get in the frame. Row count and
    row order of the frame are unchanged; a frame with a ``.data`` attribute (a dataclass such as
    ``UnitFrame``) is returned as a copy of the same type via :func:`dataclasses.replace`, with
    ``sources`` appended to its ``sources`` when it has that field.
    """
    data = state_year_data(frame)
    clash = [new for new in columns.values() if new in data.columns]
    if clash:
        raise InputError(f"the frame already has column(s) {clash}; drop them first")
    right = table.select(
        pl.col("ccode").cast(data.schema["ccode"]),
        pl.col("year").cast(data.schema["year"]),
        *(pl.col(old).alias(new) for old, new in columns.items()),
    )
    if right.select(pl.struct("ccode", "year").is_duplicated().any()).item():
        raise NcrError("join_state_year: the table repeats a ccode/year key")
    out = (
        data.with_row_index("__order")
        .join(right, on=["ccode", "year"], how="left")
        .sort("__order")
        .drop("__order")
    )
    return replace_data(frame, out, sources=sources)


def replace_data(frame: T, data: pl.DataFrame, *, sources: Sequence[str] = ()) -> T:
    """``data`` itself if ``frame`` is a DataFrame, else a copy of the dataclass ``frame``."""
    if isinstance(frame, pl.DataFrame):
        return cast(T, data)
    if dataclasses.is_dataclass(frame) and not isinstance(frame, type):
        names = {f.name for f in dataclasses.fields(frame)}
        if "sources" in names and sources:
            old = tuple(getattr(frame, "sources", ()))
            new = old + tuple(s for s in sources if s not in old)
            return cast(T, dataclasses.replace(frame, data=data, sources=new))
        return cast(T, dataclasses.replace(frame, data=data))
    raise InputError(f"cannot rebuild {type(frame)} with new data; pass a DataFrame or dataclass")


def year_span(df: pl.DataFrame) -> tuple[int, int]:
    """First and last value of ``df['year']``."""
    lo, hi = df["year"].min(), df["year"].max()
    if lo is None or hi is None:
        raise InputError("empty table: no years")
    return int(cast(int, lo)), int(cast(int, hi))


def fill_within_years(frame: T, spans: Mapping[str, tuple[int, int]]) -> T:
    """Replace nulls by 0 (False for Boolean columns) in rows whose year lies within a span.

    For event counts from files that list every state with a non-zero count (nuclear tests,
    warheads): absence from the file inside its years means zero, outside them unknown.
    """
    data = state_year_data(frame)
    exprs = []
    for col, (lo, hi) in spans.items():
        zero = pl.lit(False) if data.schema[col] == pl.Boolean else pl.lit(0)
        inside = pl.col("year").is_between(lo, hi)
        exprs.append(
            pl.when(pl.col(col).is_null() & inside).then(zero).otherwise(pl.col(col)).alias(col)
        )
    return replace_data(frame, data.with_columns(exprs))
