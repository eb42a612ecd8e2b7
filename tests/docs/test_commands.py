"""Every shell command written in README.md and docs/*.md runs as written.

The commands of each page's fenced code blocks are run in order, in a temporary folder laid out
like a clone next to the shared folder (``work/`` with ``../shared`` beside it, so
``../shared/history`` resolves as it does from the repository), with the data mirror and a
data cache that every command of the session shares. A command passes if it exits with 0.

* ``python3 -m pip install -q uv && python3 -m uv run [--frozen] [--all-extras] CMD`` and
  ``uv run ... CMD`` run CMD in this environment (the one the test runs in);
* ``export NAME=VALUE`` sets NAME for the page's later commands; ``NAME=VALUE CMD`` for CMD;
* ``CMD > FILE`` writes FILE in the folder, as a shell would;
* ``ncr serve`` is started, must answer on its port, and is stopped;
* a code block right after ``<!-- not run: REASON -->`` is not run (REASON is shown): kept for
  commands that need what a test cannot have (a running Dask cluster, the suite itself).

Set ``NCR_DOCS_PAGES`` to a comma-separated list of page names to run only those.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
NOT_RUN = re.compile(r"<!--\s*not run:\s*(.+?)\s*-->")
FENCE = re.compile(r"^(\s*)(```|~~~)\s*([\w-]*)")
SHELL_LANGS = {"", "bash", "sh", "shell", "console"}
COMMAND = re.compile(r"^(?:\$ )?((?:[A-Z_][A-Z0-9_]*=\S+\s+)*)(ncr|uv|python3?|export)\b")
UV_RUN = re.compile(
    r"^(?:python3 -m pip install -q uv && )?(?:python3 -m )?uv run(?: --frozen| --all-extras)*\s+"
)


@dataclass(frozen=True)
class Command:
    page: str
    line: int
    text: str
    skip: str | None = None


def extract(path: Path) -> list[Command]:
    """The shell commands of a page's fenced blocks, continuation lines joined."""
    lines = path.read_text(encoding="utf-8").splitlines()
    out: list[Command] = []
    i, pending_skip = 0, None
    while i < len(lines):
        m = NOT_RUN.search(lines[i])
        if m:
            pending_skip = m.group(1)
        f = FENCE.match(lines[i])
        if not f:
            i += 1
            continue
        lang, skip = f.group(3).lower(), pending_skip
        pending_skip = None
        j = i + 1
        body: list[tuple[int, str]] = []
        while j < len(lines) and not lines[j].lstrip().startswith(f.group(2)):
            body.append((j + 1, lines[j]))
            j += 1
        if lang in SHELL_LANGS:
            k = 0
            while k < len(body):
                no, text = body[k]
                while text.rstrip().endswith("\\") and k + 1 < len(body):
                    k += 1
                    text = text.rstrip()[:-1] + " " + body[k][1].strip()
                k += 1
                stripped = text.strip()
                if COMMAND.match(stripped):
                    out.append(Command(path.name, no, stripped, skip))
        i = j + 1
    return out


def _strip_comment(text: str) -> str:
    lexer = shlex.shlex(text, posix=True, punctuation_chars=False)
    lexer.whitespace_split = True
    lexer.commenters = "#"
    try:
        return shlex.join(list(lexer))
    except ValueError:
        return text


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as resp:
                return bool(resp.status == 200)
        except OSError:
            time.sleep(0.5)
    return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_command(cmd: Command, cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    """Run one documented command as written (module docstring); return (code, output)."""
    text = _strip_comment(UV_RUN.sub("", cmd.text))
    if text.startswith("export "):
        for assign in shlex.split(text)[1:]:
            name, _, value = assign.partition("=")
            env[name] = value
        return 0, ""
    words = shlex.split(text)
    local_env = dict(env)
    while words and re.match(r"^[A-Z_][A-Z0-9_]*=", words[0]):
        name, _, value = words.pop(0).partition("=")
        local_env[name] = value
    redirect = None
    if ">" in words:
        at = words.index(">")
        redirect, words = cwd / words[at + 1], words[:at]
    if words[0] == "ncr":
        words = [sys.executable, "-m", "ncrealism.cli.main", *words[1:]]
    elif words[0] in {"python", "python3"}:
        words = [sys.executable, *words[1:]]
    if words[3:4] == ["serve"]:
        port = _free_port()
        proc = subprocess.Popen(
            [*words, "--port", str(port)],
            cwd=cwd,
            env=local_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            ok = _wait_for_port(port, proc, 60)
        finally:
            proc.terminate()
            proc.wait(timeout=20)
        return (0 if ok else 1), f"ncr serve answered on port {port}: {ok}"
    res = subprocess.run(
        words, cwd=cwd, env=local_env, capture_output=True, text=True, timeout=600, check=False
    )
    if redirect is not None:
        redirect.write_text(res.stdout, encoding="utf-8")
    return res.returncode, res.stdout[-2000:] + res.stderr[-3000:]


def _pages() -> list[Path]:
    wanted = os.environ.get("NCR_DOCS_PAGES")
    if not wanted:
        return PAGES
    names = {w.strip() for w in wanted.split(",")}
    return [p for p in PAGES if p.name in names or p.stem in names]


def test_extraction_finds_the_readme_commands() -> None:
    cmds = [c.text for c in extract(REPO / "README.md")]
    assert any("ncr dprk --history ../shared/history --out ncr-report" in c for c in cmds)
    assert any(c.startswith("ncr scenario run dprk-baseline --draws 1000") for c in cmds)
    assert any("--train 1990:2004 --test 2005:2009 --out bt" in c for c in cmds)  # joined


@pytest.fixture
def shared_history() -> Path:
    """``../shared/history`` beside the repository, which the commands read (else a skip)."""
    if not (SHARED / "history").is_dir():
        pytest.skip("the shared history folder (../shared/history) is not there")
    return SHARED / "history"


@pytest.mark.parametrize("page", _pages(), ids=lambda p: p.name)
def test_documented_commands_run(
    page: Path,
    mirror: Path,
    shared_history: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cmds = extract(page)
    if not cmds:
        return
    cwd = tmp_path / "work"
    cwd.mkdir()
    (tmp_path / "shared").symlink_to(SHARED, target_is_directory=True)
    for name in ("scripts", "benchmarks", "docs"):
        (cwd / name).symlink_to(REPO / name, target_is_directory=True)
    if page.name == "howto-profile.md":  # the page saves its profile as xyz.toml
        block = re.search(r"```toml\n(.*?)```", page.read_text(encoding="utf-8"), re.S)
        assert block is not None
        (cwd / "xyz.toml").write_text(block.group(1), encoding="utf-8")
    env = dict(os.environ, NCR_DATA_MIRROR=str(mirror), NO_COLOR="1", COLUMNS="120")
    env.pop("NCR_HISTORY_DIR", None)
    failures, timings = [], []
    for cmd in cmds:
        if cmd.skip:
            print(f"not run ({cmd.skip}): {page.name}:{cmd.line}: {cmd.text}")
            continue
        started = time.perf_counter()
        code, output = run_command(cmd, cwd, env)
        timings.append((time.perf_counter() - started, cmd.text))
        if code != 0:
            failures.append(f"{page.name}:{cmd.line}: `{cmd.text}` exited {code}\n{output}")
    for seconds, text in sorted(timings, reverse=True)[:5]:
        print(f"{seconds:6.1f} s  {text}")
    shutil.rmtree(cwd, ignore_errors=True)
    assert not failures, "\n\n".join(failures)
