"""The scenario schema: loading, hashing and the exported JSON Schema."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from ncrealism.scenario.loader import load_scenario, loads_scenario
from ncrealism.scenario.schema import Fixed, Normal, json_schema, schema_text
from scenario.conftest import BASE

REPO = Path(__file__).resolve().parents[2]


def test_committed_schema_equals_the_export() -> None:
    committed = (REPO / "docs" / "scenario.schema.json").read_text(encoding="utf-8")
    assert committed == schema_text(), "run `ncr scenario schema --out docs/scenario.schema.json`"
    assert json.loads(committed) == json_schema()


def test_schema_documents_every_section() -> None:
    props = json_schema()["properties"]
    for section in ("scenario", "scope", "data", "perception", "shocks", "negotiations"):
        assert section in props
    for section in ("uncertainty", "run", "sweep"):
        assert section in props


def test_base_file_loads(write_scenario: Callable[..., Path]) -> None:
    s = load_scenario(write_scenario()).spec
    assert s.scope.states == [731, 732]
    assert s.shocks[0].start == 2000 and s.shocks[0].kind == "patron_support"
    assert isinstance(s.uncertainty["beta.brinkmanship.threat"], Normal)


def test_plain_number_means_fixed() -> None:
    text = BASE.replace(
        '"alpha.engagement" = { dist = "triangular", low = -0.5, mode = 0.2, high = 0.6 }',
        '"alpha.engagement" = 0.25',
    )
    s = loads_scenario(text).spec
    assert s.uncertainty["alpha.engagement"] == Fixed(value=0.25)


def test_hash_ignores_formatting_comments_order_and_run() -> None:
    a = loads_scenario(BASE)
    reordered = BASE.replace(
        'name = "synthetic-test"\ntitle = "A synthetic scenario for tests"',
        '# a comment\ntitle   =   "A synthetic scenario for tests"\nname = "synthetic-test"',
    ).replace("draws = 240", "draws = 999")
    b = loads_scenario(reordered)
    assert a.hash == b.hash
    c = loads_scenario(BASE.replace("from = 2000", "from = 2001"))
    assert c.hash != a.hash
