"""The DPRK report: the flagship case from the distribution of power to the backtest.

:func:`build_dprk_report` runs the pipeline for North Korea (COW 731) and writes a report
folder::

    DIR/report.html        self-contained (figures embedded as base64 PNG)
    DIR/report.md          the same content in Markdown, figures linked from figures/
    DIR/figures/*.png|svg  every figure, for papers (SVG text kept as text)
    DIR/tables/*.csv       the numbers behind every figure and table
    DIR/summary.json       the key figures (also returned as ``ReportResult.summary``)
    DIR/citations.json|bib everything the run used (``ncr cite --run DIR``)

Sections, each computed from this run's data:

1. **Capability shares** in Northeast Asia (USA, China, Russia/USSR, Japan, DPRK, ROK) from
   1946 to the last year of COW NMC (v7.0 by default: 2022): each state's CINC over the six
   states' summed CINC (Singer, Bremer & Stuckey 1972; :func:`ncrealism.system.shares`).
2. **Threat** the DPRK faces, by source (Walt 1987; :func:`ncrealism.system.threat_faced`), for
   the decision years and, by source, in the first anatomy year.
3. **Posture probabilities** by year under the DPRK perception filter (the shipped profile,
   after Koga 2009) and under the neutral filter (structural realism), against the recorded
   posture when a yearly record is given (:func:`ncrealism.decision.posture_probabilities`).
4. **Anatomy** of selected decisions as waterfalls (:func:`ncrealism.decision.anatomy`): the
   log-odds of the recorded posture (or, without a record, the likeliest one) built up from the
   system layer through the perception clusters to the decision.
5. **Negotiations**: for each shipped case, the bargaining range (zone of agreement, Nash 1950
   solution, expected-utility forecast; :func:`ncrealism.negotiation.cases.analyse`) and, where
   there is a zone, the durability curve (Fearon 1995; Powell 2006) with the recorded duration
   of the agreement when a negotiation record is given.
6. **Backtest** of the model against the yearly record next to honest baselines
   (:func:`ncrealism.evaluation.run.backtest_files`), when a record is given.
7. **Where the model is wrong** (with a record): the test years in which the calibrated
   model gave the recorded posture the least probability, the inputs it read in those years,
   and what the ablations (one cluster of the filter switched off) do to the log loss.
8. **Data and sources**: every dataset file read (``DataSource.used``: version, variant,
   sha256), the models' papers and the coding sources (:mod:`ncrealism.report.citations`).

Without ``record``, ``context`` or ``negotiations`` the sections that need them are skipped or
reduced, and the report says so (``ReportResult.skipped``).

``ReportResult.summary`` (also ``summary.json``) holds the key figures, JSON-ready:

=====================  ======================================================================
key                    content (units)
=====================  ======================================================================
nmc_version            the COW NMC release every section read ("7.0" by default, or "6.0")
shares                 ``nmc_version``, ``first_year``, ``latest_year``, ``dprk_share`` (year →
                       DPRK share of the six states' summed CINC, 0-1, for the first year,
                       the first decision year and the latest year)
threat                 ``year``, ``total`` (Σ non-allied threat, CINC units), ``top_sources``
                       (list of ``ccode``, ``abb``, ``threat`` (CINC units), ``share`` of the
                       non-allied total (0-1))
postures               year → ``recorded``, ``confidence``, ``dprk_filter`` and ``neutral``
                       (option → probability, 0-1), ``filter_label``
anatomy                year → ``focus``, ``focus_is_recorded``, ``contributions`` (layer →
                       log-odds, nats), ``p_neutral``, ``p_filter`` (0-1)
negotiation            case id → ``title``, ``capability_year``, ``zone`` (bool), ``margin``
                       (issue-scale units), ``nash`` (dimension → value, 0-1, or null),
                       ``expected_days``, ``median_days`` (days, null without a zone or beyond
                       the horizon), ``agreement_probability`` (0-1), ``recorded`` (list of
                       ``episode``, ``outcome``, ``held_days``)
backtest               null, or ``train``, ``test`` (years), ``scores`` (rows of model,
                       n_years, accuracy, balanced_accuracy (shares), log_loss (nats), brier
                       (0-2)), ``negotiation_scores`` (rows, or null)
notes                  what the reader must know about the spans (e.g. the years after the
                       record's last year are readings with nothing to check them against)
misses                 ``model``, ``years`` (the largest misses: ``year``, ``recorded``,
                       ``predicted``, ``p_recorded``), ``ablations`` (``cluster``,
                       ``log_loss_change`` in nats; positive: worse without the cluster)
skipped                list of what was skipped and why
=====================  ======================================================================
"""

from __future__ import annotations

import json
import math
import re
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ncrealism._defaults import DEFAULT_NMC_VERSION, NMC_LAST_YEAR
from ncrealism._jsonsafe import json_safe
from ncrealism.data.fetch import DataSource, ResolvedFile
from ncrealism.errors import InputError
from ncrealism.report.citations import Citation

if TYPE_CHECKING:
    import polars as pl
    from matplotlib.figure import Figure

    from ncrealism.report.html import Block, FigureRef, Section

__all__ = [
    "DPRK",
    "ReportResult",
    "build_dprk_report",
    "format_summary",
]

#: COW code of the Democratic People's Republic of Korea.
DPRK = 731
NMC_LAST: dict[str, int] = NMC_LAST_YEAR


@dataclass(frozen=True)
class ReportResult:
    """What :func:`build_dprk_report` wrote and found.

    ``figures``: every PNG and SVG written; ``tables``: the CSV files; ``summary``: the key
    figures (module docstring); ``citations``: everything the run used; ``skipped``: sections
    skipped or reduced, with the reason; ``elapsed_seconds``: wall-clock time of the run;
    ``cached``: the report was restored from the derived-data cache, not computed.
    """

    out: Path
    html: Path
    markdown: Path
    summary_json: Path
    citations_json: Path
    citations_bib: Path
    figures: tuple[Path, ...]
    tables: tuple[Path, ...]
    summary: dict[str, Any]
    citations: list[Citation]
    skipped: tuple[str, ...]
    elapsed_seconds: float
    cached: bool = False


@dataclass
class _TracingSource(DataSource):
    """A data source that records which pipeline stage read each dataset."""

    stage: str = ""
    reads: dict[str, list[str]] = field(default_factory=dict)

    def resolve(self, name: str) -> ResolvedFile:
        if self.stage:
            stages = self.reads.setdefault(name, [])
            if self.stage not in stages:
                stages.append(self.stage)
        return super().resolve(name)

    def stage_files(self, stage: str) -> list[ResolvedFile]:
        """The files read during ``stage``, in the order first read."""
        return [r for r in self.used if stage in self.reads.get(r.dataset, [])]


def _child_source(source: DataSource | None) -> _TracingSource:
    base = source or DataSource.from_env()
    return _TracingSource(
        mirror=base.mirror,
        cache_root=base.cache_root,
        allow_download=base.allow_download,
        registry=base.registry,
        progress=base.progress,
    )


def _data_note(src: DataSource, files: Sequence[ResolvedFile], *, short: bool = False) -> str:
    """The datasets a stage read, for a figure's source note: registry titles and versions,
    or (``short``) registry names and versions."""
    if not files:
        return ""
    if short:
        return (
            "Data (ncr data cite NAME): "
            + ", ".join(f"{r.dataset} {r.version}" for r in files)
            + "."
        )
    parts = []
    for r in files:
        name = src.registry[r.dataset].title.split(":")[0].split("(")[0].strip()
        parts.append(f"{name} {r.version}")
    return "Data: " + ", ".join(parts) + " (files and hashes under 'Data and sources')."


