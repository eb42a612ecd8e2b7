"""The bad-input catalogue: every case must end in one clear error, never a traceback.

One table, :data:`CATALOGUE`, holds every case. Each feeds ``ncr`` (in this process, through
its console entry point) or a loader one bad input: undecodable or binary files, malformed rows,
missing, unreadable or misplaced files, impossible numbers, unwritable ``--out`` paths, absurd
command-line values, bad scenario, profile and case files, damaged data files. Each asserts the
documented exit code (2: bad input; README "Exit codes"), a single message and that the message
names the file (and the field where there is one); a loader's :class:`DataFileError` counts as
that message. The few cases that need a set-up of their own (real permissions, the mirror, the
cache, sweep sizes) follow the table as tests of their own.
"""

from __future__ import annotations

import codecs
import gzip
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .conftest import (
    CASES,
    CONTEXT,
    SCENARIOS,
    YEARLY,
    Result,
    assert_input_error,
    random_bytes,
)
from .samples import (
    CNS,
    COW_CODES,
    MADDISON_ROWS,
    MINDIST_RDA,
    NMC_RDA,
    SIPRI_ROWS,
    WB_LONG,
    crosswalk,
    data_readers,
    maddison,
    rda,
    sipri,
)

Ncr = Callable[..., Result]

# ------------------------------------------------------------------------------------------
# Bytes that are not a CSV file the readers can decode or parse (records and context files)
# ------------------------------------------------------------------------------------------


def _with_byte(text: str, byte: bytes) -> bytes:
    """``text`` with ``byte`` inserted in the second data row (a cell of row 3)."""
    lines = text.encode("utf-8").split(b"\n")
    lines[2] = lines[2][:10] + byte + lines[2][10:]
    return b"\n".join(lines)


def _encodings(text: str) -> dict[str, bytes]:
    utf16 = text.encode("utf-16-le")
    return {
        **{f"byte-0x{b:02x}": _with_byte(text, bytes([b])) for b in (0x81, 0x8D, 0x8F, 0x90, 0x9D)},
        "bom-then-latin1": codecs.BOM_UTF8 + text.replace("high", "h\xe9gh").encode("latin-1"),
        "utf16le-odd-length": codecs.BOM_UTF16_LE + utf16 + b"x",
        "utf16be-odd-length": codecs.BOM_UTF16_BE + text.encode("utf-16-be") + b"\x00",
        "utf16-lone-surrogate": codecs.BOM_UTF16_LE + utf16[:20] + b"\x00\xd8" + utf16[20:],
        "utf16-without-bom": utf16,
        "nul-byte": text.encode("utf-8").replace(b",", b",\x00", 1),
        "random-10MB": random_bytes(10_000_000, seed=13),
        "random-4kB-a": random_bytes(4096, seed=1),
        "random-4kB-b": random_bytes(4096, seed=2),
        "gzip": gzip.compress(text.encode("utf-8")),
        "zip-header": b"PK\x03\x04" + random_bytes(200, seed=3),
        "empty": b"",
        "blank-lines": b"\n\r\n  \n",
        "header-only": text.split("\n")[0].encode("utf-8") + b"\n",
        "truncated-row": text.rstrip("\n").rsplit(",", 2)[0].encode("utf-8") + b"\n",
        "extra-field": text.replace("\n1", ",extra\n1").encode("utf-8"),
        "unterminated-quote": text.replace("USSR", '"USSR').replace("loss", '"loss').encode(),
        "huge-field": text.replace("medium", "m" * 200_000, 1)
        .replace("USSR", "U" * 200_000, 1)
        .encode("utf-8"),
    }


RECORD_BAD = {
    **_encodings(YEARLY),
    "count-not-a-number": YEARLY.replace("0,2,2,2", "0,two,2,2").encode(),
    "count-negative": YEARLY.replace("0,2,2,2", "0,-2,2,2").encode(),
    "count-fraction": YEARLY.replace("0,2,2,2", "0,2.5,2,2").encode(),
    "count-infinite": YEARLY.replace("0,2,2,2", "0,inf,2,2").encode(),
    "count-huge": YEARLY.replace("0,2,2,2", "0,99999999999999999999,2,2").encode(),
    "in-talks-2": YEARLY.replace("1,1,1,1,1,0", "1,1,1,2,1,0").encode(),
    "unknown-posture": YEARLY.replace("engagement", "appeasement").encode(),
    "empty-posture": YEARLY.replace("engagement", "").encode(),
    "duplicate-year": YEARLY.replace("1991,", "1990,").encode(),
    "year-superscript": YEARLY.replace("1991,", "²,").encode(),
    "year-huge": YEARLY.replace("1991,", "99999999999999999999,").encode(),
    "year-empty": YEARLY.replace("1991,", ",").encode(),
    "no-posture-column": YEARLY.replace("dominant_posture", "posture").encode(),
    "no-year-column": YEARLY.replace("year,", "yr,", 1).encode(),
}

CONTEXT_BAD = {
    **_encodings(CONTEXT),
    "date-month-13": CONTEXT.replace("1992-08", "1992-13").encode(),
    "date-words": CONTEXT.replace("1990-09-30", "last autumn").encode(),
    "date-day-32": CONTEXT.replace("1990-09-30", "1990-09-32").encode(),
    "precision-unknown": CONTEXT.replace(",day,", ",week,").encode(),
    "precision-finer-than-date": CONTEXT.replace("1992-08,month", "1992-08,day").encode(),
    "type-not-identifier": CONTEXT.replace("systemic_stimulus", "Systemic Stimulus!", 1).encode(),
    "confidence-unknown": CONTEXT.replace(",high,", ",certain,", 1).encode(),
    "no-date-column": CONTEXT.replace("date,date_precision", "day,date_precision").encode(),
}


