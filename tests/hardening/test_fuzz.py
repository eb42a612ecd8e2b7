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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ncrealism.errors import NcrError

from .conftest import CASES, CONTEXT, PROFILES, SCENARIOS, YEARLY
from .samples import (
    ALLIANCE_DYADS,
    ALLIANCE_MEMBERS,
    CAPDIST,
    CAPITALS,
    CNS,
    CONTIGUITY,
    COW_CODES,
    COW_MAJORS,
    COW_STATES,
    COW_SYSTEM,
    EVENTS,
    GW_STATES,
    MADDISON_ROWS,
    MINDIST_RDA,
    NEGOTIATIONS,
    NMC_CSV,
    NMC_RDA,
    NUCLEAR_STATUS,
    NUCLEAR_STOCKPILES,
    NUCLEAR_TESTS,
    POLITY,
    SIPRI_ROWS,
    UNGA,
    VDEM,
    WB_LONG,
    WB_WIDE,
    crosswalk,
    data_readers,
    maddison,
    rda,
    sipri,
)

#: ``NCR_FUZZ_EXAMPLES=500`` runs a deeper, randomised fuzz (the suite's default is quick and
#: the same on every run).
DEEP = int(os.environ.get("NCR_FUZZ_EXAMPLES", "0"))
FUZZ = settings(
    max_examples=DEEP or 30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=not DEEP,
)


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


def _rda_target(reader: Callable[[Path], object], name: str, cols: dict[str, list[Any]]) -> Target:
    """An R-data target: the frame ``name`` with columns ``cols``, rebuilt cell by cell."""

    def build(rows: list[list[Any]]) -> bytes:
        return rda(name, {h: [r[j] for r in rows[1:]] for j, h in enumerate(rows[0])})

    rows = [list(cols), *map(list, zip(*cols.values(), strict=True))]
    return Target(reader, lambda: rda(name, cols), "fuzzed.rda", rows, build)


def _xlsx_target(
    reader: Callable[[Path], object],
    rows: list[list[Any]],
    build: Callable[[list[list[Any]]], bytes],
) -> Target:
    """A workbook target: ``build(rows)``, rebuilt cell by cell."""
    return Target(reader, lambda: build(rows), "fuzzed.xlsx", rows, build)


def _targets() -> dict[str, Target]:
    from ncrealism.data import records
    from ncrealism.negotiation.cases import load_case
    from ncrealism.perception.profiles import read_profile
    from ncrealism.scenario.loader import load_scenario

    r = data_readers()
    return {
        # published data sets (ncrealism.data)
        "nmc-csv": Target(r["nmc-csv"], _text(NMC_CSV)),
        "nmc-rda": _rda_target(r["nmc-rda"], "cow_nmc", NMC_RDA),
        "cow-states": Target(r["cow-states"], _text(COW_STATES)),
        "cow-system": Target(r["cow-system"], _text(COW_SYSTEM)),
        "cow-majors": Target(r["cow-majors"], _text(COW_MAJORS)),
        "cow-codes": Target(r["cow-codes"], _text(COW_CODES)),
        "gw-states": Target(r["gw-states"], _text(GW_STATES), "fuzzed.dat"),
        "alliance-members": Target(r["alliance-members"], _text(ALLIANCE_MEMBERS)),
        "alliance-dyads": Target(r["alliance-dyads"], _text(ALLIANCE_DYADS)),
        "contiguity": Target(r["contiguity"], _text(CONTIGUITY)),
        "capdist": Target(r["capdist"], _text(CAPDIST)),
        "capitals": Target(r["capitals"], _text(CAPITALS)),
        "mindist-rda": _rda_target(r["mindist-rda"], "cow_mindist", MINDIST_RDA),
        "world-bank-wide": Target(r["world-bank"], _text(WB_WIDE)),
        "world-bank-long": Target(r["world-bank"], _text(WB_LONG)),
        "maddison-xlsx": _xlsx_target(r["maddison-xlsx"], MADDISON_ROWS, maddison),
        "sipri-xlsx": _xlsx_target(r["sipri-xlsx"], SIPRI_ROWS, sipri),
        "nuclear-status": Target(r["nuclear-status"], _text(NUCLEAR_STATUS)),
        "nuclear-tests": Target(r["nuclear-tests"], _text(NUCLEAR_TESTS)),
        "nuclear-stockpiles": Target(r["nuclear-stockpiles"], _text(NUCLEAR_STOCKPILES)),
        "polity5": Target(r["polity5"], _text(POLITY)),
        "v-dem": Target(r["v-dem"], _text(VDEM)),
        "unga-ideal-points": Target(r["unga-ideal-points"], _text(UNGA)),
        "cns-missile-tests": Target(
            r["cns-missile-tests"], lambda: json.dumps(CNS).encode(), "fuzzed.json"
        ),
        "crosswalk-cow-codes": Target(crosswalk, _text(COW_CODES), "fuzzed-cow.csv"),
        "crosswalk-unga": Target(crosswalk, _text(UNGA), "fuzzed-unga.csv"),
        "crosswalk-capitals": Target(crosswalk, _text(CAPITALS), "fuzzed-capitals.csv"),
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


@pytest.mark.filterwarnings("ignore:File contains an invalid specification:UserWarning")
@pytest.mark.parametrize("target", [t for t in CELL_TARGETS if t.endswith("-xlsx")])
def test_workbook_with_a_damaged_member(target: str, tmp_path: Path) -> None:
    """A valid zip archive with one member (a sheet's XML, the workbook, the styles...)
    mutated: the damage shows only when openpyxl reads that member, often lazily."""
    import zipfile

    t = _targets()[target]
    base = t.base()
    with zipfile.ZipFile(io.BytesIO(base)) as z:
        members = {name: z.read(name) for name in z.namelist()}
    path = tmp_path / t.name

    @FUZZ
    @given(name=st.sampled_from(sorted(members)), data=st.data())
    def run(name: str, data: st.DataObject) -> None:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            for member, raw in members.items():
                z.writestr(member, data.draw(mutated(raw)) if member == name else raw)
        _check(t.load, path, buf.getvalue())

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
