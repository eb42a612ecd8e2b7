"""The DPRK report end to end: files, self-containment, figures, numbers against the raw data."""

from __future__ import annotations

import csv
import html
import json
import math
import re
import subprocess
from pathlib import Path

import polars as pl
import pytest

from ncrealism.data.fetch import DataSource
from ncrealism.errors import InputError
from ncrealism.negotiation.cases import list_cases
from ncrealism.report.citations import DEFAULT_DATASETS, read_citations
from ncrealism.report.dprk import ReportResult, build_dprk_report, format_summary

from .conftest import NEGOTIATIONS, YEARLY

CHROMIUM = Path("/usr/bin/chromium")


def _manifest(res: ReportResult) -> list[dict[str, str]]:
    return list(json.loads((res.out / "figures" / "figures.json").read_text("utf-8")))


def test_every_expected_file_is_written(dprk_report: ReportResult) -> None:
    res = dprk_report
    for p in (res.html, res.markdown, res.summary_json, res.citations_json, res.citations_bib):
        assert p.is_file() and p.stat().st_size > 0, p
    names = {m["name"] for m in _manifest(res)}
    expected = {"shares", "threat", "threat_1994", "postures", "anatomy_1994", "anatomy_2006"}
    expected |= {f"bargaining_{c}" for c in list_cases()}
    # a durability curve exactly for the cases with a zone of agreement
    zones = {c for c, v in res.summary["negotiation"].items() if v["zone"]}
    expected |= {f"durability_{c}" for c in zones}
    assert names == expected
    for name in names:
        for ext in ("png", "svg"):
            p = res.out / "figures" / f"{name}.{ext}"
            assert p.is_file() and p.stat().st_size > 1000, p
    assert len(res.figures) == 2 * len(names)
    for t in res.tables:
        assert t.is_file() and t.read_text("utf-8").count("\n") >= 2, t
    assert res.skipped == ()


def test_html_is_self_contained(dprk_report: ReportResult) -> None:
    text = dprk_report.html.read_text("utf-8")
    assert "<script" not in text.lower()
    assert "<link" not in text.lower()
    assert not re.search(r"""src\s*=\s*["']?(https?:)?//""", text)
    assert not re.search(r"url\(\s*['\"]?https?:", text)
    imgs = re.findall(r'<img src="([^"]+)"', text)
    assert len(imgs) == len(_manifest(dprk_report))
    assert all(s.startswith("data:image/png;base64,") for s in imgs)
    # external links only in the closing "Data and sources" section (citations' links)
    cut = text.index('<section id="data-and-sources">')
    assert not re.search(r'href="https?:', text[:cut])
    assert re.search(r'href="https?:', text[cut:])


def test_each_figure_has_title_and_source_note(dprk_report: ReportResult) -> None:
    for m in _manifest(dprk_report):
        assert m["title"].strip() and m["note"].strip(), m
        svg = html.unescape((dprk_report.out / "figures" / m["svg"]).read_text("utf-8"))
        texts = [re.sub(r"\s+", " ", t) for t in re.findall(r"<text[^>]*>(.*?)</text>", svg, re.S)]
        assert any(m["title"] == t.strip() for t in texts), (m["name"], m["title"])
        # the note is drawn on the figure, wrapped (at spaces or hyphens) into consecutive lines
        drawn = re.sub(r"-\s+", "-", " ".join(t.strip() for t in texts))
        assert " ".join(m["note"].split()) in drawn, (m["name"], m["note"])
        assert re.search(r"COW|Data|Source", m["note"]), (m["name"], m["note"])


def test_summary_against_the_raw_files(
    dprk_report: ReportResult, mirror: Path, history_dir: Path
) -> None:
    import pyreadr

    s = dprk_report.summary
    # DPRK share of the six states' CINC in 1990, from COW's published cinc column (v7.0)
    nmc = pyreadr.read_r(str(mirror / "cow-nmc" / "cow_nmc.rda"))["cow_nmc"]
    y90 = nmc[(nmc["year"] == 1990) & nmc["ccode"].isin([2, 710, 365, 740, 731, 732])]
    expected = float(y90.loc[y90["ccode"] == 731, "cinc"].iloc[0] / y90["cinc"].sum())
    assert s["shares"]["nmc_version"] == "7.0"
    assert s["shares"]["dprk_share"]["1990"] == pytest.approx(expected, abs=1e-5)
    assert s["shares"]["latest_year"] == int(nmc["year"].max())
    # recorded postures of the summary years, from the yearly record
    with (history_dir / YEARLY).open(encoding="utf-8") as fh:
        rows = {int(r["year"]): r for r in csv.DictReader(fh)}
    for y, p in s["postures"].items():
        assert p["recorded"] == rows[int(y)]["dominant_posture"]
        assert sum(p["dprk_filter"].values()) == pytest.approx(1.0)
        assert sum(p["neutral"].values()) == pytest.approx(1.0)
    # recorded durations of each case's episodes, from the negotiation record
    with (history_dir / NEGOTIATIONS).open(encoding="utf-8") as fh:
        held = {r["episode_id"]: r["held_days"] for r in csv.DictReader(fh)}
    for case in s["negotiation"].values():
        for r in case["recorded"]:
            raw = held[r["episode"]]
            assert r["held_days"] == (int(raw) if raw else None)


