"""Profiles: the shipped TOML files load, validate, and follow the literature they cite."""

from __future__ import annotations

from pathlib import Path

import pytest

from ncrealism.errors import DataFileError
from ncrealism.perception.filter import PARAM_NAMES, spec
from ncrealism.perception.profiles import (
    filters_for,
    list_profiles,
    load_profile,
    profile_for,
    read_profile,
    shipped_profiles,
)


def test_shipped_profiles() -> None:
    profs = {p.state: p for p in list_profiles()}
    assert set(profs) >= {"DPRK", "USA", "ROK", "Japan", "China", "Russia"}
    for p in profs.values():
        assert p.references, p.state
        for name, par in p.defaults.items():
            assert name in PARAM_NAMES
            assert par.sources and par.rationale, (p.state, name)
            assert all(s in p.references for s in par.sources)
        assert profile_for(p.ccode) == p
        assert load_profile(p.state).ccode == p.ccode


def test_profiles_are_read_without_module_state(tmp_path: Path) -> None:
    """Nothing is kept between calls: two reads give equal, distinct objects; a source keeps
    one read for its life; ``profiles=`` is searched instead of the shipped files."""
    from ncrealism.data.fetch import DataSource

    first, second = shipped_profiles(), shipped_profiles()
    assert first == second and all(a is not b for a, b in zip(first, second, strict=True))
    source = DataSource(mirror=None, cache_root=tmp_path, allow_download=False)
    assert shipped_profiles(source) is shipped_profiles(source)
    dprk = profile_for("DPRK", profiles=first)
    assert dprk is not None and dprk in first
    assert profile_for("DPRK", profiles=()) is None


@pytest.mark.parametrize("state", ["DPRK", 710, "USA", "Atlantis"])
def test_filters_for_matches_load_profile_every_year(state: str | int) -> None:
    """One read serves every year with the filter that ``load_profile`` gives that year."""
    by_year = filters_for(state)
    for year in (None, *range(1945, 2031, 5), 1994, 1995, 2011, 2012):
        assert by_year(year) == load_profile(state, year), year


def test_dprk_periods_and_literature_values() -> None:
    assert [p.name for p in profile_for("DPRK").periods] == [  # type: ignore[union-attr]
        "kim_il_sung",
        "succession",
        "military_first",
        "kim_jong_un",
    ]
    f94 = load_profile("DPRK", 1994)
    f96 = load_profile("North Korea", 1996)
    f05 = load_profile(731, 2005)
    assert (f94.period, f96.period, f05.period) == ("kim_il_sung", "succession", "military_first")
    # Prospect-theory values are the estimates of Tversky & Kahneman (1992).
    assert f94["loss_aversion"] == 2.25 and f94["risk_curvature"] == 0.88
    assert "Tversky" in f94.prior("loss_aversion").source
    # Period overrides: the succession window lowers cohesion, Songun raises extraction.
    assert f96["cohesion"] < f94["cohesion"]
    assert f05["extraction"] > f94["extraction"]
    assert f94.misperception == {2: 1.5}
    # Leadership periods end where they end: Kim Jong Un succeeded in December 2011, so the
    # decision years from 2012 are his (open-ended); the founder's period starts in 1948.
    assert load_profile("DPRK", 2011).period == "military_first"
    assert load_profile("DPRK", 2012).period == "kim_jong_un"
    assert load_profile("DPRK", 2040).period == "kim_jong_un"
    assert load_profile("DPRK", 1949).period == "kim_il_sung"
    assert "military-first" not in load_profile("DPRK", 2015).label


def test_unknown_state_gets_the_neutral_generic_filter() -> None:
    f = load_profile(200, 1995)
    assert f.is_neutral and f.origin == "generic"


def _profile(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "p.toml"
    p.write_text(
        '[profile]\nstate = "X"\nccode = 999\n[references]\nk = "A. Author 2000"\n' + body,
        encoding="utf-8",
    )
    return p


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('[defaults.juche]\nvalue = 1\nsources = ["k"]\n', "defaults.juche"),
        ('[defaults.self_reliance]\nvalue = 2\nsources = ["k"]\n', "defaults.self_reliance.value"),
        (
            '[defaults.self_reliance]\nvalue = 0.5\nsources = ["z"]\n',
            "defaults.self_reliance.sources",
        ),
        ("[defaults.self_reliance]\nvalue = 0.5\nsd = 0\n", "defaults.self_reliance.sd"),
        ("[defaults.self_reliance]\nvalue = 0.5\ncolour = 1\n", "defaults.self_reliance"),
        ("[defaults.misperception.US]\nvalue = 1.5\n", "defaults.misperception.US"),
        (
            '[[periods]]\nname = "a"\nto = 2000\n[[periods]]\nname = "b"\nfrom = 1999\n',
            "periods",
        ),
        ('[[periods]]\nname = "a"\nfrom = 2001\nto = 2000\n', "periods[0].from"),
    ],
)
def test_profile_validation_errors(tmp_path: Path, body: str, field: str) -> None:
    with pytest.raises(DataFileError) as err:
        read_profile(_profile(tmp_path, body))
    assert err.value.field == field
    assert "p.toml" in str(err.value)


def test_user_profile_file(tmp_path: Path) -> None:
    body = (
        '[defaults.self_reliance]\nvalue = 0.3\nsd = 0.1\nsources = ["k"]\n'
        '[[periods]]\nname = "late"\nfrom = 2000\n'
        '[periods.params.self_reliance]\nvalue = 0.7\nsources = ["k"]\n'
    )
    p = _profile(tmp_path, body)
    assert load_profile("X", 1999, path=p)["self_reliance"] == 0.3
    late = load_profile("X", 2001, path=p)
    assert late["self_reliance"] == 0.7
    # sd absent in the period table: the parameter's default sd is the prior's.
    assert late.prior("self_reliance").sd == spec("self_reliance").default_sd