PATH_OPTIONS = [
    ("calibrate-record", ["calibrate", "--train", "1990:1991", "--record"], "--record"),
    (
        "calibrate-context",
        ["calibrate", "--train", "1990:1991", "--record", "RECORD", "--context"],
        "--context",
    ),
    ("explain-context", ["explain", "DPRK", "1994", "--context"], "--context"),
    ("explain-profile", ["explain", "DPRK", "1994", "--profile"], "--profile"),
    (
        "calibrate-profile",
        ["calibrate", "--train", "1990:1991", "--record", "RECORD", "--profile"],
        "--profile",
    ),
    (
        "backtest-record",
        ["backtest", "--train", "1990:1990", "--test", "1991:1991", "--out", "OUT", "--record"],
        "--record",
    ),
    (
        "backtest-events",
        [
            "backtest",
            "--train",
            "1990:1990",
            "--test",
            "1991:1991",
            "--out",
            "OUT",
            "--record",
            "RECORD",
            "--events",
        ],
        "--events",
    ),
    (
        "backtest-negotiations",
        [
            "backtest",
            "--train",
            "1990:1990",
            "--test",
            "1991:1991",
            "--out",
            "OUT",
            "--record",
            "RECORD",
            "--negotiations",
        ],
        "--negotiations",
    ),
    ("report-record", ["report", "dprk", "--out", "OUT", "--record"], "--record"),
    ("report-context", ["report", "dprk", "--out", "OUT", "--context"], "--context"),
    ("scenario-context", ["scenario", "validate", "dprk-baseline", "--context"], "--context"),
]
FAULTS = ["missing", "folder", "through-a-file", "unreadable"]


FILE_OUTS = [
    ("system-shares", ["system", "shares", "--years", "1990", "--out"]),
    ("system-shares-plot", ["system", "shares", "--years", "1990", "--plot"]),
    ("system-structure", ["system", "structure", "--years", "1990", "--out"]),
    ("system-threat", ["system", "threat", "DPRK", "--year", "1994", "--out"]),
    ("system-transition", ["system", "transition", "USA", "China", "--out"]),
    ("explain", ["explain", "DPRK", "1994", "--out"]),
    ("calibrate", ["calibrate", "--train", "1990:1991", "--record", "RECORD", "--out"]),
    ("negotiate", ["negotiate", "agreed_framework_1994", "--out"]),
    ("data-list", ["data", "list", "--out"]),
    ("scenario-run-duckdb", ["scenario", "run", "dprk-baseline", "--out"]),
    ("scenario-compare", ["scenario", "compare", "dprk-baseline", "dprk-china-halves", "--out"]),
    ("scenario-schema", ["scenario", "schema", "--out"]),
    ("sensitivity", ["sensitivity", "dprk-baseline", "--out"]),
    ("sensitivity-plot", ["sensitivity", "dprk-baseline", "--plot"]),
]
FOLDER_OUTS = [
    (
        "backtest",
        ["backtest", "--record", "RECORD", "--train", "1990:1990", "--test", "1991:1991", "--out"],
    ),
    ("dprk", ["dprk", "--out"]),
    ("report-dprk", ["report", "dprk", "--out"]),
    ("negotiate-plot", ["negotiate", "agreed_framework_1994", "--plot"]),
    ("scenario-run-parquet", ["scenario", "run", "dprk-baseline", "--out"]),
]


