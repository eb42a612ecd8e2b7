"""Fuzzing every loader: whatever the bytes, a loader returns or raises ncrealism's own error.

Every reader of a file (the published data sets in ``ncrealism.data``, the coded records, the
context files, the perception profiles, the scenario and case files) is a target. Each starts
from a small valid sample written here from hand-made rows (never from the shared data) and
mutates it (flipped, inserted and deleted bytes, cut-offs, spliced tokens, a binary-format
magic number in front) or replaces it with arbitrary bytes; the workbook and R-data targets are
also rebuilt with arbitrary cell values. Any exception other than
:class:`ncrealism.errors.NcrError` fails the test. ``max_examples`` is kept modest so that the
whole module runs in seconds; ``deadline=None`` because the first examples pay import costs.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ncrealism.errors import NcrError

from .conftest import CASES, CONTEXT, PROFILES, SCENARIOS, YEARLY

#: ``NCR_FUZZ_EXAMPLES=500`` runs a deeper, randomised fuzz (the suite's default is quick and
#: the same on every run).
DEEP = int(os.environ.get("NCR_FUZZ_EXAMPLES", "0"))
FUZZ = settings(
    max_examples=DEEP or 30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=not DEEP,
)

EVENTS = (
    "date,date_precision,year,event,category,subtype,counterparts,source_url,"
    "source_secondary,signed_document,confidence,origin,notes\n"
    "1993-03-12,day,1993,NPT withdrawal announced,nuclear_development,npt,US,"
    "http://example.org,,0,high,record,\n"
    "1994-10-21,day,1994,Agreed Framework signed,agreement,framework,US,"
    "http://example.org,,1,high,record,\n"
)
NEGOTIATIONS = (
    "episode_id,framework,round_phase,start_date,end_date,location,parties,dprk_demands,"
    "dprk_offers,others_demands,outcome,agreement_name,agreement_date,held_until,held_days,"
    "held_until_event,sources,confidence,notes\n"
    "AF-1994,bilateral,final,1994-09-23,1994-10-21,Geneva,US;DPRK,LWR,freeze,inspections,"
    "agreement,Agreed Framework,1994-10-21,2002-10-21,2922,HEU dispute,src,high,\n"
)

# Hand-made rows in each publisher's layout (a few states, a few years).
NMC_CSV = (
    "stateabb,ccode,year,milex,milper,irst,pec,tpop,upop,cinc,version\n"
    "PRK,731,1994,5660000,1100,1500,35343,21734,7764,0.011371,2021\n"
    "ROK,732,1994,14000000,633,33745,160000,44453,35000,0.0226,2021\n"
)
COW_STATES = (
    "stateabb,ccode,statenme,styear,stmonth,stday,endyear,endmonth,endday,version\n"
    "PRK,731,North Korea,1948,9,9,2016,12,31,2016\n"
    "ROK,732,South Korea,1949,1,1,2016,12,31,2016\n"
)
COW_SYSTEM = (
    "stateabb,ccode,year,version\nPRK,731,1990,2016\nPRK,731,1991,2016\nROK,732,1990,2016\n"
)
COW_MAJORS = (
    "stateabb,ccode,styear,stmonth,stday,endyear,endmonth,endday,version\n"
    "USA,2,1898,8,13,2016,12,31,2016\nCHN,710,1950,1,1,2016,12,31,2016\n"
)
COW_CODES = "StateAbb,CCode,StateNme\rUSA,2,United States of America\rPRK,731,North Korea\r"
GW_STATES = (
    "731\tPRK\tKorea, People's Republic of\t09:09:1948\t31:12:2017\n"
    "732\tROK\tKorea, Republic of\t15:08:1948\t31:12:2017\n"
)
ALLIANCE_MEMBERS = (
    "version4id,ccode,state_name,ss_type,mem_st_day,mem_st_month,mem_st_year,mem_end_day,"
    "mem_end_month,mem_end_year,left_censor,right_censor,defense,neutrality,nonaggression,"
    "entente,year,version\n"
    '7,731,"PRK","Type I: Defense Pact",11,7,1961,1,1,1962,0,0,1,0,1,1,1961,4.1\n'
    '7,731,"PRK","Type I: Defense Pact",11,7,1961,1,1,1962,0,0,1,0,1,1,1962,4.1\n'
    '7,710,"CHN","Type I: Defense Pact",11,7,1961,,,1961,1,0,1,0,1,1,1961,4.1\n'
)
ALLIANCE_DYADS = (
    "version4id,ccode1,state_name1,ccode2,state_name2,dyad_st_day,dyad_st_month,dyad_st_year,"
    "dyad_end_day,dyad_end_month,dyad_end_year,left_censor,right_censor,defense,neutrality,"
    "nonaggression,entente,asymmetric,version\n"
    '7,710,"CHN",731,"PRK",11,7,1961,,,,0,1,1,0,1,1,0,4.1\n'
    '8,2,"USA",732,"ROK",1,10,1953,31,12,2012,0,1,1,0,0,1,0,4.1\n'
)
CONTIGUITY = (
    "dyad,state1no,state1ab,state2no,state2ab,year,conttype,version\n"
    "731732,731,PRK,732,ROK,1994,1,3.2\n732731,732,ROK,731,PRK,1994,1,3.2\n"
    "731740,731,PRK,740,JPN,1994,4,3.2\n"
)
CAPDIST = (
    "numa,ida,numb,idb,kmdist,midist\r\n731,PRK,732,ROK,195,121\r\n"
    "732,ROK,731,PRK,195,121\r\n731,PRK,740,JPN,1290,802\r\n"
)
CAPITALS = (
    "ccode,gwcode,statenme,capital,styear,endyear\n"
    "731,731,North Korea,Pyongyang,1948,2020\n732,732,South Korea,Seoul,1948,2020\n"
    "2,2,United States of America,Washington,1816,2020\n"
)
WB_WIDE = (
    '"Data Source","World Development Indicators",\r\n\r\n'
    '"Country Name","Country Code","Indicator Name","Indicator Code","1990","1991",\r\n'
    '"Korea, Dem. People\'s Rep.","PRK","Population, total","SP.POP.TOTL","20293054","",\r\n'
    '"Japan","JPN","Population, total","SP.POP.TOTL","123537000","124101000",\r\n'
)
WB_LONG = "Country Name,Country Code,Year,Value\r\nJapan,JPN,1990,123537000\r\nJapan,JPN,1991,1\r\n"
NUCLEAR_STATUS = (
    "country_name,year,nuclear_weapons_status,nuclear_weapons_consideration,"
    "nuclear_weapons_pursuit,nuclear_weapons_possession\n"
    "North Korea,1990,2,0,1,0\nNorth Korea,2006,3,0,0,1\nJapan,2006,0,0,0,0\n"
)
NUCLEAR_TESTS = "country_name,year,nuclear_weapons_tests\nNorth Korea,2006,1\nNorth Korea,2009,1\n"
NUCLEAR_STOCKPILES = (
    "country_name,year,nuclear_weapons_stockpile\nNorth Korea,2006,2\nNorth Korea,2009,4\n"
)
POLITY = (
    "ccode,scode,country,year,democ,autoc,polity,polity2,durable\n"
    "731,PRK,Korea North,1990,0,10,-10,-10,42\n"
    "732,ROK,Korea South,1990,6,0,6,6,2\n"
    "732,ROK,Korea South,1991,-88,-88,-88,6,\n"
)
VDEM = (
    "Entity,Code,Year,Electoral democracy index\n"
    "North Korea,PRK,1990,0.012\nSouth Korea,KOR,1990,0.61\n"
)
UNGA = (
    '"","ccode","session","NVotesAll","IdealPointAll","iso3c","Countryname",'
    '"USAgree","RUSSAgree","ChinaAgree"\n'
    '"1",731,46,60,-1.2,"PRK","North Korea",0.1,0.6,0.8\n'
    '"2",732,46,60,0.4,"KOR","South Korea",0.5,0.3,NA\n'
)
CNS = {
    "timeBins": [
        {
            "year": 2006,
            "data": [
                {
                    "date": "2006-07-05",
                    "time": "04:59",
                    "series": 1,
                    "missile": "Taepodong-2",
                    "facility": "Musudan-ri",
                    "landing": "Sea of Japan",
                    "apogee": "unknown",
                    "distance": 499,
                    "bearing": "",
                    "outcome": "Failure",
                    "description": "first test",
                },
                {"date": "2006-07", "series": 1, "outcome": "success", "apogee": 100.5},
            ],
        }
    ]
}
MADDISON_ROWS: list[list[Any]] = [
    ["countrycode", "country", "year", "gdppc", "pop"],
    ["PRK", "D.P.R. of Korea", 1990, 2841.0, 20019.0],
    ["KOR", "Republic of Korea", 1990, 12087.0, 42869.0],
]
SIPRI_ROWS: list[list[Any]] = [
    ["Military expenditure by country"],
    ['". ." = data unavailable.'],
    [],
    ["Country", "Notes", 1990, 1991],
    ["Asia"],
    ["Korea, North", None, "xxx", ". ."],
    ["Japan", None, 40000.5, 41000],
]
NMC_RDA: dict[str, list[Any]] = {
    "ccode": [731.0, 732.0],
    "year": [1994.0, 1994.0],
    "milex": [5660000.0, 14000000.0],
    "milper": [1100.0, 633.0],
    "irst": [1500.0, 33745.0],
    "pec": [35343.0, float("nan")],
    "tpop": [21734.0, 44453.0],
    "upop": [7764.0, 35000.0],
    "cinc": [0.011371, 0.0226],
}
MINDIST_RDA: dict[str, list[Any]] = {
    "ccode1": [731.0, 731.0],
    "ccode2": [732.0, 740.0],
    "year": [1994.0, 1994.0],
    "mindist": [0.0, 150.5],
}


def _xlsx(sheets: dict[str, list[list[Any]]]) -> bytes:
    """A workbook with one sheet per entry, written in memory."""
    import openpyxl

    wb = openpyxl.Workbook()
    first = True
    for title, rows in sheets.items():
        ws = wb.active if first else wb.create_sheet()
        assert ws is not None
        ws.title = title
        first = False
        for r in rows:
            ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _rda(name: str, columns: dict[str, list[Any]]) -> bytes:
    """An R data file holding one data frame, as peacesciencer ships them (uncompressed)."""
    import pandas as pd
    import pyreadr

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.rda"
        pyreadr.write_rdata(str(path), pd.DataFrame(columns), df_name=name)
        return path.read_bytes()


def _maddison(rows: list[list[Any]]) -> bytes:
    return _xlsx({"Full data": rows})


def _sipri(rows: list[list[Any]]) -> bytes:
    return _xlsx({"Constant (2022) US$": rows, "Current US$": rows})


def _crosswalk(path: Path) -> object:
    """The COW/ISO3/G&W crosswalk built from a fuzzed file (COW codes, UNGA or capitals)."""
    from ncrealism.data import codes

    folder = path.parent
    files = {"cow": COW_CODES, "unga": UNGA, "capitals": CAPITALS}
    role = path.stem.removeprefix("fuzzed-")
    paths = {}
    for name, text in files.items():
        paths[name] = path if name == role else folder / f"ok-{name}.csv"
        if name != role:
            paths[name].write_text(text, "utf-8")
    return codes._build(paths["cow"], paths["unga"], paths["capitals"])


@dataclass(frozen=True)
class Target:
    """A reader, how to make its valid sample, the file name it is given."""

    load: Callable[[Path], object]
    base: Callable[[], bytes]
    name: str = "fuzzed.csv"
    #: For workbook and R-data targets: rebuild the file from these rows with some cells
    #: replaced by arbitrary values (``build(rows)``).
    rows: list[list[Any]] | None = None
    build: Callable[[list[list[Any]]], bytes] | None = None


def _text(t: str) -> Callable[[], bytes]:
    return lambda: t.encode()


def _targets() -> dict[str, Target]:
    from ncrealism.data import (
        alliances,
        contiguity,
        distance,
        economy,
        events,
        milex,
        nmc,
        nuclear,
        records,
        regime,
        states,
        unga,
    )
    from ncrealism.negotiation.cases import load_case
    from ncrealism.perception.profiles import read_profile
    from ncrealism.scenario.loader import load_scenario

    def rda_rows(cols: dict[str, list[Any]]) -> list[list[Any]]:
        return [list(cols), *map(list, zip(*cols.values(), strict=True))]

    def rda_build(name: str) -> Callable[[list[list[Any]]], bytes]:
        return lambda rows: _rda(name, {h: [r[j] for r in rows[1:]] for j, h in enumerate(rows[0])})

    return {
        # published data sets (ncrealism.data)
        "nmc-csv": Target(nmc.read_nmc_csv, _text(NMC_CSV)),
        "nmc-rda": Target(
            nmc.read_nmc_rda,
            lambda: _rda("cow_nmc", NMC_RDA),
            "fuzzed.rda",
            rda_rows(NMC_RDA),
            rda_build("cow_nmc"),
        ),
        "cow-states": Target(states.read_states, _text(COW_STATES)),
        "cow-system": Target(states.read_system, _text(COW_SYSTEM)),
        "cow-majors": Target(states.read_majors, _text(COW_MAJORS)),
        "cow-codes": Target(states.read_cow_codes, _text(COW_CODES)),
        "gw-states": Target(states.read_gw_states, _text(GW_STATES), "fuzzed.dat"),
        "alliance-members": Target(alliances.read_alliance_member_years, _text(ALLIANCE_MEMBERS)),
        "alliance-dyads": Target(alliances.read_alliance_dyads, _text(ALLIANCE_DYADS)),
        "contiguity": Target(contiguity.read_contiguity_directed, _text(CONTIGUITY)),
        "capdist": Target(distance.read_capdist, _text(CAPDIST)),
        "capitals": Target(distance.read_capitals, _text(CAPITALS)),
        "mindist-rda": Target(
            distance.read_mindist,
            lambda: _rda("cow_mindist", MINDIST_RDA),
            "fuzzed.rda",
            rda_rows(MINDIST_RDA),
            rda_build("cow_mindist"),
        ),
        "world-bank-wide": Target(economy.read_wb, _text(WB_WIDE)),
        "world-bank-long": Target(economy.read_wb, _text(WB_LONG)),
        "maddison-xlsx": Target(
            economy.read_maddison,
            lambda: _maddison(MADDISON_ROWS),
            "fuzzed.xlsx",
            MADDISON_ROWS,
            _maddison,
        ),
        "sipri-xlsx": Target(
            lambda p: milex.read_sipri_milex(p, "current_usd"),
            lambda: _sipri(SIPRI_ROWS),
            "fuzzed.xlsx",
            SIPRI_ROWS,
            _sipri,
        ),
        "nuclear-status": Target(nuclear.read_nuclear_status, _text(NUCLEAR_STATUS)),
        "nuclear-tests": Target(nuclear.read_nuclear_tests, _text(NUCLEAR_TESTS)),
        "nuclear-stockpiles": Target(nuclear.read_nuclear_stockpiles, _text(NUCLEAR_STOCKPILES)),
        "polity5": Target(regime.read_polity, _text(POLITY)),
        "v-dem": Target(regime.read_vdem, _text(VDEM)),
        "unga-ideal-points": Target(unga.read_ideal_points, _text(UNGA)),
        "cns-missile-tests": Target(
            events.read_missile_tests, lambda: json.dumps(CNS).encode(), "fuzzed.json"
        ),
        "crosswalk-cow-codes": Target(_crosswalk, _text(COW_CODES), "fuzzed-cow.csv"),
        "crosswalk-unga": Target(_crosswalk, _text(UNGA), "fuzzed-unga.csv"),
        "crosswalk-capitals": Target(_crosswalk, _text(CAPITALS), "fuzzed-capitals.csv"),
        # coded records, context, profiles, scenarios, cases
        "yearly-record": Target(records.read_yearly_record, _text(YEARLY)),
        "context-events": Target(records.read_context_events, _text(CONTEXT)),
        "event-record": Target(records.read_event_record, _text(EVENTS)),
        "negotiation-record": Target(records.read_negotiation_record, _text(NEGOTIATIONS)),
        "profile": Target(read_profile, (PROFILES / "dprk.toml").read_bytes, "fuzzed.toml"),
        "scenario": Target(
            load_scenario, (SCENARIOS / "dprk-baseline.toml").read_bytes, "fuzzed.toml"
        ),
        "case": Target(load_case, (CASES / "agreed_framework_1994.toml").read_bytes, "fuzzed.toml"),
    }


TARGETS = sorted(_targets())
CELL_TARGETS = sorted(k for k, t in _targets().items() if t.rows is not None)

#: Tokens spliced into files, and magic numbers put in front of them (a legacy Excel
#: workbook, a zip archive, gzip, an R data file, byte-order marks).
TOKENS = [
    b",",
    b'"',
    b"\t",
    b"\n",
    b"\r",
    b"\x00",
    b"=",
    b"[",
    b"{",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"nan",
    b"inf",
    b"-1",
    b"NA",
    b"..",
    b"99999999999999999999",
    b"\xc2\xb2",
]
MAGIC = [
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
    b"\t\x00",
    b"PK\x03\x04",
    b"\x1f\x8b\x08",
    b"RDX2\nX\n",
    b"\xef\xbb\xbf",
    b"\xfe\xff",
]


@st.composite
def mutated(draw: st.DrawFn, base: bytes) -> bytes:
    """``base`` with a few random edits, or arbitrary bytes."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=2000))
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "cut", "splice", "magic"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif op == "delete" and data:
            del data[at : at + draw(st.integers(1, 16))]
        elif op == "cut":
            del data[at:]
        elif op == "magic":
            data[0:0] = draw(st.sampled_from(MAGIC))
        else:
            data[at:at] = draw(st.sampled_from(TOKENS))
    return bytes(data)


