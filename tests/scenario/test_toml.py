"""Locating keys in TOML text (for error messages)."""

from __future__ import annotations

import tomllib

from ncrealism.scenario._toml import format_key, key_lines, line_of, nearest

TEXT = '''\
# comment
[scenario]
name = "x"
rationale = """
a = b
[not_a_table]
"""
sources = [
  "one",
  "two",
]

[uncertainty]
p = { dist = "normal", mean = 0.5, sd = { nested = 1, "quoted" = 2 } }
"a.b" = 3

[[shocks]]
kind = "sanctions"
value.dist = "fixed"

[[shocks]]
kind = "x"
[shocks.value]
dist = "beta"
'''


def test_text_is_valid_toml() -> None:
    doc = tomllib.loads(TEXT)
    assert doc["scenario"]["rationale"] == "a = b\n[not_a_table]\n"
    assert [s["kind"] for s in doc["shocks"]] == ["sanctions", "x"]


def test_every_key_on_its_line() -> None:
    lines = key_lines(TEXT)
    text_lines = TEXT.splitlines()
    expected = {
        ("scenario",): 2,
        ("scenario", "name"): 3,
        ("scenario", "rationale"): 4,
        ("scenario", "sources"): 8,
        ("uncertainty", "p", "dist"): 14,
        ("uncertainty", "p", "sd", "nested"): 14,
        ("uncertainty", "p", "sd", "quoted"): 14,
        ("uncertainty", "a.b"): 15,
        ("shocks", 0): 17,
        ("shocks", 0, "kind"): 18,
        ("shocks", 0, "value", "dist"): 19,
        ("shocks", 1, "kind"): 22,
        ("shocks", 1, "value"): 23,
        ("shocks", 1, "value", "dist"): 24,
    }
    for key, line in expected.items():
        assert lines[key] == line, key
        # the line really mentions the key's last part
        last = key[-1]
        if isinstance(last, str):
            assert last.split(".")[0] in text_lines[line - 1]
    # text inside a multi-line string is not a key
    assert ("a",) not in lines and ("not_a_table",) not in lines


def test_line_of_falls_back_to_the_parent() -> None:
    lines = key_lines(TEXT)
    assert line_of(lines, ("shocks", 1, "value", "missing")) == 23
    assert line_of(lines, ("nowhere",)) is None


def test_format_and_nearest() -> None:
    assert format_key(("shocks", 1, "value")) == "shocks[1].value"
    assert nearest("patron_suport", ["patron_support", "sanctions"]) == "patron_support"
    assert nearest("zzz", ["patron_support"]) is None