ARGS: list[tuple[str, list[str], str]] = [
    ("explain-superscript-state", ["explain", "²", "1994"], "²"),
    ("explain-huge-year", ["explain", "DPRK", "99999999999999999999"], "99999999999999999999"),
    ("explain-year-0", ["explain", "DPRK", "0"], "year 0"),
    ("explain-negative-year", ["explain", "DPRK", "-1994"], "-1"),
    ("explain-reversed-span", ["explain", "DPRK", "1995:1990"], "1995:1990"),
    ("explain-word-year", ["explain", "DPRK", "nineteen"], "nineteen"),
    ("explain-superscript-year", ["explain", "DPRK", "199²"], "199²"),
    ("explain-no-year", ["explain", "DPRK"], "year"),
    ("explain-two-years", ["explain", "DPRK", "1994", "--year", "1995"], "year"),
    ("explain-huge-state", ["explain", "99999999999999999999", "1994"], "99999999999999999999"),
    ("explain-bad-nmc", ["explain", "DPRK", "1994", "--nmc", "9.9"], "9.9"),
    ("explain-bad-format", ["explain", "DPRK", "1994", "--format", "pdf"], "pdf"),
    ("shares-superscript-state", ["system", "shares", "--states", "2,²", "--years", "1990"], "²"),
    ("shares-empty-states", ["system", "shares", "--states", ",,", "--years", "1990"], "--states"),
    ("shares-huge-year", ["system", "shares", "--years", "1990:99999"], "99999"),
    ("shares-bad-version", ["system", "shares", "--years", "1990", "--version", "8.0"], "8.0"),
    ("shares-years-words", ["system", "shares", "--years", "then"], "then"),
    ("threat-no-year", ["system", "threat", "DPRK"], "--year"),
    ("threat-bad-gradient", ["system", "threat", "DPRK", "--year", "1994", "--gradient", "x"], "x"),
    ("threat-top-0", ["system", "threat", "DPRK", "--year", "1994", "--top", "0"], "--top"),
    ("threat-year-text", ["system", "threat", "DPRK", "--year", "soon"], "--year"),
    (
        "transition-huge-year",
        ["system", "transition", "USA", "China", "--years", "1:99999"],
        "99999",
    ),
    ("verify-unknown", ["data", "verify", "nmc99"], "nmc99"),
    ("fetch-unknown", ["data", "fetch", "nmc99"], "nmc99"),
    (
        "calibrate-bootstrap-negative",
        ["calibrate", "--record", "RECORD", "--train", "1990:1991", "--bootstrap", "-1"],
        "--bootstrap",
    ),
    ("calibrate-train-words", ["calibrate", "--record", "RECORD", "--train", "early"], "early"),
    (
        "calibrate-train-huge",
        ["calibrate", "--record", "RECORD", "--train", "1990:99999999999999999999"],
        "99999999999999999999",
    ),
    ("calibrate-no-record", ["calibrate", "--train", "1990:1991"], "--record"),
    (
        "backtest-bad-scheme",
        [
            "backtest",
            "--record",
            "RECORD",
            "--train",
            "1990:1990",
            "--test",
            "1991:1991",
            "--out",
            "OUT",
            "--scheme",
            "x",
        ],
        "--scheme",
    ),
    (
        "backtest-reversed-train",
        [
            "backtest",
            "--record",
            "RECORD",
            "--train",
            "2004:1990",
            "--test",
            "2005:2009",
            "--out",
            "OUT",
        ],
        "2004:1990",
    ),
    (
        "backtest-train-words",
        ["backtest", "--record", "RECORD", "--train", "a:b", "--test", "2005:2009", "--out", "OUT"],
        "a:b",
    ),
    ("negotiate-unknown-case", ["negotiate", "no_such_case"], "no_such_case"),
    (
        "negotiate-negative-draws",
        ["negotiate", "agreed_framework_1994", "--draws", "-5"],
        "--draws",
    ),
    ("negotiate-bad-lever", ["negotiate", "agreed_framework_1994", "--lever", "magic"], "magic"),
    (
        "negotiate-threshold-0",
        ["negotiate", "agreed_framework_1994", "--threshold", "0"],
        "--threshold",
    ),
    ("scenario-unknown", ["scenario", "run", "no-such-scenario"], "no-such-scenario"),
    (
        "scenario-draws-billion",
        ["scenario", "run", "dprk-baseline", "--draws", "1000000000"],
        "--max-draws",
    ),
    ("scenario-draws-0", ["scenario", "run", "dprk-baseline", "--draws", "0"], "--draws"),
    ("scenario-seed-negative", ["scenario", "run", "dprk-baseline", "--seed", "-1"], "--seed"),
    ("scenario-chunk-0", ["scenario", "run", "dprk-baseline", "--chunk-size", "0"], "--chunk-size"),
    (
        "scenario-max-variants-0",
        ["scenario", "run", "dprk-baseline", "--max-variants", "0"],
        "--max-variants",
    ),
    (
        "scenario-max-memory-negative",
        ["scenario", "run", "dprk-baseline", "--max-memory", "-1"],
        "--max-memory",
    ),
    (
        "scenario-workers-and-scheduler",
        [
            "scenario",
            "run",
            "dprk-baseline",
            "--draws",
            "10",
            "--workers",
            "2",
            "--scheduler",
            "tcp://x:1",
            "--out",
            "OUT.duckdb",
        ],
        "--scheduler",
    ),
    (
        "scenario-bad-backend",
        ["scenario", "validate", "dprk-baseline", "--backend", "nomodule"],
        "nomodule",
    ),
    (
        "scenario-compare-draws-billion",
        ["scenario", "compare", "dprk-baseline", "dprk-china-halves", "--draws", "1000000000"],
        "--max-draws",
    ),
    ("unknown-command", ["frobnicate"], "frobnicate"),
    ("unknown-option", ["explain", "DPRK", "1994", "--colour", "red"], "--colour"),
    ("cite-missing-folder", ["cite", "--run", "NOPE"], "NOPE"),
]


BASE = (SCENARIOS / "dprk-baseline.toml").read_text(encoding="utf-8")


