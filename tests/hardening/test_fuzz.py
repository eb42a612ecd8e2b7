"""Fuzzing every loader: whatever the bytes, a loader returns or raises ncrealism's own error.

Each target takes a valid file and mutates it (flipped, inserted and deleted bytes, cut-offs,
spliced random bytes) or replaces it with arbitrary bytes; any exception other than
:class:`ncrealism.errors.NcrError` fails the test. ``max_examples`` is kept modest so that the
whole module runs in seconds; ``deadline=None`` because the first examples pay import costs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ncrealism.errors import NcrError

from .conftest import CASES, CONTEXT, PROFILES, SCENARIOS, YEARLY

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
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


@st.composite
def mutated(draw: st.DrawFn, base: bytes) -> bytes:
    """``base`` with a few random edits, or arbitrary bytes."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=2000))
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "cut", "splice"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif op == "delete" and data:
            del data[at : at + draw(st.integers(1, 16))]
        elif op == "cut":
            del data[at:]
        else:
            data[at:at] = draw(
                st.sampled_from(
                    [
                        b",",
                        b'"',
                        b"\n",
                        b"\r",
                        b"\x00",
                        b"=",
                        b"[",
                        b"\xff\xfe",
                        b"\xef\xbb\xbf",
                        b"nan",
                        b"inf",
                        b"-1",
                        b"99999999999999999999",
                    ]
                )
            )
    return bytes(data)


def _check(load: Callable[[Path], object], path: Path, data: bytes) -> None:
    path.write_bytes(data)
    with contextlib.suppress(NcrError):  # ncrealism's own, named error: what loaders promise
        load(path)


def _targets() -> dict[str, tuple[Callable[[Path], object], bytes]]:
    from ncrealism.data import nmc, records, states
    from ncrealism.negotiation.cases import load_case
    from ncrealism.perception.profiles import read_profile
    from ncrealism.scenario.loader import load_scenario

    return {
        "yearly-record": (records.read_yearly_record, YEARLY.encode()),
        "context-events": (records.read_context_events, CONTEXT.encode()),
        "event-record": (records.read_event_record, EVENTS.encode()),
        "negotiation-record": (records.read_negotiation_record, NEGOTIATIONS.encode()),
        "profile": (read_profile, (PROFILES / "dprk.toml").read_bytes()),
        "scenario": (load_scenario, (SCENARIOS / "dprk-baseline.toml").read_bytes()),
        "case": (load_case, (CASES / "agreed_framework_1994.toml").read_bytes()),
        "nmc-csv": (
            nmc.read_nmc_csv,
            b"stateabb,ccode,year,milex,milper,irst,pec,tpop,upop,cinc,version\n"
            b"PRK,731,1994,5660000,1100,1500,35343,21734,7764,0.011371,2021\n",
        ),
        "cow-states": (
            states.read_states,
            b"stateabb,ccode,statenme,styear,stmonth,stday,endyear,endmonth,endday,version\n"
            b"PRK,731,North Korea,1948,9,9,2016,12,31,2016\n",
        ),
    }


TARGETS = sorted(_targets())


@pytest.mark.parametrize("target", TARGETS)
def test_loader_raises_only_its_own_errors(target: str, tmp_path: Path) -> None:
    load, base = _targets()[target]
    suffix = ".toml" if target in ("profile", "scenario", "case") else ".csv"
    path = tmp_path / f"fuzzed{suffix}"

    @FUZZ
    @given(data=mutated(base))
    def run(data: bytes) -> None:
        _check(load, path, data)

    run()


@pytest.mark.parametrize("target", TARGETS)
def test_the_valid_base_file_loads(target: str, tmp_path: Path) -> None:
    """The fuzz starts from files the loaders accept (else it would fuzz an error path only)."""
    load, base = _targets()[target]
    suffix = ".toml" if target in ("profile", "scenario", "case") else ".csv"
    path = tmp_path / f"base{suffix}"
    path.write_bytes(base)
    load(path)


@settings(FUZZ, max_examples=40)
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