def test_anatomy_agrees_with_posture_probabilities(dprk_report: ReportResult) -> None:
    """Two code paths (the anatomy's full filter, posture_probabilities) give one number."""
    s = dprk_report.summary
    for y, a in s["anatomy"].items():
        assert a["focus_is_recorded"]
        assert a["focus"] == s["postures"][y]["recorded"]
        assert a["p_filter"] == pytest.approx(s["postures"][y]["dprk_filter"][a["focus"]])
        assert a["p_neutral"] == pytest.approx(s["postures"][y]["neutral"][a["focus"]])
        # the waterfall ends where it should: log(1/(K-1)) + contributions = logit(P)
        k = len(s["postures"][y]["dprk_filter"])
        end = math.log(1 / (k - 1)) + sum(a["contributions"].values())
        assert end == pytest.approx(math.log(a["p_filter"] / (1 - a["p_filter"])), abs=1e-6)


def test_backtest_rows(dprk_report: ReportResult) -> None:
    bt = dprk_report.summary["backtest"]
    assert bt["train"] == [1990, 2004] and bt["test"] == [2005, 2009]
    rows = {r["model"]: r for r in bt["scores"]}
    # every posture equally likely: log loss ln 5 over the five options, whatever the record
    assert rows["uniform"]["log_loss"] == pytest.approx(math.log(5))
    assert {"structural realism (dynamic)", "persistence", "base rate"} <= set(rows)
    assert bt["negotiation_scores"] is not None


def test_html_and_markdown_carry_the_run_numbers(dprk_report: ReportResult) -> None:
    text = dprk_report.html.read_text("utf-8")
    md = dprk_report.markdown.read_text("utf-8")
    for line in format_summary(dprk_report.summary).splitlines():
        assert html.escape(line) in text, line
        assert line in md, line
    saved = json.loads(dprk_report.summary_json.read_text("utf-8"))
    assert saved == dprk_report.summary


def test_shares_table_sums_to_one(dprk_report: ReportResult) -> None:
    frame = pl.read_csv(dprk_report.out / "tables" / "northeast_asia_shares.csv")
    sums = frame.group_by("year").agg(pl.col("capability_share").sum())["capability_share"]
    assert ((sums - 1.0).abs() < 1e-9).all()
    assert frame["year"].min() == 1946


def test_citations_cover_what_the_run_read(dprk_report: ReportResult) -> None:
    cites = read_citations(dprk_report.out)
    assert cites == dprk_report.citations
    datasets = [c for c in cites if c.kind == "dataset"]
    names = {c.name for c in datasets}
    # the system layer caches some reads per process, so a dataset read earlier in the same
    # process by other code may not be resolved again: the core files are always there.
    core = set(DEFAULT_DATASETS) - {"cow_codes", "capitals"}
    assert core <= names <= set(DEFAULT_DATASETS)
    for c in datasets:
        assert (
            c.sha256 is not None
            and len(c.sha256) == 64
            and c.variant
            in {
                "primary",
                "alternate",
            }
        )
    files = {c.key: c for c in cites if c.kind == "file"}
    assert set(files) == {"file_record", "file_context", "file_negotiations"}
    works = {c.key for c in cites if c.kind == "work"}
    assert {"Walt1987", "Koga2009", "Nash1950", "Shapley1953", "Brier1950"} <= works
    bib = dprk_report.citations_bib.read_text("utf-8")
    keys = re.findall(r"^@\w+\{([^,]+),", bib, re.M)
    assert len(keys) == len(set(keys)) == len({c.key for c in cites})