SCENARIO_BAD: dict[str, tuple[bytes | str, str]] = {
    "latin1-byte": (BASE.replace("DPRK", "D\xc9PRK", 1).encode("latin-1"), "line"),
    "random-bytes": (random_bytes(5000, seed=7), "scenario"),
    "utf16": (BASE.encode("utf-16"), "UTF-8"),
    "toml-syntax": (BASE.replace("[scope]", "[scope"), "line"),
    "unknown-table": (BASE + "\n[extras]\nx = 1\n", "extras"),
    "unknown-key": (BASE.replace("[scope]", "[scope]\ncolour = 1"), "colour"),
    "draws-above-file-cap": (BASE.replace("draws = 2000", "draws = 1000000000"), "draws"),
    "draws-zero": (BASE.replace("draws = 2000", "draws = 0"), "draws"),
    "draws-text": (BASE.replace("draws = 2000", 'draws = "many"'), "draws"),
    "draws-float": (BASE.replace("draws = 2000", "draws = 2e3"), "draws"),
    "seed-negative": (BASE.replace("seed = 20091", "seed = -1"), "seed"),
    "chunk-zero": (BASE.replace("chunk_size = 500", "chunk_size = 0"), "chunk_size"),
    "years-reversed": (BASE.replace("years = [1990, 2009]", "years = [2009, 1990]"), "years"),
    "years-one": (BASE.replace("years = [1990, 2009]", "years = [1990]"), "years"),
    "years-huge": (BASE.replace("years = [1990, 2009]", "years = [1990, 99999]"), "years"),
    "states-empty": (BASE.replace("states = [731]", "states = []"), "states"),
    "states-text": (BASE.replace("states = [731]", 'states = ["²"]'), "states"),
    "sd-negative": (BASE.replace("sd = 0.5, lower = 0.25", "sd = -0.5, lower = 0.25"), "sd"),
    "sd-nan": (BASE.replace("sd = 0.5, lower = 0.25", "sd = nan, lower = 0.25"), "sd"),
    "sd-inf": (BASE.replace("sd = 0.5, lower = 0.25", "sd = inf, lower = 0.25"), "sd"),
    "mean-nan": (BASE.replace("mean = 1.5", "mean = nan"), "mean"),
    "unknown-dist": (
        BASE.replace('dist = "normal", mean = 1.5', 'dist = "cauchy", mean = 1.5'),
        "dist",
    ),
    "grid-empty": (BASE.replace("[run]", "[sweep.grid]\nreference_point = []\n\n[run]"), "grid"),
    "grid-repeated": (
        BASE.replace("[run]", "[sweep.grid]\nreference_point = [1, 1]\n\n[run]"),
        "grid",
    ),
    "quantile-1": (
        BASE.replace("chunk_size = 500", "chunk_size = 500\nquantiles = [0.5, 1.0]"),
        "quantile",
    ),
    "no-scenario-table": (BASE.replace("[scenario]", "[scenari]"), "scenari"),
}


PROFILE_HEAD = "[profile]\nstate = 'DPRK'\nccode = 731\n[references]\nk = 'A ref.'\n"


def _param(body: str) -> str:
    return PROFILE_HEAD + "[defaults.threat_sensitivity]\n" + body + "\n"


PROFILE_BAD: dict[str, tuple[bytes, str | None]] = {
    "latin1-byte": (PROFILE_HEAD.replace("DPRK", "D\xc9PRK").encode("latin-1"), None),
    "random-bytes": (random_bytes(3000, seed=11), None),
    "bom-then-latin1": (
        codecs.BOM_UTF8 + PROFILE_HEAD.replace("DPRK", "D\xc9").encode("latin-1"),
        None,
    ),
    "utf16": (PROFILE_HEAD.encode("utf-16"), None),
    "toml-syntax": (b"[profile\nstate = 1\n", None),
    "empty": (b"", "profile"),
    "no-profile-table": (b"[defaults]\n", "profile"),
    "ccode-text": (PROFILE_HEAD.replace("ccode = 731", "ccode = '731'").encode(), "profile.ccode"),
    "ccode-bool": (PROFILE_HEAD.replace("ccode = 731", "ccode = true").encode(), "profile.ccode"),
    "no-state": (PROFILE_HEAD.replace("state = 'DPRK'\n", "").encode(), "profile.state"),
    "unknown-top-table": ((PROFILE_HEAD + "[extra]\n").encode(), None),
    "sd-1e-300": (_param("value = 1.0\nsd = 1e-300").encode(), "defaults.threat_sensitivity.sd"),
    "sd-inf": (_param("value = 1.0\nsd = inf").encode(), "defaults.threat_sensitivity.sd"),
    "sd-nan": (_param("value = 1.0\nsd = nan").encode(), "defaults.threat_sensitivity.sd"),
    "sd-negative": (_param("value = 1.0\nsd = -0.1").encode(), "defaults.threat_sensitivity.sd"),
    "sd-zero": (_param("value = 1.0\nsd = 0").encode(), "defaults.threat_sensitivity.sd"),
    "sd-huge": (_param("value = 1.0\nsd = 1e300").encode(), "defaults.threat_sensitivity.sd"),
    "sd-text": (_param("value = 1.0\nsd = 'wide'").encode(), "defaults.threat_sensitivity.sd"),
    "value-nan": (_param("value = nan").encode(), "defaults.threat_sensitivity.value"),
    "value-inf": (_param("value = inf").encode(), "defaults.threat_sensitivity.value"),
    "value-out-of-bounds": (_param("value = 99.0").encode(), "defaults.threat_sensitivity.value"),
    "value-missing": (_param("sd = 0.5").encode(), "defaults.threat_sensitivity"),
    "value-bool": (_param("value = true").encode(), "defaults.threat_sensitivity.value"),
    "unknown-parameter": (
        (PROFILE_HEAD + "[defaults.bravery]\nvalue = 1\n").encode(),
        "defaults.bravery",
    ),
    "unknown-param-key": (
        _param("value = 1.0\ncolour = 'red'").encode(),
        "defaults.threat_sensitivity",
    ),
    "unknown-reference": (
        _param("value = 1.0\nsources = ['nope']").encode(),
        "defaults.threat_sensitivity.sources",
    ),
    "rationale-number": (
        _param("value = 1.0\nrationale = 3").encode(),
        "defaults.threat_sensitivity.rationale",
    ),
    "misperception-superscript": (
        (PROFILE_HEAD + "[defaults.misperception.'²']\nvalue = 1.0\n").encode(),
        "defaults.misperception.²",
    ),
    "periods-overlap": (
        (
            PROFILE_HEAD + "[[periods]]\nname='a'\nto=1995\n[[periods]]\nname='b'\nfrom=1990\n"
        ).encode(),
        "periods",
    ),
    "period-reversed": (
        (PROFILE_HEAD + "[[periods]]\nname='a'\nfrom=1995\nto=1990\n").encode(),
        "periods[0].from",
    ),
    "period-year-text": (
        (PROFILE_HEAD + "[[periods]]\nname='a'\nfrom='1990'\n").encode(),
        "periods[0].from",
    ),
}


