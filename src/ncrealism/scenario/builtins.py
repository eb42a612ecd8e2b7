"""Built-in scenarios shipped with the package (``scenarios/*.toml``).

Each file states its question, rationale and sources in ``[scenario]``; ``ncr scenario list``
lists them and ``ncr scenario show NAME`` prints one.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ncrealism.scenario._toml import ScenarioError, nearest

__all__ = ["builtin_scenarios", "locate"]


def builtin_scenarios() -> dict[str, Path]:
    """Name → path of every built-in scenario, sorted by name."""
    folder = resources.files("ncrealism.scenario") / "scenarios"
    out: dict[str, Path] = {}
    for entry in folder.iterdir():
        if entry.name.endswith(".toml"):
            out[entry.name[: -len(".toml")]] = Path(str(entry))
    return dict(sorted(out.items()))


def locate(name_or_path: str | Path) -> Path:
    """A scenario file path: an existing file, else a built-in scenario of that name."""
    p = Path(name_or_path)
    if p.exists() or p.suffix.lower() == ".toml" or len(p.parts) > 1:
        return p
    found = builtin_scenarios()
    # Names are kebab-case (dprk-baseline); the snake_case spelling still resolves.
    name = str(name_or_path).strip().lower().replace("_", "-")
    if name in found:
        return found[name]
    raise ScenarioError(
        str(name_or_path),
        "no such file, and no built-in scenario of that name (see `ncr scenario list`)",
        suggestion=nearest(str(name_or_path), found),
    )