#: Arbitrary cell values of a workbook or an R data frame.
CELLS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), max_size=12),
    st.datetimes(dt.datetime(1, 1, 1), dt.datetime(9999, 1, 1)),
)


def _check(load: Callable[[Path], object], path: Path, data: bytes) -> None:
    path.write_bytes(data)
    with contextlib.suppress(NcrError):  # ncrealism's own, named error: what loaders promise
        load(path)


@pytest.mark.parametrize("target", TARGETS)
def test_loader_raises_only_its_own_errors(target: str, tmp_path: Path) -> None:
    t = _targets()[target]
    path = tmp_path / t.name

    @FUZZ
    @given(data=mutated(t.base()))
    def run(data: bytes) -> None:
        _check(t.load, path, data)

    run()


@pytest.mark.parametrize("target", CELL_TARGETS)
def test_workbook_and_r_data_cells(target: str, tmp_path: Path) -> None:
    """Workbooks and R data frames rebuilt with arbitrary values in some cells (a text where a
    year is expected, an infinite population, a date, a huge integer...)."""
    t = _targets()[target]
    assert t.rows is not None and t.build is not None
    rows, build = t.rows, t.build
    path = tmp_path / t.name
    typed = target.endswith("-rda")  # an R column holds one type: replace whole columns

    @FUZZ
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        new = [list(r) for r in rows]
        for _ in range(data.draw(st.integers(1, 4))):
            i = data.draw(st.integers(0 if not typed else 1, len(new) - 1))
            j = data.draw(st.integers(0, max(len(new[i]) - 1, 0)))
            if typed:
                value = data.draw(st.one_of(st.floats(), st.text(max_size=6)))
                for r in new[1:]:
                    r[j] = value
            elif new[i]:
                new[i][j] = data.draw(CELLS)
        try:
            raw = build(new)
        except (ValueError, TypeError, OverflowError):
            return  # the writer itself refuses the value: no file to read
        _check(t.load, path, raw)

    run()