CASE_BASE = (CASES / "agreed_framework_1994.toml").read_text(encoding="utf-8")
CASE_BAD: dict[str, bytes] = {
    "latin1-byte": CASE_BASE.replace("Agreed", "Agr\xe9ed", 1).encode("latin-1"),
    "random-bytes": random_bytes(4000, seed=21),
    "toml-syntax": (CASE_BASE + "\n[unclosed\nx = 1\n").encode(),
    "empty": b"",
    "unknown-key": ("colour = 'red'\n" + CASE_BASE).encode(),
    "utf16": CASE_BASE.encode("utf-16"),
    "nul": CASE_BASE.encode().replace(b"\n", b"\x00\n", 1),
}


def _readers() -> dict[str, Callable[[Path], object]]:
    return data_readers()


DATA_FAULTS = {
    "byte-0x81": b"ccode,year\n731,19\x81" + b"90\n",
    "random-bytes": random_bytes(20_000, seed=5),
    "empty": b"",
    "header-only": b"ccode,year\n",
    "missing": None,
}


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


# ------------------------------------------------------------------------------------------
# The table: one row per case
# ------------------------------------------------------------------------------------------


@dataclass
class Env:
    """What a case may use: a fresh folder, ``ncr`` in this process, simulated faults."""

    tmp: Path
    ncr: Ncr
    request: pytest.FixtureRequest

    def write(self, name: str, data: bytes) -> Path:
        return _write(self.tmp, name, data)

    def unreadable(self, path: Path) -> None:
        """Make reading ``path`` fail as ``chmod 000`` does (see conftest)."""
        self.request.getfixturevalue("unreadable")(path)

    def unwritable(self, folder: Path) -> None:
        """Make ``folder`` refuse new files (see conftest)."""
        self.request.getfixturevalue("unwritable")(folder)

    def argv(self, template: list[str]) -> list[str]:
        """``template`` with RECORD (a valid record), OUT and NOPE (paths) filled in."""
        record = self.write("ok-record.csv", YEARLY.encode())
        return [
            str(record)
            if a == "RECORD"
            else a.replace("OUT", str(self.tmp / "out")).replace("NOPE", str(self.tmp / "nope"))
            for a in template
        ]

    def load(self, reader: Callable[[Path], object], path: Path) -> Result:
        """Call a loader: its :class:`DataFileError` is the one message; anything else fails."""
        from ncrealism.errors import DataFileError

        try:
            reader(path)
        except DataFileError as exc:
            return Result(2, "", f"Error: {exc}\n")
        return Result(0, "", "")


#: A case builds its input in ``env`` and runs it, giving the result and the names its one
#: message must contain.
Run = Callable[[Env], tuple[Result, tuple[str, ...]]]


@dataclass(frozen=True)
class Case:
    """One bad input: its id (``group/name``), how to run it, and whether it must be refused
    before any work (before any dataset is resolved)."""

    id: str
    run: Run
    before_work: bool = False


def _record_case(data: bytes) -> Run:
    def run(env: Env) -> tuple[Result, tuple[str, ...]]:
        f = env.write("record.csv", data)
        return env.ncr("calibrate", "--record", f, "--train", "1990:1991"), (str(f),)

    return run


def _context_case(data: bytes) -> Run:
    def run(env: Env) -> tuple[Result, tuple[str, ...]]:
        f = env.write("context.csv", data)
        return env.ncr("explain", "DPRK", "1994", "--context", f), (str(f),)

    return run


def _record_loader_case(kind: str, data: bytes) -> Run:
    def run(env: Env) -> tuple[Result, tuple[str, ...]]:
        from ncrealism.data import records

        reader = {
            "record": records.read_yearly_record,
            "context": records.read_context_events,
            "events": records.read_event_record,
            "negotiations": records.read_negotiation_record,
        }[kind]
        f = env.write(f"{kind}.csv", data)
        return env.load(reader, f), (str(f),)

    return run


def _faulty_path(env: Env, fault: str, suffix: str, content: bytes) -> Path:
    """A path that cannot be read as a file: missing, a folder, below a file, unreadable (or
    a file without the expected suffix)."""
    if fault == "missing":
        return env.tmp / f"nope{suffix}"
    if fault == "folder":
        folder = env.tmp / f"a-folder{suffix}"
        folder.mkdir()
        return folder
    if fault == "through-a-file":
        return env.write("plain", b"x") / f"inside{suffix}"
    if fault == "not-toml-suffix":
        return env.write("s.txt", content)
    locked = env.write(f"locked{suffix}", content)
    env.unreadable(locked)
    return locked


def _path_case(template: list[str], flag: str, fault: str) -> Run:
    def run(env: Env) -> tuple[Result, tuple[str, ...]]:
        argv = env.argv(template)
        p = _faulty_path(env, fault, ".csv", YEARLY.encode())
        return env.ncr(*argv, p), (flag, str(p))

    return run


def _history_case(fault: str) -> Run:
    def run(env: Env) -> tuple[Result, tuple[str, ...]]:
        h = env.tmp / "no-history" if fault == "missing" else env.write("history.csv", b"x")
        return env.ncr("dprk", "--history", h, "--out", env.tmp / "r"), (str(h),)

    return run