@pytest.fixture
def chromium() -> Path:
    """Debian's headless Chromium, which renders the report (else a skip)."""
    if not CHROMIUM.is_file():
        pytest.skip("no headless Chromium at /usr/bin/chromium to render the report")
    return CHROMIUM


def test_screenshot_of_the_report(
    dprk_report: ReportResult, tmp_path: Path, chromium: Path
) -> None:
    from PIL import Image

    shot = tmp_path / "report.png"
    subprocess.run(
        [
            str(chromium),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--screenshot={shot}",
            "--window-size=1280,4000",
            dprk_report.html.resolve().as_uri(),
        ],
        check=False,
        capture_output=True,
        timeout=120,
    )
    assert shot.is_file(), "Chromium wrote no screenshot"
    with Image.open(shot) as im:
        rgb = im.convert("RGB").resize((128, 400))
        pixels = [rgb.getpixel((x, y)) for y in range(400) for x in range(128)]
    ink = sum(1 for p in pixels if p != (255, 255, 255))
    colour = sum(1 for r, g, b in pixels if max(r, g, b) - min(r, g, b) > 60)
    assert ink > 0.05 * len(pixels)  # text and figures, not a blank page
    assert colour > 0.005 * len(pixels)  # the embedded figures were drawn


def test_without_the_record_the_report_says_what_it_skipped(
    source: DataSource, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # The README's `ncr report dprk --out report/` (no record, its defaults): one cache entry.
    res = build_dprk_report(
        tmp_path_factory.mktemp("no-record"), source=source, quiet=True, cache=True
    )
    assert res.summary["backtest"] is None
    assert any("--record" in s for s in res.skipped)
    assert any("--context" in s for s in res.skipped)
    assert not res.summary["anatomy"]["1994"]["focus_is_recorded"]
    assert res.summary["postures"]["1994"]["recorded"] is None
    text = res.html.read_text("utf-8")
    assert "Skipped: no yearly record given (--record)." in text
    assert not [c for c in res.citations if c.kind == "file"]


def test_bad_input_is_refused(source: DataSource, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"no-such\.csv"):
        build_dprk_report(tmp_path, record=tmp_path / "no-such.csv", source=source, quiet=True)
    with pytest.raises(InputError, match="anatomy years"):
        build_dprk_report(tmp_path, source=source, quiet=True, anatomy_years=(1980,))
    with pytest.raises(InputError, match="NMC version"):
        build_dprk_report(tmp_path, source=source, quiet=True, nmc_version="5.0")


def test_where_the_model_is_wrong_lists_the_largest_misses(dprk_report: ReportResult) -> None:
    res = dprk_report
    misses = res.summary["misses"]
    assert misses["model"] in {"NCR (dynamic)", "NCR (calibrated)"}
    with (res.out / "tables" / "backtest_per_year.csv").open(newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["model"] == misses["model"]]
    assert len(rows) == 5  # the five test years of the shared record (2005-2009)
    lowest = sorted(rows, key=lambda r: float(r["p_recorded"]))[:3]
    assert len(misses["years"]) == 3
    assert [m["year"] for m in misses["years"]] == [int(r["year"]) for r in lowest]
    for m, r in zip(misses["years"], lowest, strict=True):
        assert m["recorded"] == r["recorded"]
        assert m["p_recorded"] == pytest.approx(float(r["p_recorded"]))
    text = res.html.read_text("utf-8")
    assert '<section id="misses"><h2>Where the model is wrong</h2>' in text
    # the misses' inputs come from the decision inputs of the same years
    inputs = pl.read_csv(res.out / "tables" / "decision_inputs.csv")
    table = pl.read_csv(res.out / "tables" / "misses.csv")
    for r in table.iter_rows(named=True):
        want = inputs.filter(pl.col("year") == r["year"])["threat"][0]
        assert r["threat"] == pytest.approx(want)


def test_title_spans_and_rounding_are_honest(dprk_report: ReportResult) -> None:
    text = dprk_report.html.read_text("utf-8")
    assert "today" not in text.split("</h1>")[0]
    assert "North Korea 1990-2016" in text
    # the shared record ends in 2009: the report says the later years are unchecked readings
    assert "The coded record covers 1990-2009" in text
    # days are whole numbers in the negotiation table (no "288.261 days")
    neg = text[text.index('<section id="negotiation">') :]
    neg = neg[: neg.index("</table>")]
    assert "days" in neg and not re.search(r">[\d,]{3,}\.\d+<", neg)