def _split(years: list[int]) -> tuple[tuple[int, int], tuple[int, int]]:
    """Default backtest split of a record's years: the last five are the test years."""
    ys = sorted(years)
    if len(ys) < 8:
        raise InputError(f"the record has {len(ys)} years; a backtest needs at least 8")
    return (ys[0], ys[-6]), (ys[-5], ys[-1])


class _Writer:
    """Saves figures (PNG + SVG) and tables (CSV) into the report folder."""

    def __init__(self, out: Path) -> None:
        self.figdir = out / "figures"
        self.tabdir = out / "tables"
        self.figdir.mkdir(parents=True, exist_ok=True)
        self.tabdir.mkdir(parents=True, exist_ok=True)
        self.figures: list[Path] = []
        self.tables: list[Path] = []
        self.manifest: list[dict[str, str]] = []

    def _record(self, name: str, title: str, note: str, caption: str) -> FigureRef:
        from ncrealism.report.html import FigureRef

        png, svg = self.figdir / f"{name}.png", self.figdir / f"{name}.svg"
        self.figures += [png, svg]
        self.manifest.append(
            {"name": name, "title": title, "png": png.name, "svg": svg.name, "note": note}
        )
        return FigureRef(name, title, png, svg, caption)

    def figure(self, fig: Figure, name: str, title: str, note: str, caption: str) -> FigureRef:
        """Save a Matplotlib figure as PNG (150 dpi) and SVG (text kept as text); ``note`` is
        its source note (recorded in figures.json), ``caption`` what the HTML says under it."""
        from ncrealism.report.figures_system import save_figure

        save_figure(fig, self.figdir / f"{name}.png")
        # Saving the PNG laid the figure out (its layout engine); the SVG keeps that layout
        # instead of computing it a second time.
        engine = fig.get_layout_engine()
        fig.set_layout_engine(None)
        try:
            save_figure(fig, self.figdir / f"{name}.svg")
        finally:
            fig.set_layout_engine(engine)
        return self._record(name, title, note, caption)

    def drawn(
        self,
        draw: Callable[[Sequence[Path]], object],
        name: str,
        title: str,
        note: str,
        caption: str,
    ) -> FigureRef:
        """Save a figure drawn by a function that writes it to each of several paths (format
        from the suffix): it is built once for the PNG and the SVG."""
        draw([self.figdir / f"{name}.png", self.figdir / f"{name}.svg"])
        return self._record(name, title, note, caption)

    def table(self, frame: pl.DataFrame, name: str) -> Path:
        import polars as pl

        nested = [c for c, d in frame.schema.items() if isinstance(d, pl.List | pl.Struct)]
        path = self.tabdir / f"{name}.csv"
        frame.drop(nested).write_csv(path)
        self.tables.append(path)
        return path