def _out_file_case(name: str, template: list[str], fault: str) -> Run:
    def run(env: Env) -> tuple[Result, tuple[str, ...]]:
        argv = env.argv(template)
        ext = ".duckdb" if "duckdb" in name else ".png" if "plot" in name else ".csv"
        if fault == "missing-folder":
            out = env.tmp / "no-such-folder" / f"result{ext}"
        elif fault == "is-a-folder":
            out = env.tmp / f"folder{ext}"
            out.mkdir()
        else:
            ro = env.tmp / "read-only"
            ro.mkdir()
            env.unwritable(ro)
            out = ro / f"result{ext}"
        return env.ncr(*argv, out), (str(out),)

    return run


def _out_folder_case(template: list[str], fault: str) -> Run:
    def run(env: Env) -> tuple[Result, tuple[str, ...]]:
        argv = env.argv(template)
        if fault == "existing-file":
            out = env.write("results", b"x")
        elif fault == "parent-is-a-file":
            out = env.write("plain", b"x") / "results"
        else:
            ro = env.tmp / "read-only"
            ro.mkdir()
            env.unwritable(ro)
            out = ro / "results"
        return env.ncr(*argv, out), (str(out),)

    return run


def _argument_case(template: list[str], named: str) -> Run:
    def run(env: Env) -> tuple[Result, tuple[str, ...]]:
        return env.ncr(*env.argv(template)), (named.replace("NOPE", str(env.tmp / "nope")),)

    return run


def _scenario_case(data: bytes | str, named: str) -> Run:
    def run(env: Env) -> tuple[Result, tuple[str, ...]]:
        f = env.write("s.toml", data if isinstance(data, bytes) else data.encode())
        res = env.ncr("scenario", "validate", f, "--schema-only")
        # what is wrong, named in any case: the message's own spelling of it, when present
        at = res.err.lower().find(named.lower())
        return res, (str(f), res.err[at : at + len(named)] if at >= 0 else named)

    return run


def _scenario_path_case(fault: str) -> Run:
    def run(env: Env) -> tuple[Result, tuple[str, ...]]:
        f = _faulty_path(env, fault, ".toml", BASE.encode())
        return env.ncr("scenario", "validate", f, "--schema-only"), (str(f),)

    return run


def _profile_case(data: bytes, field: str | None) -> Run:
    def run(env: Env) -> tuple[Result, tuple[str, ...]]:
        from ncrealism.perception.profiles import read_profile

        f = env.write("p.toml", data)
        names = (str(f),) if field is None else (str(f), f"field '{field}'")
        return env.load(read_profile, f), names

    return run


def _case_file_case(data: bytes) -> Run:
    def run(env: Env) -> tuple[Result, tuple[str, ...]]:
        f = env.write("case.toml", data)
        return env.ncr("negotiate", f), (str(f),)

    return run


def _data_case(reader: str, data: bytes | None) -> Run:
    def run(env: Env) -> tuple[Result, tuple[str, ...]]:
        f = env.tmp / "data.file" if data is None else env.write("data.file", data)
        return env.load(_readers()[reader], f), (str(f),)

    return run


def _with(rows: list[list[object]], at: tuple[int, int], value: object) -> list[list[object]]:
    """``rows`` with the cell ``at`` (row, column) replaced by ``value``."""
    out = [list(r) for r in rows]
    out[at[0]][at[1]] = value
    return out


#: (reader, file name, bytes, the field the error must name)
DataValue = tuple[str, str, Callable[[], bytes], str]


def _rda_value(frame: str, cols: dict[str, list[Any]], col: str, values: list[Any]) -> DataValue:
    """An R data file of ``frame`` whose column ``col`` holds ``values``."""
    reader = {"cow_nmc": "nmc-rda", "cow_mindist": "mindist-rda"}[frame]
    return reader, "x.rda", lambda: rda(frame, {**cols, col: values}), col


#: Values inside otherwise valid files that once crashed a reader, or (text codes and an
#: infinite CINC in R data) were taken without a word; found by the fuzz tests.
DATA_VALUES: dict[str, DataValue] = {
    "nmc-rda-ccode-text": _rda_value("cow_nmc", NMC_RDA, "ccode", ["731", "732"]),
    "nmc-rda-ccode-huge": _rda_value("cow_nmc", NMC_RDA, "ccode", [9.3e18, 9.3e18]),
    "nmc-rda-cinc-infinite": _rda_value("cow_nmc", NMC_RDA, "cinc", [float("inf"), 0.1]),
    "mindist-rda-year-text": _rda_value("cow_mindist", MINDIST_RDA, "year", ["", ""]),
    "mindist-rda-ccode-huge": _rda_value("cow_mindist", MINDIST_RDA, "ccode1", [9.3e18, 9.3e18]),
    "maddison-year-huge": (
        "maddison-xlsx",
        "m.xlsx",
        lambda: maddison(_with(MADDISON_ROWS, (1, 2), 3.4e38)),
        "year",
    ),
    "sipri-header-year-huge": (
        "sipri-xlsx",
        "s.xlsx",
        lambda: sipri(_with(SIPRI_ROWS, (3, 2), 1e20)),
        "column 3",
    ),
    "crosswalk-ccode-huge": (
        "crosswalk",
        "bad-cow.csv",
        lambda: COW_CODES.replace("731", "99999999999999999999").encode(),
        "CCode",
    ),
    "world-bank-year-huge": (
        "world-bank",
        "w.csv",
        lambda: WB_LONG.replace("1991", "99999999999999999999").encode(),
        "Year",
    ),
    "cns-series-huge": (
        "cns-missile-tests",
        "c.json",
        lambda: json.dumps(CNS).replace('"series": 1', '"series": 1' + "0" * 20, 1).encode(),
        "series",
    ),
}


