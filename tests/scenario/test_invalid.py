"""A catalogue of mistakes in scenario files: each gives a clear error, exit code 2, no
traceback, and writes nothing (no results database, no chunk folder)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from scenario.clihelp import BACKEND, invoke
from scenario.conftest import BASE

SHOCK = """\
[[shocks]]
id = "patron_cut"
kind = "patron_support"
from = 2000
value = { dist = "uniform", low = 0.3, high = 0.7 }
"""
UNC_LINE = '"beta.brinkmanship.threat" = { dist = "normal", mean = 1.5, sd = 0.3 }'


@dataclass(frozen=True)
class Mistake:
    id: str
    text: str
    says: str  # fragment of the message
    key: str | None = None  # the key the message names
    line_of: str | None = None  # text of the line the message must point to
    suggestion: str | None = None


def _sub(old: str, new: str) -> str:
    assert old in BASE, old
    return BASE.replace(old, new)


def _add(extra: str) -> str:
    return BASE + "\n" + extra


CATALOGUE = [
    Mistake(
        "toml-syntax",
        _sub('title = "A synthetic', "title = A synthetic"),
        "TOML syntax",
        line_of="title = A synthetic",
    ),
    Mistake(
        "unknown-section",
        _add("[shoks]\nx = 1\n"),
        "unknown key 'shoks'",
        "shoks",
        "[shoks]",
        "shocks",
    ),
    Mistake(
        "unknown-key",
        _sub('kind = "test"', 'kind = "test"\ntitel = "x"'),
        "unknown key 'titel'",
        "scenario.titel",
        'titel = "x"',
        "title",
    ),
    Mistake(
        "missing-section",
        BASE.replace("[scope]\nstates = [731, 732]\nyears = [1990, 2009]\n", ""),
        "missing required key 'scope'",
        "scope",
    ),
    Mistake(
        "missing-name",
        _sub('name = "synthetic-test"\n', ""),
        "missing required key 'name'",
        "scenario.name",
        "[scenario]",
    ),
    Mistake(
        "bad-name",
        _sub('name = "synthetic-test"', 'name = "my scenario"'),
        "should match pattern",
        "scenario.name",
        'name = "my scenario"',
    ),
    Mistake(
        "bad-kind",
        _sub('kind = "test"', 'kind = "counterfactal"'),
        "not allowed",
        "scenario.kind",
        'kind = "counterfactal"',
        "counterfactual",
    ),
    Mistake(
        "years-reversed",
        _sub("years = [1990, 2009]", "years = [2009, 1990]"),
        "after the last",
        "scope.years",
        "years = [2009, 1990]",
    ),
    Mistake(
        "years-outside",
        _sub("years = [1990, 2009]", "years = [1700, 2009]"),
        "outside the COW era",
        "scope.years",
    ),
    Mistake(
        "states-type",
        _sub("states = [731, 732]", 'states = "731"'),
        "valid list",
        "scope.states",
        'states = "731"',
    ),
    Mistake(
        "states-duplicate",
        _sub("states = [731, 732]", "states = [731, 731]"),
        "more than once",
        "scope.states",
    ),
    Mistake(
        "unknown-dist",
        _sub('dist = "normal", mean = 1.5', 'dist = "gaussian", mean = 1.5'),
        "unknown distribution 'gaussian'",
        "uncertainty.beta.brinkmanship.threat.dist",
        UNC_LINE.replace("normal", "gaussian"),
        "normal",
    ),
    Mistake(
        "dist-missing",
        _sub(UNC_LINE, '"beta.brinkmanship.threat" = { mean = 1.5, sd = 0.3 }'),
        "needs 'dist'",
        "uncertainty.beta.brinkmanship.threat",
    ),
    Mistake(
        "dist-unknown-field",
        _sub("mean = 1.5, sd = 0.3", "mean = 1.5, sigma = 0.3"),
        "unknown key 'sigma'",
        "uncertainty.beta.brinkmanship.threat.sigma",
        None,
        "sd",
    ),
    Mistake(
        "normal-sd",
        _sub("sd = 0.3", "sd = -0.3"),
        "greater than 0",
        "uncertainty.beta.brinkmanship.threat.sd",
    ),
    Mistake(
        "uniform-order",
        _sub("low = 0.3, high = 0.7", "low = 0.7, high = 0.3"),
        "must be below high",
        "shocks[0].value.high",
    ),
    Mistake(
        "beta-shape",
        _sub(UNC_LINE, '"beta.brinkmanship.threat" = { dist = "beta", a = 0, b = 2 }'),
        "greater than 0",
        "uncertainty.beta.brinkmanship.threat.a",
    ),
    Mistake(
        "triangular-mode",
        _sub("mode = 0.2", "mode = 0.9"),
        "must lie in [low, high]",
        "uncertainty.alpha.engagement.mode",
    ),
    Mistake(
        "nan-value",
        _sub("mean = 1.5", "mean = nan"),
        "finite number",
        "uncertainty.beta.brinkmanship.threat.mean",
    ),
    Mistake(
        "shock-kind",
        _sub('kind = "patron_support"', 'kind = "patron_suport"'),
        "not allowed",
        "shocks[0].kind",
        'kind = "patron_suport"',
        "patron_support",
    ),
    Mistake(
        "shock-op",
        _sub("from = 2000\n", 'from = 2000\nop = "multiply"\n'),
        "not allowed",
        "shocks[0].op",
        'op = "multiply"',
    ),
    Mistake(
        "shock-from-outside",
        _sub("from = 2000", "from = 2015"),
        "outside the scope",
        "shocks[0].from",
        "from = 2015",
    ),
    Mistake(
        "shock-until-before",
        _sub("from = 2000\n", "from = 2000\nuntil = 1995\n"),
        "before from",
        "shocks[0].until",
        "until = 1995",
    ),
    Mistake(
        "shock-input-missing",
        _sub('kind = "patron_support"', 'kind = "input"'),
        "needs 'input'",
        "shocks[0].kind",
        'kind = "input"',
    ),
    Mistake(
        "shock-duplicate-id",
        BASE.replace("[uncertainty]", SHOCK + "\n[uncertainty]"),
        "used twice",
        "shocks[1].id",
    ),
    Mistake(
        "shock-state-outside",
        _sub("from = 2000\n", "from = 2000\nstates = [2]\n"),
        "not in scope.states",
        "shocks[0].states",
        "states = [2]",
    ),
    Mistake(
        "shock-unknown-input",
        _sub('kind = "patron_support"', 'kind = "input"\ninput = "threet"'),
        "unknown model input 'threet'",
        "shocks[0].input",
        'input = "threet"',
        "threat",
    ),
    Mistake(
        "set-outside-bounds",
        _sub(
            'kind = "patron_support"\nfrom = 2000\n'
            'value = { dist = "uniform", low = 0.3, high = 0.7 }',
            'kind = "assurance_credibility"\nfrom = 2000\n'
            'value = { dist = "normal", mean = 0.8, sd = 0.2 }',
        ),
        "must stay in [0, 1]",
        "shocks[0].value",
    ),
    Mistake(
        "negative-scale",
        _sub("low = 0.3, high = 0.7", "low = -0.3, high = 0.7"),
        "must not be negative",
        "shocks[0].value",
    ),
    Mistake(
        "unknown-parameter",
        _sub('"alpha.engagement" =', '"alpha.engagment" ='),
        "unknown parameter 'alpha.engagment'",
        "uncertainty.alpha.engagment",
        None,
        "alpha.engagement",
    ),
    Mistake(
        "unknown-profile",
        _sub('profile = "juche"', 'profile = "juch"'),
        "unknown perception profile",
        "perception.profile",
        'profile = "juch"',
        "juche",
    ),
    Mistake(
        "override-bounds",
        _sub('profile = "juche"', 'profile = "juche"\noverrides = { tau = -1 }'),
        "outside its bounds",
        "perception.overrides.tau",
    ),
    Mistake(
        "override-and-uncertain",
        _sub('profile = "juche"', 'profile = "juche"\noverrides = { "alpha.engagement" = 0.1 }'),
        "both fixed",
        "uncertainty.alpha.engagement",
    ),
    Mistake(
        "unknown-case",
        _add('[[negotiations]]\ncase = "synthetic_dea"\n'),
        "unknown negotiation case",
        "negotiations[0].case",
        'case = "synthetic_dea"',
        "synthetic_deal",
    ),
    Mistake(
        "duplicate-case",
        _add('[[negotiations]]\ncase = "linear"\n[[negotiations]]\ncase = "linear"\n'),
        "listed twice",
        "negotiations[1].case",
    ),
    Mistake(
        "registry-version",
        _add('[data]\nregistry = "1999.01"\n'),
        "data registry 1999.01",
        "data.registry",
        'registry = "1999.01"',
    ),
    Mistake(
        "unknown-dataset",
        _add('[data]\nversions = { nmx6 = "6.0" }\n'),
        "unknown dataset 'nmx6'",
        "data.versions.nmx6",
        None,
        "nmc6",
    ),
    Mistake(
        "dataset-version",
        _add('[data]\nversions = { nmc6 = "5.0" }\n'),
        "not 5.0",
        "data.versions.nmc6",
        None,
        "6.0",
    ),
    Mistake(
        "draws-zero",
        _sub("draws = 240", "draws = 0"),
        "greater than or equal to 1",
        "run.draws",
        "draws = 0",
    ),
    Mistake("draws-bool", _sub("draws = 240", "draws = true"), "valid integer", "run.draws"),
    Mistake(
        "quantile-range",
        _sub("chunk_size = 40", "chunk_size = 40\nquantiles = [0.5, 1.5]"),
        "not in (0, 1)",
        "run.quantiles",
        "quantiles = [0.5, 1.5]",
    ),
    Mistake("grid-empty", _add('[sweep]\ngrid = { "tau" = [] }\n'), "empty list", "sweep.grid.tau"),
    Mistake(
        "grid-unknown",
        _add('[sweep]\ngrid = { "shock.patron_ct" = [0.5] }\n'),
        "unknown grid parameter",
        "sweep.grid.shock.patron_ct",
        None,
        "shock.patron_cut",
    ),
    Mistake(
        "grid-and-uncertain",
        _add('[sweep]\ngrid = { "alpha.engagement" = [0.1] }\n'),
        "both swept",
        "sweep.grid.alpha.engagement",
    ),
]


def test_catalogue_is_large_and_distinct() -> None:
    assert len(CATALOGUE) >= 20
    assert len({m.id for m in CATALOGUE}) == len(CATALOGUE)
    assert len({m.text for m in CATALOGUE}) == len(CATALOGUE)


@pytest.mark.parametrize("mistake", CATALOGUE, ids=[m.id for m in CATALOGUE])
def test_mistake_is_reported_cleanly(mistake: Mistake, tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(mistake.text, encoding="utf-8")
    out = tmp_path / "results.duckdb"
    result = invoke("scenario", "run", str(path), "--out", str(out), "-q", "--backend", BACKEND)
    msg = result.output
    assert result.exit_code == 2, msg
    assert "Traceback" not in msg
    assert str(path) in msg
    assert mistake.says in msg, msg
    if mistake.key is not None:
        assert f"key '{mistake.key}" in msg, msg
    if mistake.line_of is not None:
        lines = mistake.text.splitlines()
        line = next(i for i, t in enumerate(lines, 1) if t.startswith(mistake.line_of))
        assert f", line {line}," in msg or f", line {line}:" in msg, msg
    if mistake.suggestion is not None:
        assert f"did you mean '{mistake.suggestion}'?" in msg, msg
    # nothing written: only the scenario file is in the folder
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml"]


def test_file_problems(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    r = invoke("scenario", "validate", str(missing), "--backend", BACKEND)
    assert r.exit_code == 2 and "no such file" in r.output
    txt = tmp_path / "s.txt"
    txt.write_text(BASE, encoding="utf-8")
    r = invoke("scenario", "validate", str(txt), "--backend", BACKEND)
    assert r.exit_code == 2 and "must be TOML" in r.output
    latin = tmp_path / "latin.toml"
    latin.write_bytes(BASE.replace("A synthetic", "Un scénario").encode("latin-1"))
    r = invoke("scenario", "validate", str(latin), "--backend", BACKEND)
    assert r.exit_code == 2 and "not valid UTF-8" in r.output and "line 3" in r.output
    r = invoke("scenario", "validate", "dprk-basline")
    assert r.exit_code == 2 and "no built-in scenario" in r.output
    assert "Traceback" not in r.output
