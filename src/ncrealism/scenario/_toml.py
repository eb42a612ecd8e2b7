"""Reading scenario TOML files with the line of every key, for error messages.

``tomllib`` parses the file; :func:`key_lines` scans the same text once more to record the line
on which each key (as a path of table names, array-of-tables indices and keys) is defined, so a
validation error about ``shocks[1].value`` can say "line 23". Keys inside inline tables are
located on the line of the inline table itself. :class:`ScenarioError` carries the file, line,
key and an optional "did you mean" suggestion (nearest valid spelling by ``difflib``).
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ncrealism.errors import InputError, os_error_message

KeyPath = tuple[str | int, ...]

__all__ = [
    "KeyPath",
    "ScenarioError",
    "format_key",
    "key_lines",
    "line_of",
    "nearest",
    "read_toml",
]


class ScenarioError(InputError):
    """A scenario file is invalid: names the file, line and key, and suggests a fix (exit 2)."""

    def __init__(
        self,
        path: str | Path | None,
        message: str,
        *,
        line: int | None = None,
        key: str | None = None,
        suggestion: str | None = None,
    ) -> None:
        self.path = str(path) if path is not None else "<scenario>"
        self.line = line
        self.key = key
        self.detail = message
        self.suggestion = suggestion
        where = self.path
        if line is not None:
            where += f", line {line}"
        if key:
            where += f", key '{key}'"
        text = f"{where}: {message}"
        if suggestion:
            text += f"; did you mean '{suggestion}'?"
        super().__init__(text)


def nearest(word: str, choices: Iterable[str]) -> str | None:
    """The valid spelling closest to ``word`` (difflib ratio ≥ 0.6), or None."""
    hits = difflib.get_close_matches(str(word), sorted(set(choices)), n=1, cutoff=0.6)
    return hits[0] if hits else None


def format_key(path: Sequence[str | int]) -> str:
    """``("shocks", 1, "value")`` → ``shocks[1].value``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def read_toml(path: Path) -> tuple[dict[str, Any], str]:
    """Parse a TOML file; syntax errors become :class:`ScenarioError` with the line."""
    if not path.exists():
        raise ScenarioError(path, "no such file")
    if path.is_dir():
        raise ScenarioError(path, "is a folder, not a scenario file")
    if path.suffix.lower() != ".toml":
        raise ScenarioError(path, "a scenario file must be TOML and end in '.toml'")
    try:
        raw = path.read_bytes()
    except OSError as exc:  # e.g. no permission to read it
        raise ScenarioError(path, os_error_message(exc, reading=True)) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ScenarioError(path, "is not valid UTF-8 text", line=line) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        detail = re.sub(r"\s*\(at line \d+, column \d+\)", "", msg)
        raise ScenarioError(
            path, f"TOML syntax error: {detail}", line=int(m.group(1)) if m else None
        ) from None
    return data, text


# --------------------------------------------------------------------------------------------
# Key → line
# --------------------------------------------------------------------------------------------

_BARE = r"[A-Za-z0-9_-]+"
_QUOTED = r'"(?:[^"\\]|\\.)*"|\'[^\']*\''
_KEY_PART = rf"(?:{_BARE}|{_QUOTED})"
_DOTTED = rf"{_KEY_PART}(?:\s*\.\s*{_KEY_PART})*"
_RE_TABLE = re.compile(rf"^\s*\[\s*({_DOTTED})\s*\]\s*(?:#.*)?$")
_RE_ARRAY_TABLE = re.compile(rf"^\s*\[\[\s*({_DOTTED})\s*\]\]\s*(?:#.*)?$")
_RE_KEYVAL = re.compile(rf"^\s*({_DOTTED})\s*=\s*(.*)$")
_RE_PART = re.compile(_KEY_PART)


def _split_dotted(text: str) -> list[str]:
    parts = []
    for m in _RE_PART.finditer(text):
        p = m.group(0)
        if p[0] in "\"'":
            p = p[1:-1]
        parts.append(p)
    return parts