def _data_value_case(reader: str, name: str, data: Callable[[], bytes], field: str) -> Run:
    def run(env: Env) -> tuple[Result, tuple[str, ...]]:
        f = env.write(name, data())
        load = crosswalk if reader == "crosswalk" else _readers()[reader]
        return env.load(load, f), (str(f), f"field '{field}'")

    return run


def _unreadable_data_case(reader: str) -> Run:
    def run(env: Env) -> tuple[Result, tuple[str, ...]]:
        f = env.write("data.csv", b"ccode,year\n731,1990\n")
        env.unreadable(f)
        return env.load(_readers()[reader], f), ("permission denied", str(f))

    return run


def _mirror_case(where: str) -> Run:
    def run(env: Env) -> tuple[Result, tuple[str, ...]]:
        mirror = env.tmp / "mirror"
        sub = mirror / "cow-states"
        sub.mkdir(parents=True)
        f = sub / "COW-country-codes.csv"  # the registered place of the COW code list
        f.write_text("StateAbb,CCode,StateNme\nMON,712,Mongolia\n")
        env.request.getfixturevalue("monkeypatch").setenv("NCR_DATA_MIRROR", str(mirror))
        blocked = {"mirror-folder": mirror, "mirror-sub-folder": sub, "mirror-file": f}[where]
        env.unreadable(blocked)
        # a name: the code list is read first
        return env.ncr("explain", "Mongolia", "1994"), ("permission denied", str(blocked))

    return run


def _catalogue() -> list[Case]:
    cases = [Case(f"record/{k}", _record_case(v)) for k, v in sorted(RECORD_BAD.items())]
    # (a context file with a header and no events is valid: no outside shocks)
    cases += [
        Case(f"context/{k}", _context_case(v))
        for k, v in sorted(CONTEXT_BAD.items())
        if k != "header-only"
    ]
    cases += [
        Case(f"record-loader/{kind}-{k}", _record_loader_case(kind, v))
        for kind in ("record", "context", "events", "negotiations")
        for k, v in sorted(_encodings(YEARLY).items())
        # valid or invalid depending on the schema: covered through the command line above
        if k not in ("header-only", "truncated-row", "extra-field", "huge-field")
    ]
    cases += [
        Case(f"path/{name}-{fault}", _path_case(template, flag, fault))
        for name, template, flag in PATH_OPTIONS
        for fault in FAULTS
    ]
    cases += [Case(f"path/dprk-history-{f}", _history_case(f)) for f in ("missing", "a-file")]
    cases += [
        Case(f"out-file/{name}-{fault}", _out_file_case(name, template, fault), before_work=True)
        for name, template in FILE_OUTS
        for fault in ("missing-folder", "is-a-folder", "read-only-folder")
    ]
    cases += [
        Case(f"out-folder/{name}-{fault}", _out_folder_case(template, fault))
        for name, template in FOLDER_OUTS
        for fault in ("existing-file", "parent-is-a-file", "read-only-folder")
    ]
    cases += [
        Case(f"argument/{name}", _argument_case(template, named), before_work=True)
        for name, template, named in ARGS
    ]
    cases += [
        Case(f"scenario/{k}", _scenario_case(data, named))
        for k, (data, named) in sorted(SCENARIO_BAD.items())
    ]
    cases += [
        Case(f"scenario-path/{f}", _scenario_path_case(f))
        for f in ("missing", "folder", "not-toml-suffix", "unreadable")
    ]
    cases += [
        Case(f"profile/{k}", _profile_case(data, field))
        for k, (data, field) in sorted(PROFILE_BAD.items())
    ]
    cases += [Case(f"case-file/{k}", _case_file_case(v)) for k, v in sorted(CASE_BAD.items())]
    cases += [
        Case(f"data-file/{reader}-{fault}", _data_case(reader, DATA_FAULTS[fault]))
        for reader in sorted(_readers())
        for fault in sorted(DATA_FAULTS)
    ]
    cases += [Case(f"data-value/{k}", _data_value_case(*v)) for k, v in sorted(DATA_VALUES.items())]
    cases += [
        Case(f"data-file/{reader}-unreadable", _unreadable_data_case(reader))
        for reader in ("nmc-csv", "alliance-members", "capdist", "polity5", "world-bank")
    ]
    cases += [
        Case(f"mirror/{where}", _mirror_case(where))
        for where in ("mirror-folder", "mirror-sub-folder", "mirror-file")
    ]
    return cases


CATALOGUE = _catalogue()


def test_the_catalogue_is_large_and_distinct() -> None:
    ids = [c.id for c in CATALOGUE]
    assert len(ids) == len(set(ids))
    assert len(ids) >= 150