@contextmanager
def _progress(quiet: bool, total: int) -> Iterator[Callable[[str], None]]:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    progress = Progress(
        TextColumn("[bold]DPRK report[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        # drawn only on a terminal: no escape codes in logs, pipes or files
        disable=quiet or not sys.stderr.isatty(),
        transient=False,
    )
    with progress:
        task = progress.add_task("starting", total=total)
        started = [False]

        def step(description: str) -> None:
            if started[0]:
                progress.advance(task)
            started[0] = True
            progress.update(task, description=description)

        yield step
        progress.update(task, completed=total, description="done")


def _check_file(label: str, path: Path | str | None) -> Path | None:
    if path is None:
        return None
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{label}: no such file {p}")
    return p


def _abb_map(frame: pl.DataFrame) -> dict[int, str]:
    return {int(c): str(a) for c, a in frame.select("ccode", "stateabb").unique().iter_rows()}


# ---------------------------------------------------------------------------- the report
def build_dprk_report(
    out: Path | str,
    *,
    record: Path | str | None = None,
    context: Path | str | None = None,
    negotiations: Path | str | None = None,
    source: DataSource | None = None,
    seed: int = 0,
    quiet: bool = False,
    years: tuple[int, int] = (1990, 2016),
    anatomy_years: Sequence[int] = (1994, 2006),
    nmc_version: str = DEFAULT_NMC_VERSION,
    shares_first: int = 1946,
    cases: Sequence[str] | None = None,
    draws: int = 200,
    train: tuple[int, int] | None = None,
    test: tuple[int, int] | None = None,
    ablations: bool = True,
    cache: bool = False,
) -> ReportResult:
    """Run the DPRK pipeline and write the report folder ``out`` (module docstring).

    ``record``, ``context``, ``negotiations``: the coded yearly record, context events and
    negotiation record (schema of :mod:`ncrealism.data.records`); each is optional. ``source``:
    where datasets come from (default :meth:`DataSource.from_env`); the run's own copy records
    what it read. ``seed``: seeds the Monte Carlo of the negotiation forecasts (``draws`` per
    case) and the backtest's calibration. ``years``: the decision years (inclusive);
    ``anatomy_years``: the decisions laid out as waterfalls (and summarised);
    ``nmc_version``: the COW NMC release every section reads (capability shares, threat,
    decision inputs, negotiation cases; default v7.0), the share figure drawn from
    ``shares_first`` to its last year; ``cases``: shipped negotiation cases (default: all);
    ``train``/``test``: the backtest's year spans (default: the record's last five years are the
    test years). ``quiet`` hides the progress bar. ``cache``: reuse the report of an
    identical earlier run from the derived-data cache (:mod:`ncrealism.data.derived`; keyed by
    the sha256 of the record files, the parameters, the data registry and the package
    source), and store this run's report there.
    """
    started = time.perf_counter()
    out = Path(out)
    opts = _Options(
        seed=seed,
        quiet=quiet,
        years=years,
        anatomy_years=tuple(anatomy_years),
        nmc_version=nmc_version,
        shares_first=shares_first,
        cases=None if cases is None else tuple(cases),
        draws=draws,
        train=train,
        test=test,
        ablations=ablations,
    )
    if not cache:
        return _build_dprk_report(
            out, record=record, context=context, negotiations=negotiations, source=source, opts=opts
        )
    from ncrealism.data.derived import derived_key, fetch_derived, restore_derived, store_derived

    base = source or DataSource.from_env()
    given = {"record": record, "context": context, "negotiations": negotiations}
    checked = {k: _check_file(k, v) for k, v in given.items()}
    params = {
        "seed": seed,
        "years": list(years),
        "anatomy_years": list(anatomy_years),
        "nmc_version": nmc_version,
        "shares_first": shares_first,
        "cases": None if cases is None else list(cases),
        "draws": draws,
        "train": None if train is None else list(train),
        "test": None if test is None else list(test),
        "ablations": ablations,
        "names": {k: (None if p is None else p.name) for k, p in checked.items()},
    }
    key = derived_key("dprk-report", base, files=checked, params=params)
    hit = fetch_derived("dprk-report", key, base)
    if hit is not None:
        folder, meta = hit
        out.mkdir(parents=True, exist_ok=True)
        restore_derived(folder, out)
        return _result_from_folder(out, meta, time.perf_counter() - started)
    result = _build_dprk_report(
        out, record=record, context=context, negotiations=negotiations, source=source, opts=opts
    )
    files = [
        result.html,
        result.markdown,
        result.summary_json,
        result.citations_json,
        result.citations_bib,
        *result.figures,
        *result.tables,
        out / "figures" / "figures.json",
    ]
    store_derived(
        "dprk-report",
        key,
        base,
        out,
        [f for f in files if f.is_file()],
        {
            "html": result.html.name,
            "markdown": result.markdown.name,
            "summary_json": result.summary_json.name,
            "citations_json": result.citations_json.name,
            "citations_bib": result.citations_bib.name,
            "figures": [f.relative_to(out).as_posix() for f in result.figures],
            "tables": [f.relative_to(out).as_posix() for f in result.tables],
            "skipped": list(result.skipped),
            "computed_seconds": result.elapsed_seconds,
        },
    )
    return result


def _result_from_folder(out: Path, meta: Mapping[str, Any], elapsed: float) -> ReportResult:
    """The :class:`ReportResult` of a report restored from the derived-data cache."""
    from ncrealism.report.citations import read_citations

    summary = json.loads((out / meta["summary_json"]).read_text(encoding="utf-8"))
    return ReportResult(
        out=out,
        html=out / meta["html"],
        markdown=out / meta["markdown"],
        summary_json=out / meta["summary_json"],
        citations_json=out / meta["citations_json"],
        citations_bib=out / meta["citations_bib"],
        figures=tuple(out / f for f in meta["figures"]),
        tables=tuple(out / f for f in meta["tables"]),
        summary=summary,
        citations=read_citations(out),
        skipped=tuple(meta["skipped"]),
        elapsed_seconds=elapsed,
        cached=True,
    )


@dataclass(frozen=True)
class _Options:
    """The options of one report run (see :func:`build_dprk_report`)."""

    seed: int
    quiet: bool
    years: tuple[int, int]
    anatomy_years: tuple[int, ...]
    nmc_version: str
    shares_first: int
    cases: tuple[str, ...] | None
    draws: int
    train: tuple[int, int] | None
    test: tuple[int, int] | None
    ablations: bool


def _build_dprk_report(
    out: Path | str,
    *,
    record: Path | str | None,
    context: Path | str | None,
    negotiations: Path | str | None,
    source: DataSource | None,
    opts: _Options,
) -> ReportResult:
    seed, quiet, years, anatomy_years = opts.seed, opts.quiet, opts.years, opts.anatomy_years
    nmc_version, shares_first, cases = opts.nmc_version, opts.shares_first, opts.cases
    draws, train, test, ablations = opts.draws, opts.train, opts.test, opts.ablations
    started = time.perf_counter()
    out = Path(out)
    rec_path = _check_file("record", record)
    ctx_path = _check_file("context", context)
    neg_path = _check_file("negotiations", negotiations)
    if years[0] > years[1]:
        raise InputError(f"years {years}: the first year is after the last")
    bad = [y for y in anatomy_years if not years[0] <= y <= years[1]]
    if bad:
        raise InputError(f"anatomy years {bad} are outside the decision years {years}")
    if nmc_version not in NMC_LAST:
        raise InputError(f"unknown NMC version '{nmc_version}'; choose one of {list(NMC_LAST)}")
    if draws < 0:
        raise InputError(f"draws is {draws}; it must be ≥ 0")
    out.mkdir(parents=True, exist_ok=True)
    src = _child_source(source)
    w = _Writer(out)
    skipped: list[str] = []
    summary: dict[str, Any] = {}
    sections: list[Section] = []
    stages_run: list[str] = []
    summary["nmc_version"] = nmc_version
    notes: list[str] = []  # what the reader must know about the spans (shown in the intro)
    if nmc_version != DEFAULT_NMC_VERSION and rec_path is not None:
        skipped.append(
            f"Backtest: the evaluation layer reads COW NMC v{DEFAULT_NMC_VERSION} (its default); "
            f"the other sections read v{nmc_version}."
        )

    with _progress(quiet, 8) as step:
        step("reading the coded record")
        inputs_files = _read_inputs(rec_path, ctx_path, neg_path)
        if rec_path is None:
            skipped.append("Recorded postures and the backtest: no yearly record given (--record).")
        if ctx_path is None:
            skipped.append(
                "Outside shocks: no context-event file given (--context); sanctions, "
                "inducements, patrons' defection and leader deaths are zero in every year."
            )
        if neg_path is None:
            skipped.append(
                "Recorded durations of agreements: no negotiation record given (--negotiations)."
            )
        if inputs_files.record is not None and inputs_files.record.height:
            r0 = int(inputs_files.record["year"].min())  # type: ignore[arg-type]
            r1 = int(inputs_files.record["year"].max())  # type: ignore[arg-type]
            if r1 < years[1]:
                notes.append(
                    f"The coded record covers {r0}-{r1}: the postures of {r1 + 1}-{years[1]} "
                    "are the model's readings with no recorded posture to check them against."
                )

        step("system: capability shares")
        src.stage = "system: capability shares"
        stages_run.append(src.stage)
        sections.append(_shares_section(src, w, summary, nmc_version, shares_first, years[0]))

        step("system: threat")
        src.stage = "system: threat"
        stages_run.append(src.stage)
        sections.append(
            _threat_section(src, w, summary, years, anatomy_years, skipped, nmc_version)
        )

        step("perception and decision: posture probabilities")
        src.stage = "decision"
        stages_run += ["perception", "decision"]
        inputs, sec = _posture_section(
            src, w, summary, years, anatomy_years, inputs_files, ctx_path, rec_path, nmc_version
        )
        sections.append(sec)

        step("decision: anatomy of selected decisions")
        sections.append(_anatomy_section(src, w, summary, inputs, anatomy_years, inputs_files))

        step("negotiation: bargaining ranges and durability")
        src.stage = "negotiation"
        stages_run.append(src.stage)
        case_ids = list(cases) if cases is not None else _shipped_cases()
        sections.append(
            _negotiation_section(
                src, w, summary, case_ids, draws, seed, inputs_files, neg_path, nmc_version
            )
        )

        step("backtest against the record")
        src.stage = "backtest"
        summary["backtest"] = None
        if rec_path is not None:
            stages_run.append(src.stage)
            sections.append(
                _backtest_section(
                    src, w, summary, rec_path, ctx_path, neg_path, seed, train, test, ablations
                )
            )
            per_year = summary.pop("_per_year")
            sections.append(_misses_section(w, summary, inputs, per_year))
        else:
            from ncrealism.report.html import Section, Text

            sections.append(
                Section(
                    "backtest",
                    "Backtest",
                    [Text("Skipped: no yearly record given (--record).", note=True)],
                )
            )
        src.stage = ""

        step("writing the report")
        from ncrealism.report.citations import collect_citations, write_citations

        files = {
            label: p
            for label, p in (
                ("record", rec_path),
                ("context", ctx_path),
                ("negotiations", neg_path),
            )
            if p is not None
        }
        citations = collect_citations(
            src.used,
            stages_run,
            used_by=src.reads,
            profiles=("DPRK",),
            cases=case_ids,
            files=files,
        )
        summary["skipped"] = list(skipped)
        summary["notes"] = list(notes)
        summary = json_safe(summary)
        title = f"North Korea {years[0]}-{years[1]}: a neoclassical-realist report"
        paths = _write(
            out,
            w,
            sections,
            summary,
            citations,
            [*notes, *skipped],
            rec_path,
            ctx_path,
            neg_path,
            title,
        )
        cj, cb = write_citations(citations, out)

    return ReportResult(
        out=out,
        html=paths[0],
        markdown=paths[1],
        summary_json=paths[2],
        citations_json=cj,
        citations_bib=cb,
        figures=tuple(w.figures),
        tables=tuple(w.tables),
        summary=summary,
        citations=citations,
        skipped=tuple(skipped),
        elapsed_seconds=time.perf_counter() - started,
    )


def _shipped_cases() -> list[str]:
    from ncrealism.negotiation.cases import list_cases

    return list_cases()


@dataclass(frozen=True)
class _Inputs:
    record: pl.DataFrame | None
    context: pl.DataFrame | None
    negotiations: pl.DataFrame | None


def _read_inputs(rec: Path | None, ctx: Path | None, neg: Path | None) -> _Inputs:
    from ncrealism.data.records import (
        read_context_events,
        read_negotiation_record,
        read_yearly_record,
    )

    return _Inputs(
        read_yearly_record(rec) if rec is not None else None,
        read_context_events(ctx) if ctx is not None else None,
        read_negotiation_record(neg) if neg is not None else None,
    )


# ---------------------------------------------------------------------------- 1. shares
def _shares_section(
    src: _TracingSource,
    w: _Writer,
    summary: dict[str, Any],
    version: str,
    first: int,
    decision_first: int,
) -> Section:
    import polars as pl

    from ncrealism.report.figures_system import plot_shares
    from ncrealism.report.html import Section, Table, Text
    from ncrealism.system import NORTHEAST_ASIA, shares

    last = NMC_LAST[version]
    frame = shares(NORTHEAST_ASIA, (first, last), version=version, source=src)  # type: ignore[arg-type]
    last = int(frame["year"].max())  # type: ignore[arg-type]
    w.table(frame, "northeast_asia_shares")
    files = src.stage_files(src.stage)
    nmc = [r for r in files if r.dataset.startswith("nmc")]
    variant = ""
    if nmc:
        kind = "publisher file" if nmc[0].variant == "primary" else f"alternate: {nmc[0].spec.kind}"
        variant = f"{nmc[0].spec.filename}, {kind}"
    title = f"Share of Northeast Asian capabilities (CINC), {first}-{last}"
    note = (
        f"Source: COW National Material Capabilities v{version} ({variant}); CINC (Singer, "
        "Bremer & Stuckey 1972) recomputed by ncrealism.system.shares; share of the six states' "
        "summed CINC."
    )
    fig = w.drawn(
        lambda p: plot_shares(frame, p, title=title, note=note),
        "shares",
        title,
        note,
        f"Each state's share of the six states' summed CINC (0-1), every year {first}-{last}.",
    )
    dprk = frame.filter(pl.col("ccode") == DPRK).sort("year")
    share = {int(y): float(s) for y, s in dprk.select("year", "capability_share").iter_rows()}
    keys = [y for y in (int(dprk["year"].min()), decision_first, last) if y in share]  # type: ignore[arg-type]
    summary["shares"] = {
        "nmc_version": version,
        "first_year": int(frame["year"].min()),  # type: ignore[arg-type]
        "latest_year": last,
        "dprk_share": {str(y): share[y] for y in dict.fromkeys(keys)},
    }
    picks = sorted(
        {
            int(frame["year"].min()),  # type: ignore[arg-type]
            *[y for y in (1950, 1970, 1990, 2000, 2010) if first <= y <= last],
            decision_first,
            last,
        }
    )
    abb = _abb_map(frame)
    wide = (
        frame.filter(pl.col("year").is_in(picks))
        .with_columns(pl.col("ccode").replace_strict(abb, return_dtype=pl.Utf8).alias("state"))
        .pivot(on="state", index="year", values="capability_share")
        .sort("year")
    )
    return Section(
        "shares",
        "Northeast Asian capability shares",
        [
            Text(
                "Each state's share of the six states' summed Composite Index of National "
                "Capability: the independent variable of neoclassical realism, the distribution "
                "of power in the DPRK's region."
            ),
            fig,
            Table(
                wide,
                caption="Capability share (fraction of the six states' summed CINC, 0-1) in "
                f"selected years; COW NMC v{version}. Full series: "
                "tables/northeast_asia_shares.csv.",
            ),
        ],
    )


# ---------------------------------------------------------------------------- 2. threat
def _threat_section(
    src: _TracingSource,
    w: _Writer,
    summary: dict[str, Any],
    years: tuple[int, int],
    anatomy_years: Sequence[int],
    skipped: list[str],
    version: str = DEFAULT_NMC_VERSION,
) -> Section:
    import polars as pl

    from ncrealism.report.figures_system import plot_threat
    from ncrealism.report.html import Section, Table, Text
    from ncrealism.system import threat_faced, threat_summary

    last = min(years[1], NMC_LAST[version])
    if last < years[1]:
        skipped.append(
            f"Threat by source: drawn to {last}, the last year of COW NMC v{version} (the "
            "decision layer extends later years with the system layer's splicing rules)."
        )
    span = (years[0], last)
    v: Any = version
    faced = threat_faced(DPRK, span, source=src, version=v)
    totals = threat_summary(DPRK, span, source=src, version=v)
    w.table(faced, "threat_by_source")
    w.table(totals, "threat_summary")
    base = "Balance of threat (Walt 1987) in CINC units, ncrealism.system.threat_faced. "
    note = base + _data_note(src, src.stage_files(src.stage), short=True)
    title = f"Threat faced by the DPRK, {span[0]}-{span[1]}, non-allied sources"
    f1 = w.drawn(
        lambda p: plot_threat(faced, p, title=title, note=note),
        "threat",
        title,
        note,
        "Stacked areas: the threat index of the largest non-allied sources and of all others, "
        "in CINC units (distance-discounted capability scaled by offence and intentions).",
    )
    focus = next((y for y in anatomy_years if span[0] <= y <= span[1]), span[0])
    one = faced.filter(pl.col("year") == focus)
    title1 = f"Threat faced by the DPRK in {focus}, by source (hatched: allies)"
    f2 = w.drawn(
        lambda p: plot_threat(one, p, top=8, title=title1, note=note),
        f"threat_{focus}",
        title1,
        note,
        f"Every source's threat index in {focus} (CINC units); hatched bars are allies, whose "
        "threat is not counted in the total.",
    )
    hostile = one.filter(~pl.col("allied").fill_null(False) & pl.col("threat").is_not_null())
    total = float(hostile["threat"].sum())
    top = hostile.sort("threat", descending=True).head(5)
    summary["threat"] = {
        "year": focus,
        "total": total,
        "top_sources": [
            {
                "ccode": int(c),
                "abb": str(a),
                "threat": float(t),
                "share": float(t) / total if total > 0 else None,
            }
            for c, a, t in top.select("source_ccode", "source_abb", "threat").iter_rows()
        ],
    }
    table = top.select(
        pl.col("source_abb").alias("source"),
        pl.col("source_ccode").alias("COW code"),
        pl.col("aggregate_power").alias("CINC (0-1)"),
        pl.col("proximity").alias("proximity (0-1)"),
        pl.col("offensive").alias("offensive (0-1)"),
        pl.col("intentions").alias("intentions (0-1)"),
        pl.col("threat").alias("threat (CINC units)"),
        (pl.col("threat") / total).alias("share of non-allied total"),
    )
    return Section(
        "threat",
        "The threat the DPRK faces, by source",
        [
            Text(
                "The threat index of each state toward the DPRK, summed over the states not "
                "allied with it (an alliance in force removes a source from the threat)."
            ),
            f1,
            f2,
            Table(
                table,
                caption=f"The five largest non-allied sources of threat in {focus}; total "
                f"{total:.4f} CINC units. Full frame: tables/threat_by_source.csv.",
                digits=4,
            ),
        ],
    )


# ---------------------------------------------------------------------------- 3. postures
def _dprk_filters() -> Any:
    """The DPRK's filter by year, from one read of its profile."""
    from ncrealism.perception.profiles import filters_for

    return filters_for("DPRK")


def _posture_section(
    src: _TracingSource,
    w: _Writer,
    summary: dict[str, Any],
    years: tuple[int, int],
    summary_years: Sequence[int],
    inp: _Inputs,
    ctx_path: Path | None,
    rec_path: Path | None,
    version: str = DEFAULT_NMC_VERSION,
) -> tuple[pl.DataFrame, Section]:
    import polars as pl

    from ncrealism.decision import build_inputs, posture_probabilities
    from ncrealism.perception import PerceptionFilter
    from ncrealism.report.figures_decision import plot_posture_probabilities
    from ncrealism.report.html import Section, Table, Text

    inputs = build_inputs(DPRK, years, context=inp.context, source=src, nmc_version=version)
    w.table(inputs, "decision_inputs")
    dprk = posture_probabilities(inputs, _dprk_filters())
    neutral = posture_probabilities(inputs, PerceptionFilter.neutral(state="DPRK", ccode=DPRK))
    probs = {
        "DPRK perception filter (profile dprk.toml, by leadership period)": dprk,
        "neutral filter (structural realism)": neutral,
    }
    w.table(
        pl.concat(
            [
                dprk.with_columns(pl.lit("dprk").alias("panel")),
                neutral.with_columns(pl.lit("neutral").alias("panel")),
            ]
        ),
        "posture_probabilities",
    )
    record = inp.record
    rec_note = (
        f" Diamonds: the recorded posture of {rec_path.name} (analyst coding; filled = high "
        "confidence)."
        if rec_path is not None and record is not None
        else " No yearly record given: recorded postures are not shown."
    )
    ctx_note = (
        f" Outside shocks: {ctx_path.name}." if ctx_path is not None else " No context events."
    )
    note = (
        "Quantal-response choice (multinomial logit: McFadden 1974; McKelvey & Palfrey 1995) "
        "over the decision layer's five postures; inputs of year t read data of t-1. "
        + _data_note(src, src.stage_files(src.stage))
        + ctx_note
        + rec_note
    )
    title = f"DPRK posture probabilities by year, {years[0]}-{years[1]}: filter vs neutral"
    fig = plot_posture_probabilities(probs, record=record, title=title, note=note)
    ref = w.figure(
        fig,
        "postures",
        title,
        note,
        "Bars: the probabilities of the five postures in each year (they sum to 1); diamonds: "
        "the recorded posture, on its option's segment (filled: high coder confidence).",
    )
    rows = []
    out: dict[str, Any] = {}
    for y in summary_years:
        d = dprk.filter(pl.col("year") == y)
        n = neutral.filter(pl.col("year") == y)
        recorded = conf = None
        if record is not None and y in record["year"].to_list():
            r = record.filter(pl.col("year") == y).row(0, named=True)
            recorded = r["dominant_posture"]
            conf = r.get("posture_confidence")
        out[str(y)] = {
            "recorded": recorded,
            "confidence": conf,
            "filter_label": str(d["filter"][0]),
            "dprk_filter": dict(zip(d["option"], d["probability"], strict=True)),
            "neutral": dict(zip(n["option"], n["probability"], strict=True)),
        }
        for o, pd_, pn in zip(d["option"], d["probability"], n["probability"], strict=True):
            rows.append(
                {
                    "year": int(y),
                    "option": o,
                    "P, DPRK filter": float(pd_),
                    "P, neutral": float(pn),
                    "recorded": "yes" if o == recorded else "",
                }
            )
    summary["postures"] = out
    blocks: list[Block] = [
        Text(
            "For every year, the probability of each posture under the DPRK's perception "
            "filter (leader images, strategic culture, state-society relations and domestic "
            "institutions coded after Koga 2009) and under the neutral filter, which passes the "
            "measured environment through unchanged (structural realism)."
        ),
        ref,
    ]
    if rows:
        blocks.append(
            Table(
                pl.DataFrame(rows),
                caption="Choice probabilities (0-1) in the years laid out below; 'recorded' "
                "marks the posture of the coded record. Every year: "
                "tables/posture_probabilities.csv.",
            )
        )
    return inputs, Section("postures", "Posture probabilities against the record", blocks)


# ---------------------------------------------------------------------------- 4. anatomy
def _anatomy_section(
    src: _TracingSource,
    w: _Writer,
    summary: dict[str, Any],
    inputs: pl.DataFrame,
    anatomy_years: Sequence[int],
    inp: _Inputs,
) -> Section:
    import polars as pl

    from ncrealism.decision import anatomy
    from ncrealism.report.figures_decision import LAYER_LABELS, plot_anatomy_waterfall
    from ncrealism.report.html import Section, Table, Text

    blocks: list[Block] = [
        Text(
            "Each waterfall starts from all postures equally likely, adds what the measured "
            "distribution of power and threat predicts under the neutral filter (the system "
            "layer), then the exact Shapley share (Shapley 1953) of each cluster of the DPRK "
            "filter and of the choice rule's precision, and ends at the log-odds of the "
            "posture under the filter. Bars in nats; green raises, red lowers the odds."
        )
    ]
    out: dict[str, Any] = {}
    frames = []
    data = _data_note(src, src.stage_files("decision"))
    dprk_filter = _dprk_filters()
    for y in anatomy_years:
        row = inputs.filter(pl.col("year") == y)
        filt = dprk_filter(y)
        recorded = None
        if inp.record is not None and y in inp.record["year"].to_list():
            recorded = str(inp.record.filter(pl.col("year") == y)["dominant_posture"][0])
        anat = anatomy(row, filt, focus=recorded)
        what = "the recorded posture" if recorded else "the likeliest posture under the filter"
        title = f"Anatomy of the DPRK's {y} decision: log-odds of '{anat.focus.replace('_', ' ')}'"
        note = (
            f"Focus: {what}. Filter: {filt.label} ({filt.origin}); neutral filter = structural "
            "realism. Exact Shapley decomposition (Shapley 1953) over the clusters of Ripsman, "
            "Taliaferro & Lobell (2016); profile after Koga (2009). " + data
        )
        fig = plot_anatomy_waterfall(anat, title=title, note=note)
        blocks.append(
            w.figure(
                fig,
                f"anatomy_{y}",
                title,
                note,
                f"Focus: {what} ({filt.label}). Green bars raise, red bars lower the log-odds "
                "(nats); P: the posture's probability at that point of the chain.",
            )
        )
        sh = anat.shapley.filter(pl.col("option") == anat.focus)
        opt = anat.options.filter(pl.col("option") == anat.focus).row(0, named=True)
        out[str(y)] = {
            "focus": anat.focus,
            "focus_is_recorded": recorded is not None,
            "filter_label": filt.label,
            "contributions": dict(zip(sh["layer"], sh["contribution"], strict=True)),
            "p_uniform": float(opt["p_uniform"]),
            "p_neutral": float(opt["p_neutral"]),
            "p_filter": float(opt["p_filter"]),
        }
        frames.append(anat.shapley.with_columns(pl.lit(y, dtype=pl.Int64).alias("year")))
        blocks.append(
            Table(
                sh.select(
                    pl.col("layer"),
                    pl.col("layer")
                    .replace_strict({k: v[1] for k, v in LAYER_LABELS.items()}, default="")
                    .alias("stage"),
                    pl.col("contribution").alias("log-odds (nats)"),
                    pl.col("share").alias("share of the total"),
                ),
                caption=f"{y}: contributions to the log-odds of '{anat.focus}' (P = "
                f"{opt['p_uniform']:.3f} if all equally likely, {opt['p_neutral']:.3f} under "
                f"the neutral filter, {opt['p_filter']:.3f} under the DPRK filter).",
            )
        )
    if frames:
        w.table(pl.concat(frames), "anatomy_shapley")
    summary["anatomy"] = out
    return Section("anatomy", "Anatomy of selected decisions", blocks)


# ---------------------------------------------------------------------------- 5. negotiation
_RECORD_COLORS = ["#d62728", "#8c564b", "#e377c2", "#17becf"]


def _extend_footer(fig: Figure, text: str) -> None:
    """Append ``text`` to a figure's footer (its ``supxlabel``), keeping what is there."""
    import textwrap

    old = getattr(fig, "_supxlabel", None)
    before = old.get_text() if old is not None else ""
    before = re.sub(r"-\n(?=\S)", "-", before).replace("\n", " ")
    width = int(fig.get_figwidth() * 17)
    fig.supxlabel(
        textwrap.fill(f"{before} {text}".strip(), width, break_on_hyphens=False),
        fontsize=7,
        ha="left",
        x=0.01,
        color="0.35",
    )


def _negotiation_section(
    src: _TracingSource,
    w: _Writer,
    summary: dict[str, Any],
    case_ids: Sequence[str],
    draws: int,
    seed: int,
    inp: _Inputs,
    neg_path: Path | None,
    version: str = DEFAULT_NMC_VERSION,
) -> Section:
    import polars as pl

    from ncrealism.data.nmc import nmc_version
    from ncrealism.evaluation.negotiation import BargainingModel, case_forecast
    from ncrealism.negotiation.cases import analyse
    from ncrealism.negotiation.record_scoring import case_model
    from ncrealism.report.figures_negotiation import plot_bargaining_range, plot_durability
    from ncrealism.report.html import Section, Table, Text

    blocks: list[Block] = [
        Text(
            "Each shipped case file codes the parties' ideal points, red lines and saliences "
            "(every number with its source); capabilities come from COW NMC in the year "
            "before the talks. The zone of agreement is the set every party that must agree "
            "accepts; the Nash (1950) solution, weighted by capability (Kalai 1977), is the "
            "predicted deal; the expected-utility model (Bueno de Mesquita 1994, as specified "
            "by Scholz, Calbert & Smith 2011) forecasts multilateral talks only (with two "
            "actors it ends in one side's capitulation). Each case is one episode of the "
            "negotiation record, every coded value dated before its start; P(agreement) maps "
            "the zone share of drawn inputs, the margin, the Nash gains and the EUM distance "
            "to a probability by a Bayesian logit fitted on the earlier episodes (the record "
            f"backtest's own model, seed {seed}). Durability: the survival of the agreement "
            "when each party's stake drifts with the anticipated shift of power (Powell 2006) "
            "and credible, irreversible commitments damp the shocks (Fearon 1995)."
        )
    ]
    del draws  # the record backtest's input draws apply, so the report agrees with it
    shared = BargainingModel(source=src, seed=seed, nmc_version=nmc_version(version))
    out: dict[str, Any] = {}
    rows = []
    for cid in case_ids:
        model = case_model(cid, source=src, nmc_version=nmc_version(version))
        case = model.case
        a = analyse(model, draws=0, seed=seed, with_forecast=len(case.parties) >= 3)
        cal = case_forecast(case, source=src, model=shared)
        recorded = []
        if inp.negotiations is not None:
            eps = inp.negotiations.filter(pl.col("episode_id").is_in(list(case.episodes)))
            for r in eps.iter_rows(named=True):
                recorded.append(
                    {
                        "episode": r["episode_id"],
                        "outcome": r["outcome"],
                        "held_days": r["held_days"],
                    }
                )
        fc = a.forecast
        verdict = "zone of agreement" if a.zone.exists else "no zone of agreement"
        title = f"Bargaining range, {cid}: {verdict} (margin {a.zone.margin:+.3f})"
        source_note = (
            f"{case.title}, case file {Path(model.path).name or cid}; capabilities: COW NMC "
            f"v{case.nmc_version}, {case.capability_year}"
        )
        fig = plot_bargaining_range(
            a.problem,
            a.zone,
            a.nash,
            fc.point if fc is not None else None,
            title=title,
            source=source_note,
        )
        blocks += [
            Text(f"{case.title}. {case.summary}"),
            w.figure(
                fig,
                f"bargaining_{cid}",
                title,
                source_note,
                "Bars: what each party accepts on each issue (0-1 scale; darker: more salient); "
                "dots: ideal points; shaded: the zone of agreement; green line: the Nash "
                "solution; dashed: the expected-utility forecast.",
            ),
        ]
        dur = a.durability
        if dur is not None:
            med = (
                f"median {dur.median_days:.0f} days"
                if dur.median_days is not None
                else "median beyond the horizon"
            )
            dtitle = f"Durability, {cid}: expected {dur.expected_days:.0f} days, {med}"
            dfig = plot_durability(dur, title=dtitle)
            ax = dfig.axes[0]
            ax.set_title("")
            dfig.suptitle(dtitle, fontsize=12)
            dfig.set_size_inches(10.0, 4.8)
            held = [r for r in recorded if r["held_days"] is not None]
            for r, color in zip(held, _RECORD_COLORS * len(held), strict=False):
                s_at = float(np.interp(float(r["held_days"]) / 365.25, dur.times, dur.survival))
                r["model_survival_at_held"] = s_at
                ax.axvline(
                    float(r["held_days"]),
                    color=color,
                    ls="-.",
                    lw=1.3,
                    label=f"recorded {r['episode']}: {r['held_days']} d (model P = {s_at:.2f})",
                )
            ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
            dnote = f"Case: {source_note}. First-passage times: Cox & Miller (1965). " + (
                f"Recorded: days each agreement held ({neg_path.name}); model P: the "
                "model's probability of holding at least that long."
                if neg_path is not None
                else "No negotiation record given."
            )
            _extend_footer(dfig, dnote)
            blocks.append(
                w.figure(
                    dfig,
                    f"durability_{cid}",
                    dtitle,
                    dnote,
                    "Black: the probability the agreement holds, by days since it was "
                    "reached; dashed: the probability each party's commitment holds (\"X's "
                    'commitment holds" in the legend); dash-dot: recorded durations.',
                )
            )
        out[cid] = {
            "title": case.title,
            "capability_year": case.capability_year,
            "zone": bool(a.zone.exists),
            "margin": float(a.zone.margin),
            "nash": dict(a.nash.point) if a.nash is not None else None,
            "expected_days": float(dur.expected_days) if dur is not None else None,
            "median_days": (
                float(dur.median_days) if dur is not None and dur.median_days is not None else None
            ),
            "agreement_probability": cal["p_agreement"],
            "agreement_interval": [cal["p_low"], cal["p_high"]],
            "recorded": recorded,
        }
        held_txt = "; ".join(
            f"{r['episode']}: {r['outcome']}"
            + (f", held {r['held_days']} d" if r["held_days"] is not None else "")
            for r in recorded
        )
        rows.append(
            {
                "case": cid,
                "capability year": case.capability_year,
                "zone": bool(a.zone.exists),
                "margin (issue scale)": float(a.zone.margin),
                "P(agreement)": cal["p_agreement"],
                "90% interval": f"{cal['p_low']:.3f}-{cal['p_high']:.3f}",
                "expected days held": round(dur.expected_days) if dur is not None else None,
                "median days": (
                    None
                    if out[cid]["median_days"] is None
                    else round(float(out[cid]["median_days"]))
                ),
                "recorded (negotiation record)": held_txt or ("—" if neg_path else "not given"),
            }
        )
    summary["negotiation"] = out
    table = pl.DataFrame(rows)
    w.table(table, "negotiation_cases")
    blocks.insert(
        1,
        Table(
            table,
            caption="Zone margin in issue-scale units (≥ 0: a zone exists); P(agreement): the "
            "calibrated probability of the record backtest's model for the case's episode, "
            "with its 90% interval; days: the commitment model's expected and median days "
            "held (none without a zone).",
        ),
    )
    return Section("negotiation", "Negotiations: bargaining range and durability", blocks)


# ---------------------------------------------------------------------------- 6. backtest
def _backtest_section(
    src: _TracingSource,
    w: _Writer,
    summary: dict[str, Any],
    rec_path: Path,
    ctx_path: Path | None,
    neg_path: Path | None,
    seed: int,
    train: tuple[int, int] | None,
    test: tuple[int, int] | None,
    ablations: bool,
) -> Section:
    import polars as pl

    from ncrealism.data.records import read_yearly_record
    from ncrealism.evaluation.run import backtest_files
    from ncrealism.report.html import Section, Table, Text

    if train is None or test is None:
        d_train, d_test = _split(read_yearly_record(rec_path)["year"].to_list())
        train = train or d_train
        test = test or d_test
    run = backtest_files(
        rec_path,
        train=train,
        test=test,
        context=ctx_path,
        negotiations=neg_path,
        source=src,
        seed=seed,
        ablations=ablations,
        command="ncrealism.report.dprk.build_dprk_report",
    )
    bt = run.backtest
    scores = bt.scores().select(
        "model", "n_years", "accuracy", "balanced_accuracy", "log_loss", "brier", "ece"
    )
    w.table(scores, "backtest_scores")
    per_year = bt.per_year()
    w.table(per_year, "backtest_per_year")
    main = [m for m in bt.models if not m.startswith("NCR without")]
    wide = (
        per_year.filter(pl.col("model").is_in(main))
        .pivot(on="model", index=["year", "recorded", "confidence"], values="p_recorded")
        .sort("year")
    )
    neg_scores = run.negotiation.scores() if run.negotiation is not None else None
    if neg_scores is not None:
        w.table(neg_scores, "negotiation_backtest_scores")
    summary["backtest"] = {
        "train": list(train),
        "test": list(test),
        "scheme": bt.scheme,
        "scores": scores.to_dicts(),
        "negotiation_scores": neg_scores.to_dicts() if neg_scores is not None else None,
    }
    blocks: list[Block] = [
        Text(
            f"Rolling-origin backtest: each test year {test[0]}-{test[1]} is forecast one year "
            "ahead, ex ante (data of the year before, context events dated before the year), by "
            f"models fitted on the record's earlier years only (training span {train[0]}-"
            f"{train[1]}): the dynamic NCR model next to structural realism, a statistical "
            "reference and the persistence, base-rate and uniform baselines. Accuracy "
            "and balanced accuracy: shares of years; log loss in nats (uniform: ln 5 = "
            f"{math.log(len(bt.options)):.3f}); Brier: multi-category score in [0, 2] (Brier "
            "1950); ECE: expected calibration error (Guo et al. 2017)."
        ),
        Table(
            scores.rename(
                {
                    "n_years": "test years",
                    "balanced_accuracy": "balanced accuracy",
                    "log_loss": "log loss (nats)",
                    "brier": "Brier (0-2)",
                    "ece": "ECE (0-1)",
                }
            ),
            caption=f"Posture forecasts, test years {test[0]}-{test[1]}; record {rec_path.name}.",
        ),
        Table(
            wide,
            caption="Probability each model gave the recorded posture (0-1), by test year "
            "(ablations: tables/backtest_per_year.csv).",
        ),
    ]
    if run.comparison is not None:
        w.table(run.comparison, "backtest_paired_comparison")
        blocks.append(
            Table(
                run.comparison.select(
                    "horizon",
                    "baseline",
                    "model_loss",
                    "baseline_loss",
                    "diff",
                    "ci_low",
                    "ci_high",
                ),
                caption="Paired bootstrap over the test years of NCR against every other "
                "model (its ablations included): diff = other model's log loss - NCR log loss "
                "(nats; positive: NCR better, negative: NCR loses), 95% percentile interval; "
                "horizon in years ahead.",
            )
        )
    for n in run.info.notes:
        blocks.append(Text(n))
    if neg_scores is not None:
        blocks.append(
            Table(
                neg_scores,
                caption="Negotiation backtest: every episode of the negotiation record forecast "
                "from information dated before its start (accuracy: share of episodes; log loss "
                "in nats; durability_rho: Spearman's rho of each forecast's time ratio, how much "
                "longer or shorter than an agreement whose commitment index is one year it is "
                "expected to hold, against the recorded days held, NaN for a model without "
                "covariate; "
                "durability_rho_days: the same for the forecast median days).",
            )
        )
    summary["_per_year"] = per_year  # read by the next section, dropped before writing
    return Section("backtest", "Backtest against the record", blocks)


# ---------------------------------------------------------------------------- 7. misses
#: Inputs shown beside each miss (columns of the decision inputs, 0-1 scales).
_MISS_INPUTS = ("threat", "ally_support", "relative_power", "sanctions", "inducements")


def _misses_section(
    w: _Writer, summary: dict[str, Any], inputs: pl.DataFrame, per_year: pl.DataFrame
) -> Section:
    """Where the model is wrong: the test years it gave the recorded posture least
    probability, their inputs, and what removing each cluster of the filter does."""
    import polars as pl

    from ncrealism.report.html import Bullets, Section, Table, Text

    present = set(per_year["model"].unique().to_list())
    # the backtest's main theory model: the dynamic one when it ran, else the calibrated one
    model = next(
        (m for m in ("NCR (dynamic)", "NCR (calibrated)") if m in present),
        "NCR (calibrated)",
    )
    ncr = per_year.filter(pl.col("model") == model).sort("p_recorded")
    n_miss = min(3, ncr.height)
    worst = ncr.head(n_miss)
    cols = [c for c in _MISS_INPUTS if c in inputs.columns]
    table = worst.select(
        "year", "recorded", "predicted", "p_recorded", "p_predicted", "confidence"
    ).join(inputs.select("year", *cols), on="year", how="left")
    w.table(table, "misses")
    by_model = per_year.group_by("model").agg(
        (-pl.col("p_recorded").clip(1e-12, None).log()).mean().alias("log_loss"),
        pl.col("credit").mean().alias("accuracy"),
    )
    base = by_model.filter(pl.col("model") == model)
    lines: list[str] = []
    ablation_rows = []
    if base.height:
        ll0 = float(base["log_loss"][0])
        # ablations of the model shown: the dynamic model's status-quo term, or the static
        # model's clusters of intervening variables
        inertia = pl.col("model") == "NCR without inertia"
        own = inertia if model == "NCR (dynamic)" else ~inertia
        for r in (
            by_model.filter(pl.col("model").str.starts_with("NCR without") & own)
            .sort("model")
            .iter_rows(named=True)
        ):
            delta = float(r["log_loss"]) - ll0
            cluster = str(r["model"]).removeprefix("NCR without ").strip()
            ablation_rows.append({"cluster": cluster, "log_loss_change": delta})
            verdict = (
                "the forecasts get worse without it (it carries signal)"
                if delta > 0.005
                else "the forecasts get better without it (it adds noise here)"
                if delta < -0.005
                else "it makes no difference to the forecasts"
            )
            lines.append(
                f"without {cluster.replace('_', ' ')}: log loss {delta:+.3f} nats; {verdict}"
            )
    summary["misses"] = {
        "model": model,
        "years": [
            {
                "year": int(r["year"]),
                "recorded": r["recorded"],
                "predicted": r["predicted"],
                "p_recorded": float(r["p_recorded"]),
            }
            for r in worst.iter_rows(named=True)
        ],
        "ablations": ablation_rows,
    }
    wrong = int((ncr["credit"] < 1).sum())
    blocks: list[Block] = [
        Text(
            f"Out of sample, the most probable posture of {model} was not the recorded one "
            f"in {wrong} of {ncr.height} test years. The {n_miss} years below are those in which "
            "it gave the recorded posture the least probability, with the inputs it read "
            "(0-1 scales; threat, ally support and relative power are shares of the "
            "politically relevant pool; sanctions and inducements are exposures)."
        ),
        Table(
            table.rename(
                {
                    "p_recorded": "P(recorded)",
                    "p_predicted": "P(predicted)",
                    "ally_support": "ally support",
                    "relative_power": "relative power",
                }
            ),
            caption=f"The {n_miss} largest misses of {model} in the test years (probabilities "
            "0-1; inputs of the year's decision, read from the year before). Full list: "
            "tables/backtest_per_year.csv.",
        ),
    ]
    if lines:
        blocks += [
            Text(
                "What the ablations say (the same backtest with one cluster of intervening "
                "variables switched off, change of the mean log loss over the test years; "
                "positive: worse without the cluster):"
            ),
            Bullets(lines),
        ]
    return Section("misses", "Where the model is wrong", blocks)


# ---------------------------------------------------------------------------- writing
def _overview(summary: Mapping[str, Any], skipped: Sequence[str]) -> list[Block]:
    from ncrealism.report.html import Bullets, Text

    blocks: list[Block] = [
        Text(
            "North Korea (COW 731) from the distribution of power in Northeast Asia, through "
            "the DPRK's perception of it (Koga 2009; Ripsman, Taliaferro & Lobell 2016), to "
            "its foreign-policy postures and negotiations, with the model's record against "
            "the coded history. Every number and figure below was computed by this run from "
            "the data listed under 'Data and sources'."
        ),
        Text("Key figures:"),
        Bullets(format_summary(summary).splitlines()),
    ]
    blocks += [Text(s, note=True) for s in skipped]
    return blocks


def _write(
    out: Path,
    w: _Writer,
    sections: list[Section],
    summary: dict[str, Any],
    citations: list[Citation],
    skipped: list[str],
    rec: Path | None,
    ctx: Path | None,
    neg: Path | None,
    title: str = "North Korea: a neoclassical-realist report",
) -> tuple[Path, Path, Path]:
    from ncrealism.evaluation.report import versions
    from ncrealism.report.html import render_html, render_markdown, sources_section

    allsec = [*sections, sources_section(citations, versions=versions())]
    given = "; ".join(
        f"{k}: {p.name}"
        for k, p in (("yearly record", rec), ("context events", ctx), ("negotiations", neg))
        if p is not None
    )
    subtitle = "ncrealism DPRK report. Coded record files: " + (given or "none given") + "."
    intro = _overview(summary, skipped)
    footer = "Figures as PNG and SVG in figures/; the numbers behind them in tables/."
    html_path = out / "report.html"
    html_path.write_text(
        render_html(title, allsec, subtitle=subtitle, intro=intro, footer=footer),
        encoding="utf-8",
    )
    md_path = out / "report.md"
    md_path.write_text(
        render_markdown(title, allsec, subtitle=subtitle, intro=intro, footer=footer),
        encoding="utf-8",
    )
    sj = out / "summary.json"
    sj.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (out / "figures" / "figures.json").write_text(
        json.dumps(w.manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return html_path, md_path, sj


def _p(d: Mapping[str, Any], n: int = 2) -> str:
    ranked = sorted(d.items(), key=lambda kv: -float(kv[1] or 0.0))
    return ", ".join(f"{k.replace('_', ' ')} {float(v):.2f}" for k, v in ranked[:n])


def format_summary(summary: Mapping[str, Any]) -> str:
    """The key figures of a report's summary as short lines of text (for the command line)."""
    lines: list[str] = []
    if summary.get("nmc_version"):
        lines.append(
            f"Capabilities: COW National Material Capabilities v{summary['nmc_version']} in every "
            "section (CINC recomputed from the six components)"
        )
    sh = summary.get("shares")
    if sh:
        parts = [f"{float(v):.3f} in {y}" for y, v in sh["dprk_share"].items()]
        lines.append(
            "DPRK share of Northeast Asian capabilities (CINC share, 0-1): "
            + ", ".join(parts)
            + f" (COW NMC v{sh['nmc_version']})"
        )
    th = summary.get("threat")
    if th:
        tops = ", ".join(
            f"{s['abb']} {float(s['threat']):.4f}"
            + (f" ({100 * float(s['share']):.0f}%)" if s.get("share") is not None else "")
            for s in th["top_sources"][:3]
        )
        lines.append(
            f"Largest non-allied threat sources to the DPRK in {th['year']} (CINC units, share "
            f"of the total {float(th['total']):.4f}): {tops}"
        )
    for y, p in (summary.get("postures") or {}).items():
        rec = f"recorded {p['recorded'].replace('_', ' ')}" if p.get("recorded") else "no record"
        lines.append(
            f"Postures {y} ({rec}): DPRK filter {_p(p['dprk_filter'])}; neutral {_p(p['neutral'])}"
        )
    for y, a in (summary.get("anatomy") or {}).items():
        sysc = float(a["contributions"].get("system", 0.0))
        rest = sum(float(v) for k, v in a["contributions"].items() if k != "system")
        lines.append(
            f"Anatomy {y}: P({a['focus'].replace('_', ' ')}) {float(a['p_uniform']):.2f} if all "
            f"equal, {float(a['p_neutral']):.2f} neutral, {float(a['p_filter']):.2f} with the "
            f"filter (log-odds: system {sysc:+.2f}, perception and domestic {rest:+.2f} nats)"
        )
    for cid, c in (summary.get("negotiation") or {}).items():
        if c["zone"]:
            med = (
                f", median {float(c['median_days']):.0f}"
                if c.get("median_days") is not None
                else ""
            )
            dur = f"expected {float(c['expected_days']):.0f} days held{med}"
        else:
            dur = "no agreement predicted"
        held = [r for r in c.get("recorded") or [] if r.get("held_days") is not None]
        rec = (
            "; recorded: " + ", ".join(f"{r['episode']} {r['held_days']} d" for r in held)
            if held
            else ""
        )
        zone = "zone" if c["zone"] else "no zone"
        lines.append(f"Negotiation {cid}: {zone} (margin {float(c['margin']):+.3f}), {dur}{rec}")
    bt = summary.get("backtest")
    if bt:
        main = [r for r in bt["scores"] if not str(r["model"]).startswith("NCR without")]
        best = sorted(main, key=lambda r: float(r["log_loss"]))
        parts = [
            f"{r['model']} acc {float(r['accuracy']):.2f}, log loss {float(r['log_loss']):.2f}"
            for r in best
        ]
        lines.append(
            f"Backtest {bt['test'][0]}-{bt['test'][1]} (sorted by log loss, nats; ablations in "
            "the report): " + "; ".join(parts)
        )
    return "\n".join(lines)
