"""The HTML renderer and the citation collector, on small inputs."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import polars as pl
import pytest

from ncrealism.data.fetch import DataSource
from ncrealism.data.registry import load_registry
from ncrealism.errors import DataFileError
from ncrealism.perception.profiles import profile_for
from ncrealism.report.citations import (
    DEFAULT_DATASETS,
    STAGE_WORKS,
    STAGES,
    WORKS,
    collect_citations,
    default_pipeline_citations,
    file_citation,
    profile_citations,
    read_citations,
    to_bibtex,
    to_text,
    work_citations,
    write_citations,
)
from ncrealism.report.html import (
    Bullets,
    FigureRef,
    Section,
    Table,
    Text,
    render_html,
    render_markdown,
    sources_section,
)

REPO = Path(__file__).resolve().parents[2]


# ---------------------------------------------------------------------------- html
def _png(path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(2, 1))
    fig.add_subplot().plot([0, 1], [0, 1])
    fig.savefig(path)
    return path


def test_html_escapes_text_and_embeds_the_png(tmp_path: Path) -> None:
    png = _png(tmp_path / "f.png")
    fig = FigureRef("f", "A <title>", png, tmp_path / "f.svg", "caption & more")
    sec = Section(
        "s1",
        "Section <1>",
        [
            Text("<script>alert(1)</script>"),
            Text("careful", note=True),
            fig,
            Table(pl.DataFrame({"x": [1.23456, None], "name": ["a", "b|c"]}), caption="cap"),
            Bullets(["plain", ("linked", "https://example.org/x"), ("no link", "javascript:x")]),
        ],
    )
    doc = render_html("Title", [sec], subtitle="sub")
    assert "<script>" not in doc and "&lt;script&gt;" in doc
    assert "Section &lt;1&gt;" in doc and 'class="note"' in doc
    m = re.search(r'src="data:image/png;base64,([^"]+)"', doc)
    assert m is not None and base64.b64decode(m.group(1)) == png.read_bytes()
    assert "1.235" in doc and "—" in doc  # floats to 3 decimals, null as a dash
    assert doc.count('href="http') == 1 and 'href="https://example.org/x"' in doc
    assert 'href="#s1"' in doc  # table of contents
    md = render_markdown("Title", [sec])
    assert "![A <title>](figures/f.png)" in md and "| 1.235 | a |" in md and "b/c" in md


def test_sources_section_lists_every_dataset_read(source: DataSource) -> None:
    src = DataSource(mirror=source.mirror, cache_root=source.cache_root, allow_download=False)
    src.resolve("nmc6")
    src.resolve("nmc7")
    cites = collect_citations(src.used, ["system: capability shares"], profiles=())
    sec = sources_section(cites, versions={"python": "3"})
    table = next(b for b in sec.blocks if isinstance(b, Table)).frame
    assert table["dataset"].to_list() == ["nmc6", "nmc7"]
    assert table["sha256"].to_list() == [r.sha256 for r in src.used]
    assert table["variant"].to_list()[1].startswith(src.used[1].variant)
    doc = render_html("t", [sec])
    assert src.used[0].sha256 in doc
    assert load_registry()["nmc7"].landing_url in doc


# ---------------------------------------------------------------------------- citations
def _bibliography() -> dict[str, str]:
    text = (REPO / "docs" / "bibliography.md").read_text("utf-8")
    rows = re.findall(r'^\| <a id="([^"]+)"></a>[^|]*\| (.*) \|$', text, re.M)
    return dict(rows)


def test_works_are_the_bibliography_word_for_word() -> None:
    bib = _bibliography()
    for key, work in WORKS.items():
        assert key in bib, key
        assert work.reference == bib[key], key
    for keys in STAGE_WORKS.values():
        assert set(keys) <= set(WORKS)
    assert set(STAGE_WORKS) == set(STAGES)


def test_bibtex_entries_are_well_formed() -> None:
    for w in WORKS.values():
        b = w.bibtex()
        assert b.startswith(f"@{w.entry}{{{w.key},") and b.endswith("}")
        assert b.count("{") == b.count("}"), w.key
        assert f"year = {{{w.fields['year']}}}" in b
    koga = WORKS["Koga2009"]
    assert koga.url == "https://doi.org/10.3172/NKR.5.2.21" and "doi = {" in koga.bibtex()


def test_profile_references_are_not_cited_twice() -> None:
    prof = profile_for("DPRK")
    assert prof is not None
    cites = profile_citations("DPRK")
    works = {k.lower() for k in WORKS}
    kept = {k for k in prof.references if k.lower() not in works}
    assert {c.text for c in cites} == {prof.references[k] for k in kept}
    assert len(kept) < len(prof.references)  # e.g. koga2009 is cited as Koga2009
    assert profile_citations("no such state") == []


def test_write_read_roundtrip_and_bad_files(tmp_path: Path) -> None:
    rec = tmp_path / "record.csv"
    rec.write_text("year,dominant_posture\n1990,engagement\n", encoding="utf-8")
    cites = [*work_citations(["decision"]), file_citation("record", rec)]
    assert cites[-1].sha256 == hashlib.sha256(rec.read_bytes()).hexdigest()
    js, bib = write_citations(cites, tmp_path / "run")
    assert read_citations(tmp_path / "run") == cites
    assert read_citations(js) == cites
    assert bib.read_text("utf-8") == to_bibtex(cites)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "citations.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(DataFileError, match="not valid JSON"):
        read_citations(bad)
    (bad / "citations.json").write_text(
        json.dumps({"citations": [{"kind": "work", "key": "k", "text": "t", "colour": 1}]}),
        encoding="utf-8",
    )
    with pytest.raises(DataFileError, match=r"citations\[0\]"):
        read_citations(bad)
    with pytest.raises(Exception, match="no such file"):
        read_citations(tmp_path / "nowhere")


def test_bibtex_has_each_key_once_and_text_groups_kinds() -> None:
    reg = load_registry()
    cites = default_pipeline_citations()
    names = [c.name for c in cites if c.kind == "dataset"]
    assert names == list(DEFAULT_DATASETS)
    bib = to_bibtex(cites)
    keys = re.findall(r"^@\w+\{([^,]+),", bib, re.M)
    assert len(keys) == len(set(keys))
    # datasets sharing a citation (the COW state-system files) share one entry
    assert keys.count(reg["cow_codes"].bibtex_key) == 1
    text = to_text(cites)
    assert text.index("Datasets") < text.index("Models and methods") < text.index("Coding")
    assert all(w in text for w in ("Walt, Stephen M.", "Nash, John F."))