@pytest.mark.parametrize("case", CATALOGUE, ids=[c.id for c in CATALOGUE])
def test_bad_input(case: Case, ncr: Ncr, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """Exit 2, one message naming the file (and field), no traceback; the command-line checks
    of ``--out`` and of argument values come before any work."""
    if case.before_work:
        request.getfixturevalue("no_data_reads")
    res, names = case.run(Env(tmp_path, ncr, request))
    assert_input_error(res, *names)


# ------------------------------------------------------------------------------------------
# Cases with a set-up of their own
# ------------------------------------------------------------------------------------------


def test_unreadable_file_with_real_permissions(
    ncr: Ncr, tmp_path: Path, permissions_enforced: None
) -> None:
    f = _write(tmp_path, "record.csv", YEARLY.encode())
    f.chmod(0)
    try:
        assert_input_error(ncr("calibrate", "--record", f, "--train", "1990:1991"), str(f))
    finally:
        f.chmod(0o600)


def test_read_only_out_with_real_permissions(
    ncr: Ncr, tmp_path: Path, permissions_enforced: None
) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        res = ncr("system", "shares", "--years", "1990", "--out", ro / "x.csv")
        assert_input_error(res, str(ro / "x.csv"))
    finally:
        ro.chmod(0o755)


def _grid(n_params: int, n_values: int) -> str:
    names = [
        "threat_sensitivity",
        "self_reliance",
        "assurance_discount",
        "autonomy_value",
        "capitulation_aversion",
        "survival_priority",
    ][:n_params]
    body = BASE[: BASE.index("[uncertainty]")] + BASE[BASE.index("[run]") :]
    rows = [f"{n} = [{', '.join(f'{0.3 + 0.01 * i:.2f}' for i in range(n_values))}]" for n in names]
    return body.replace("[run]", "[sweep.grid]\n" + "\n".join(rows) + "\n\n[run]")


def test_huge_grid_refused_at_once_naming_the_limit(
    ncr: Ncr, tmp_path: Path, no_data_reads: None
) -> None:
    """6 parameters × 40 values = 40^6 = 4,096,000,000 variants: refused from the file alone,
    before any dataset is read (the time it takes is measured in benchmarks/bench_scenario.py)."""
    f = _write(tmp_path, "grid.toml", _grid(6, 40).encode())
    res = ncr("scenario", "run", f, "--out", tmp_path / "g.duckdb")
    assert_input_error(res, str(f), "4,096,000,000", "--max-variants")
    assert not (tmp_path / "g.duckdb").exists()


def test_huge_grid_refused_by_validate_and_the_library(ncr: Ncr, tmp_path: Path) -> None:
    from ncrealism.errors import InputError
    from ncrealism.scenario.loader import load_scenario, resolve

    f = _write(tmp_path, "grid.toml", _grid(6, 40).encode())
    assert_input_error(ncr("scenario", "validate", f), "max_variants")
    with pytest.raises(InputError, match="max_variants"):
        resolve(load_scenario(f))


def test_draws_cap_holds_for_the_command_line(ncr: Ncr, no_data_reads: None) -> None:
    res = ncr("scenario", "run", "dprk-baseline", "--draws", "1000000000")
    assert_input_error(res, "1,000,000,000", "100,000,000", "--max-draws")


def test_draws_above_the_histogram_ceiling_refused_even_when_raised(ncr: Ncr) -> None:
    res = ncr("scenario", "run", "dprk-baseline", "--draws", str(2**33), "--max-draws", str(2**34))
    assert_input_error(res, "32-bit")


def test_bad_profile_through_the_command_line(ncr: Ncr, tmp_path: Path) -> None:
    f = _write(tmp_path, "p.toml", _param("value = 1.0\nsd = 1e-300").encode())
    res = ncr(
        "calibrate",
        "--record",
        _write(tmp_path, "r.csv", YEARLY.encode()),
        "--train",
        "1990:1991",
        "--profile",
        f,
    )
    assert_input_error(res, str(f), "defaults.threat_sensitivity.sd")


def test_corrupted_cache_that_cannot_be_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cached file that fails its hash in a read-only cache: an error naming it, not a
    PermissionError from unlink."""
    import pathlib

    from ncrealism.data.fetch import DataSource
    from ncrealism.errors import DataFileError

    source = DataSource(mirror=None, cache_root=tmp_path / "cache", allow_download=False)
    cached = source.cache_path("cow_codes", "primary")
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"not the registered file")
    real_unlink = pathlib.Path.unlink

    def no_unlink(self: pathlib.Path, missing_ok: bool = False) -> None:
        if self == cached:
            raise PermissionError(13, "Permission denied", str(self))
        real_unlink(self, missing_ok=missing_ok)

    monkeypatch.setattr(pathlib.Path, "unlink", no_unlink)
    with pytest.raises(DataFileError, match="sha256") as info:
        source.resolve("cow_codes")
    assert str(cached) in str(info.value)
    assert cached.exists()


def test_add_nmc_accepts_a_plain_frame(source: object) -> None:
    import polars as pl

    from ncrealism.data.frames import add_nmc
    from ncrealism.data.regime import add_polity

    plain = pl.DataFrame({"ccode": [731, 732], "year": [1994, 1994]})
    out = add_nmc(plain, source=source)  # type: ignore[arg-type]
    assert isinstance(out, pl.DataFrame)
    # as add_polity does: same rows, new columns, a plain frame back
    assert isinstance(add_polity(plain, source=source), pl.DataFrame)  # type: ignore[arg-type]
    assert out.height == 2 and "cinc" in out.columns
    # published NMC v6.0: the DPRK held about 1.1% of world capabilities in 1994
    assert 0.009 < out.filter(pl.col("ccode") == 731)["cinc"][0] < 0.013


def test_add_nmc_refuses_a_frame_without_keys() -> None:
    import polars as pl

    from ncrealism.data.frames import add_nmc
    from ncrealism.errors import InputError

    with pytest.raises(InputError, match="ccode"):
        add_nmc(pl.DataFrame({"country": ["PRK"]}))