@pytest.mark.parametrize("target", TARGETS)
def test_the_valid_base_file_loads(target: str, tmp_path: Path) -> None:
    """The fuzz starts from files the loaders accept (else it would fuzz an error path only)."""
    t = _targets()[target]
    path = tmp_path / t.name
    path.write_bytes(t.base())
    t.load(path)


@settings(FUZZ, max_examples=DEEP or 40)
@given(text=st.text(max_size=40))
def test_year_and_state_parsers(text: str) -> None:
    """Any command-line text for years or states: a list of years, or InputError."""
    from ncrealism.system._common import parse_states, parse_years

    for parse in (parse_years, parse_states):
        with contextlib.suppress(NcrError):
            parse(text)


@FUZZ
@given(
    argv=st.lists(
        st.sampled_from(
            [
                "explain",
                "DPRK",
                "²",
                "1994",
                "99999999999999999999",
                "--year",
                "-1",
                "calibrate",
                "--record",
                "--train",
                "1990:1991",
                "system",
                "shares",
                "--states",
                "--years",
                ",",
                "scenario",
                "run",
                "validate",
                "dprk-baseline",
                "--draws",
                "0",
                "1000000000",
                "--out",
                "/nonexistent/x.csv",
                "data",
                "verify",
                "nmc99",
                "--format",
                "pdf",
                "-q",
                "negotiate",
            ]
        ),
        min_size=1,
        max_size=6,
    )
)
def test_command_lines(argv: list[str]) -> None:
    """Random command lines of real words: exit 0, 1 or 2 with a message, never a traceback
    (commands that would compute for long are left out: every list contains a bad value)."""
    import io

    import typer

    from ncrealism.cli.main import app, main

    if not any(
        a in argv
        for a in (
            "²",
            "99999999999999999999",
            "nmc99",
            "pdf",
            "/nonexistent/x.csv",
            "0",
            "1000000000",
            ",",
            "-1",
        )
    ):
        argv = [*argv, "--format", "pdf"]
    command = _COMMAND.setdefault("c", typer.main.get_command(app))
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try:
            main(argv, command=command)
        except SystemExit as exc:
            assert exc.code in (0, 1, 2, None), exc.code


_COMMAND: dict[str, object] = {}
