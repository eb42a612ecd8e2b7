"""One grammar for every ``ncr`` command: shared options, an example in every ``--help``,
``-q`` before or after the command, kebab-case names, missing inputs are errors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from ncrealism.cli._common import hoist_quiet
from ncrealism.cli.main import app

runner = CliRunner()

#: The ``ncr_main`` fixture (tests/conftest.py): argv -> (exit code, stdout, stderr).
NcrMain = Callable[[list[str]], tuple[int, str, str]]


def _commands() -> Iterator[tuple[tuple[str, ...], object]]:
    """Every command of the ``ncr`` tree (groups included), with its path of names."""
    root = typer.main.get_command(app)

    def walk(cmd: object, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], object]]:
        yield path, cmd
        for name, sub in sorted(getattr(cmd, "commands", {}).items()):
            yield from walk(sub, (*path, name))

    yield from walk(root, ())


COMMANDS = list(_commands())


def test_the_tree_is_walked() -> None:
    names = {" ".join(p) for p, _ in COMMANDS}
    assert {"dprk", "system shares", "negotiate", "report dprk", "data codes"} <= names


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=lambda p: " ".join(p) or "ncr")
def test_every_help_has_an_example_and_shared_options(path: tuple[str, ...]) -> None:
    res = runner.invoke(app, [*path, "--help"], terminal_width=200)
    assert res.exit_code == 0, res.output
    assert "Example: ncr" in res.output, f"ncr {' '.join(path)} --help has no example"
    cmd = dict(COMMANDS)[path]
    for param in getattr(cmd, "params", []):
        opts = set(getattr(param, "opts", [])) | set(getattr(param, "secondary_opts", []))
        if "--out" in opts:
            assert "-o" in opts, f"ncr {' '.join(path)}: --out without -o"
        if "--format" in opts:
            assert "-f" in opts, f"ncr {' '.join(path)}: --format without -f"
        # -o and -f mean only --out and --format, everywhere.
        if "-o" in opts:
            assert "--out" in opts, f"ncr {' '.join(path)}: -o is not --out"
        if "-f" in opts:
            assert "--format" in opts, f"ncr {' '.join(path)}: -f is not --format"
        if "-q" in opts:
            assert "--quiet" in opts


def test_dprk_help_keeps_the_file_patterns() -> None:
    res = runner.invoke(app, ["dprk", "--help"], terminal_width=200)
    assert "dprk_yearly_*.csv" in res.output and "context_events_*.csv" in res.output


def test_quiet_is_moved_to_the_front() -> None:
    assert hoist_quiet(["dprk", "--out", "x", "-q"]) == ["-q", "dprk", "--out", "x"]
    assert hoist_quiet(["-q", "system", "shares"]) == ["-q", "system", "shares"]
    assert hoist_quiet(["negotiate", "--quiet", "--", "-q"]) == ["-q", "negotiate", "--", "-q"]
    assert hoist_quiet(["system", "shares"]) == ["system", "shares"]


def test_quiet_after_the_command_silences_notes(
    mirror: Path, tmp_path: Path, ncr_main: NcrMain
) -> None:
    # `ncr cite -o FILE` notes the file it wrote on standard error.
    argv = ["cite", "-f", "bibtex", "-o", str(tmp_path / "a.bib")]
    code, _, err = ncr_main(argv)
    assert code == 0 and "wrote" in err
    for quiet in (["-q", *argv], [*argv, "-q"], [argv[0], "--quiet", *argv[1:]]):
        code, _, err_q = ncr_main(quiet)
        assert code == 0 and err_q == "", quiet


def test_missing_history_folder_is_an_input_error(tmp_path: Path, ncr_main: NcrMain) -> None:
    code, _, err = ncr_main(["dprk", "--history", str(tmp_path / "absent"), "-o", "r"])
    assert code == 2 and "absent" in err and "Traceback" not in err
    code, _, err = ncr_main(["dprk", "--history", str(tmp_path), "-o", str(tmp_path / "r")])
    assert code == 2 and "no coded record" in err


def test_unknown_code_hint_names_a_command_that_lists_codes(
    mirror: Path, ncr_main: NcrMain
) -> None:
    code, _, err = ncr_main(["system", "shares", "--states", "99999", "--years", "1990"])
    assert code == 2 and "ncr data codes" in err
    code, out, _ = ncr_main(["data", "codes", "korea", "-f", "csv"])
    assert code == 0
    assert "731,PRK,North Korea" in out and "732,ROK,South Korea" in out


def test_case_and_scenario_names_resolve_in_both_spellings() -> None:
    from ncrealism.negotiation.cases import case_path
    from ncrealism.scenario.builtins import locate

    assert case_path("agreed-framework-1994") == case_path("agreed_framework_1994")
    assert case_path("Six-Party-2007").name == "six_party_2007.toml"
    assert locate("dprk_baseline") == locate("dprk-baseline")


def test_unknown_context_type_is_warned_by_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from ncrealism.cli._common import warn_unknown_context_types

    f = tmp_path / "ctx.csv"
    f.write_text(
        "date,event,type,actor\n"
        "1994-07-08,Kim Il Sung dies,domestic_leadership,DPRK\n"
        "1995-01-01,A typo,sanctoin,US\n",
        encoding="utf-8",
    )
    assert warn_unknown_context_types(f) == ["sanctoin"]
    err = capsys.readouterr().err
    assert "'sanctoin'" in err and "line(s) 3" in err and "sanction" in err
