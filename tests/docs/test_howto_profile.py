"""The profile in the how-to is a valid profile, and behaves as the page says."""

from __future__ import annotations

import re
from pathlib import Path

from ncrealism.perception import PerceptionFilter, load_profile
from ncrealism.perception.profiles import read_profile

DOC = Path(__file__).resolve().parents[2] / "docs" / "howto-profile.md"


def test_howto_profile_loads_and_applies_periods(tmp_path: Path) -> None:
    block = re.search(r"```toml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert block is not None
    path = tmp_path / "xyz.toml"
    path.write_text(block.group(1), encoding="utf-8")
    prof = read_profile(path)
    assert prof.ccode == 630
    neutral = PerceptionFilter.neutral()
    before, after = load_profile("XYZ", 2000, path=path), load_profile("XYZ", 2006, path=path)
    assert before.values["self_reliance"] == 0.5 and before.values["centralisation"] == 0.8
    assert before.values["survival_priority"] == neutral.values["survival_priority"]
    assert after.values["survival_priority"] == 1.0