def _inline_keys(value: str, prefix: KeyPath, line: int, out: dict[KeyPath, int]) -> None:
    """Record the keys of an inline table ``{ a = 1, b = { c = 2 } }`` on ``line``."""
    stack: list[KeyPath] = []
    expect_key = False
    array_depth = 0
    i = 0
    n = len(value)
    while i < n:
        ch = value[i]
        if expect_key and not ch.isspace() and ch != "}":
            m = re.match(rf"({_DOTTED})\s*=\s*", value[i:])
            if m is None:
                return
            base = stack[-1] if stack else prefix
            key = (*base, *_split_dotted(m.group(1)))
            out.setdefault(key, line)
            i += m.end()
            expect_key = False
            if i < n and value[i] == "{":
                stack.append(key)
                expect_key = True
                i += 1
            continue
        if ch in "\"'":  # skip a string value
            j = i + 1
            while j < n and value[j] != ch:
                j += 2 if (ch == '"' and value[j] == "\\") else 1
            i = j + 1
            continue
        if array_depth:
            array_depth += {"[": 1, "]": -1}.get(ch, 0)
            i += 1
            continue
        if ch == "{":
            stack.append(prefix)
            expect_key = True
            i += 1
            continue
        if ch == "}":
            if stack:
                stack.pop()
            i += 1
            continue
        if ch == ",":
            expect_key = True
            i += 1
            continue
        if ch == "[":
            array_depth = 1
            i += 1
            continue
        if ch == "#":
            return
        i += 1


def key_lines(text: str) -> dict[KeyPath, int]:
    """Map every key path defined in TOML ``text`` to its (1-based) line.

    Array-of-tables entries are numbered in order (``("shocks", 0, "kind")``). Multi-line
    strings and arrays are skipped; keys of inline tables get the line of the table.
    """
    out: dict[KeyPath, int] = {}
    counters: dict[tuple[str | int, ...], int] = {}
    prefix: KeyPath = ()
    in_string: str | None = None
    bracket_depth = 0
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw
        if in_string is not None:
            if in_string in line:
                in_string = None
            continue
        if bracket_depth > 0:
            bracket_depth += _bracket_delta(line)
            continue
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        m = _RE_ARRAY_TABLE.match(line)
        if m:
            parts = _split_dotted(m.group(1))
            base = (*_resolve_array_prefix(parts[:-1], counters), parts[-1])
            idx = counters.get(base, -1) + 1
            counters[base] = idx
            prefix = (*base, idx)
            out.setdefault(base, lineno)
            out.setdefault(prefix, lineno)
            continue
        m = _RE_TABLE.match(line)
        if m:
            prefix = tuple(_resolve_array_prefix(_split_dotted(m.group(1)), counters))
            out.setdefault(prefix, lineno)
            continue
        m = _RE_KEYVAL.match(line)
        if m:
            key = (*prefix, *_split_dotted(m.group(1)))
            out.setdefault(key, lineno)
            value = m.group(2)
            for quote in ('"""', "'''"):
                if value.lstrip().startswith(quote) and value.count(quote) == 1:
                    in_string = quote
            if in_string is None:
                if value.lstrip().startswith("{"):
                    _inline_keys(value, key, lineno, out)
                delta = _bracket_delta(value)
                if delta > 0:
                    bracket_depth = delta
    return out


def _resolve_array_prefix(parts: list[str], counters: dict[KeyPath, int]) -> list[str | int]:
    """Insert the current index after every array-of-tables name in a table header."""
    out: list[str | int] = []
    for p in parts:
        out.append(p)
        key = tuple(out)
        if key in counters:
            out.append(counters[key])
    return out


def _bracket_delta(text: str) -> int:
    depth = 0
    quote: str | None = None
    for ch in text:
        if quote:
            if ch == quote:
                quote = None
            continue
        if ch in "\"'":
            quote = ch
        elif ch == "#":
            break
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
    return depth


def line_of(lines: dict[KeyPath, int], path: Sequence[str | int]) -> int | None:
    """The line of the longest prefix of ``path`` defined in the file (None if none is)."""
    p = tuple(path)
    while p:
        if p in lines:
            return lines[p]
        p = p[:-1]
    return None
