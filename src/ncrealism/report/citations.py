"""Citations of a run: the datasets it read, the works its models implement, the files it used.

A run cites four kinds of things (:attr:`Citation.kind`):

* ``dataset``: every registered dataset resolved through the run's
  :class:`~ncrealism.data.fetch.DataSource` (``DataSource.used``), with the version, the variant
  read (the publisher's file or a recorded alternate), the file name and its sha256; the
  citation text and BibTeX come from the registry (``ncr data cite NAME``);
* ``work``: the papers and books whose models the run computed, from :data:`WORKS` (keys and
  references as in ``docs/bibliography.md``), chosen by the pipeline stages the run went
  through (:data:`STAGE_WORKS`);
* ``reference``: the references of the perception profiles the run read (each profile file
  carries its own ``[references]`` table) and the sources of the negotiation case files;
* ``file``: user-supplied files (the coded record, context events, negotiations), with their
  sha256.

:func:`write_citations` writes ``citations.json`` and ``citations.bib`` into a run folder;
:func:`read_citations` reads them back (``ncr cite --run DIR``). :func:`default_pipeline_citations`
gives the citations of the default DPRK pipeline without running it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ncrealism.errors import DataFileError, InputError

if TYPE_CHECKING:
    from ncrealism.data.fetch import DataSource, ResolvedFile
    from ncrealism.data.registry import Registry

__all__ = [
    "CITATIONS_BIB",
    "CITATIONS_JSON",
    "DEFAULT_DATASETS",
    "STAGES",
    "STAGE_WORKS",
    "WORKS",
    "Citation",
    "Work",
    "case_citations",
    "collect_citations",
    "dataset_citation",
    "default_pipeline_citations",
    "file_citation",
    "profile_citations",
    "read_citations",
    "to_bibtex",
    "to_text",
    "work_citations",
    "write_citations",
]

CITATIONS_JSON = "citations.json"
CITATIONS_BIB = "citations.bib"

Kind = Literal["dataset", "work", "reference", "file"]


@dataclass(frozen=True)
class Work:
    """A published work, keyed as in ``docs/bibliography.md``.

    ``reference`` is the bibliography's text (Markdown: ``*...*`` marks italics); ``entry``
    the BibTeX type and ``fields`` its fields; ``doi`` a DOI where the bibliography gives one.
    """

    key: str
    reference: str
    entry: str
    fields: Mapping[str, str]
    doi: str | None = None

    @property
    def plain(self) -> str:
        """The reference without Markdown marks."""
        return self.reference.replace("*", "")

    @property
    def url(self) -> str | None:
        return f"https://doi.org/{self.doi}" if self.doi else None

    def bibtex(self) -> str:
        lines = [f"@{self.entry}{{{self.key},"]
        items = dict(self.fields)
        if self.doi:
            items["doi"] = self.doi
        for k, v in items.items():
            lines.append(f"  {k} = {{{v}}},")
        lines[-1] = lines[-1].rstrip(",")
        return "\n".join([*lines, "}"])


def _w(key: str, reference: str, entry: str, doi: str | None = None, **fields: str) -> Work:
    return Work(key, reference, entry, fields, doi)


#: The works the DPRK pipeline's models implement, keyed as in ``docs/bibliography.md`` (a test
#: checks that every reference here is the bibliography's, word for word).
WORKS: dict[str, Work] = {
    w.key: w
    for w in (
        _w(
            "Singer1972",
            'Singer, J. David, Stuart Bremer, and John Stuckey. 1972. "Capability Distribution, '
            'Uncertainty, and Major Power War, 1820–1965." In B. Russett (ed.), *Peace, War, and '
            "Numbers*. Beverly Hills: Sage, 19–48.",
            "incollection",
            author="Singer, J. David and Bremer, Stuart and Stuckey, John",
            title="Capability Distribution, Uncertainty, and Major Power War, 1820--1965",
            booktitle="Peace, War, and Numbers",
            editor="Russett, Bruce",
            publisher="Sage",
            address="Beverly Hills",
            year="1972",
            pages="19--48",
        ),
        _w(
            "Singer1987",
            'Singer, J. David. 1987. "Reconstructing the Correlates of War Dataset on Material '
            'Capabilities of States, 1816–1985." *International Interactions* 14(2): 115–132.',
            "article",
            author="Singer, J. David",
            title="Reconstructing the Correlates of War Dataset on Material Capabilities of "
            "States, 1816--1985",
            journal="International Interactions",
            year="1987",
            volume="14",
            number="2",
            pages="115--132",
        ),
        _w(
            "Walt1987",
            "Walt, Stephen M. 1987. *The Origins of Alliances*. Ithaca: Cornell University Press.",
            "book",
            author="Walt, Stephen M.",
            title="The Origins of Alliances",
            publisher="Cornell University Press",
            address="Ithaca",
            year="1987",
        ),
        _w(
            "BuenoDeMesquita1981",
            "Bueno de Mesquita, Bruce. 1981. *The War Trap*. New Haven: Yale University Press.",
            "book",
            author="Bueno de Mesquita, Bruce",
            title="The War Trap",
            publisher="Yale University Press",
            address="New Haven",
            year="1981",
        ),
        _w(
            "SignorinoRitter1999",
            'Signorino, Curtis S., and Jeffrey M. Ritter. 1999. "Tau-b or Not Tau-b: Measuring '
            'the Similarity of Foreign Policy Positions." *International Studies Quarterly* '
            "43(1): 115–144.",
            "article",
            author="Signorino, Curtis S. and Ritter, Jeffrey M.",
            title="Tau-b or Not Tau-b: Measuring the Similarity of Foreign Policy Positions",
            journal="International Studies Quarterly",
            year="1999",
            volume="43",
            number="1",
            pages="115--144",
        ),
        _w(
            "Rose1998",
            'Rose, Gideon. 1998. "Neoclassical Realism and Theories of Foreign Policy." *World '
            "Politics* 51(1): 144–172.",
            "article",
            author="Rose, Gideon",
            title="Neoclassical Realism and Theories of Foreign Policy",
            journal="World Politics",
            year="1998",
            volume="51",
            number="1",
            pages="144--172",
        ),
        _w(
            "RTL2016",
            "Ripsman, Norrin M., Jeffrey W. Taliaferro, and Steven E. Lobell. 2016. *Neoclassical "
            "Realist Theory of International Politics*. Oxford: Oxford University Press.",
            "book",
            author="Ripsman, Norrin M. and Taliaferro, Jeffrey W. and Lobell, Steven E.",
            title="Neoclassical Realist Theory of International Politics",
            publisher="Oxford University Press",
            address="Oxford",
            year="2016",
        ),
        _w(
            "Koga2009",
            'Koga, Kei. 2009. "The Anatomy of North Korea\'s Foreign Policy Formulation." *North '
            "Korean Review* 5(2): 21–33. doi:10.3172/NKR.5.2.21.",
            "article",
            doi="10.3172/NKR.5.2.21",
            author="Koga, Kei",
            title="The Anatomy of North Korea's Foreign Policy Formulation",
            journal="North Korean Review",
            year="2009",
            volume="5",
            number="2",
            pages="21--33",
        ),
        _w(
            "McFadden1974",
            'McFadden, Daniel. 1974. "Conditional Logit Analysis of Qualitative Choice Behavior." '
            "In P. Zarembka (ed.), *Frontiers in Econometrics*. New York: Academic Press, 105–142.",
            "incollection",
            author="McFadden, Daniel",
            title="Conditional Logit Analysis of Qualitative Choice Behavior",
            booktitle="Frontiers in Econometrics",
            editor="Zarembka, Paul",
            publisher="Academic Press",
            address="New York",
            year="1974",
            pages="105--142",
        ),
        _w(
            "McKelveyPalfrey1995",
            'McKelvey, Richard D., and Thomas R. Palfrey. 1995. "Quantal Response Equilibria for '
            'Normal Form Games." *Games and Economic Behavior* 10(1): 6–38.',
            "article",
            author="McKelvey, Richard D. and Palfrey, Thomas R.",
            title="Quantal Response Equilibria for Normal Form Games",
            journal="Games and Economic Behavior",
            year="1995",
            volume="10",
            number="1",
            pages="6--38",
        ),
        _w(
            "Shapley1953",
            'Shapley, Lloyd S. 1953. "A Value for n-Person Games." In H. W. Kuhn and A. W. Tucker '
            "(eds.), *Contributions to the Theory of Games II*. Princeton: Princeton University "
            "Press, 307–317.",
            "incollection",
            author="Shapley, Lloyd S.",
            title="A Value for n-Person Games",
            booktitle="Contributions to the Theory of Games II",
            editor="Kuhn, H. W. and Tucker, A. W.",
            publisher="Princeton University Press",
            address="Princeton",
            year="1953",
            pages="307--317",
        ),
        _w(
            "BuenoDeMesquita1994",
            'Bueno de Mesquita, Bruce. 1994. "Political Forecasting: An Expected Utility Method." '
            "In B. Bueno de Mesquita and F. N. Stokman (eds.), *European Community Decision "
            "Making*. New Haven: Yale University Press, 71–104.",
            "incollection",
            author="Bueno de Mesquita, Bruce",
            title="Political Forecasting: An Expected Utility Method",
            booktitle="European Community Decision Making",
            editor="Bueno de Mesquita, Bruce and Stokman, Frans N.",
            publisher="Yale University Press",
            address="New Haven",
            year="1994",
            pages="71--104",
        ),
        _w(
            "Scholz2011",
            'Scholz, Jason B., Gregory J. Calbert, and Glen A. Smith. 2011. "Unravelling Bueno De '
            "Mesquita's Group Decision Model.\" *Journal of Theoretical Politics* 23(4): 510–531.",
            "article",
            author="Scholz, Jason B. and Calbert, Gregory J. and Smith, Glen A.",
            title="Unravelling Bueno De Mesquita's Group Decision Model",
            journal="Journal of Theoretical Politics",
            year="2011",
            volume="23",
            number="4",
            pages="510--531",
        ),
        _w(
            "Nash1950",
            'Nash, John F. 1950. "The Bargaining Problem." *Econometrica* 18(2): 155–162.',
            "article",
            author="Nash, John F.",
            title="The Bargaining Problem",
            journal="Econometrica",
            year="1950",
            volume="18",
            number="2",
            pages="155--162",
        ),
        _w(
            "Kalai1977",
            'Kalai, Ehud. 1977. "Nonsymmetric Nash Solutions and Replications of 2-Person '
            'Bargaining." *International Journal of Game Theory* 6(3): 129–133.',
            "article",
            author="Kalai, Ehud",
            title="Nonsymmetric Nash Solutions and Replications of 2-Person Bargaining",
            journal="International Journal of Game Theory",
            year="1977",
            volume="6",
            number="3",
            pages="129--133",
        ),
        _w(
            "Fearon1995",
            'Fearon, James D. 1995. "Rationalist Explanations for War." *International '
            "Organization* 49(3): 379–414.",
            "article",
            author="Fearon, James D.",
            title="Rationalist Explanations for War",
            journal="International Organization",
            year="1995",
            volume="49",
            number="3",
            pages="379--414",
        ),
        _w(
            "Powell2006",
            'Powell, Robert. 2006. "War as a Commitment Problem." *International Organization* '
            "60(1): 169–203.",
            "article",
            author="Powell, Robert",
            title="War as a Commitment Problem",
            journal="International Organization",
            year="2006",
            volume="60",
            number="1",
            pages="169--203",
        ),
        _w(
            "CoxMiller1965",
            "Cox, D. R., and H. D. Miller. 1965. *The Theory of Stochastic Processes*. London: "
            "Methuen, ch. 5.",
            "book",
            author="Cox, D. R. and Miller, H. D.",
            title="The Theory of Stochastic Processes",
            publisher="Methuen",
            address="London",
            year="1965",
            note="ch. 5",
        ),
        _w(
            "Brier1950",
            'Brier, Glenn W. 1950. "Verification of Forecasts Expressed in Terms of Probability." '
            "*Monthly Weather Review* 78(1): 1–3.",
            "article",
            author="Brier, Glenn W.",
            title="Verification of Forecasts Expressed in Terms of Probability",
            journal="Monthly Weather Review",
            year="1950",
            volume="78",
            number="1",
            pages="1--3",
        ),
        _w(
            "Guo2017",
            'Guo, Chuan, Geoff Pleiss, Yu Sun, and Kilian Q. Weinberger. 2017. "On Calibration of '
            'Modern Neural Networks." *Proceedings of ICML*, 1321–1330.',
            "inproceedings",
            author="Guo, Chuan and Pleiss, Geoff and Sun, Yu and Weinberger, Kilian Q.",
            title="On Calibration of Modern Neural Networks",
            booktitle="Proceedings of ICML",
            year="2017",
            pages="1321--1330",
        ),
    )
}

#: The pipeline stages of the DPRK report, in order.
STAGES: tuple[str, ...] = (
    "system: capability shares",
    "system: threat",
    "perception",
    "decision",
    "negotiation",
    "backtest",
)

#: Which works each stage's models implement (keys of :data:`WORKS`).
STAGE_WORKS: dict[str, tuple[str, ...]] = {
    "system: capability shares": ("Singer1972", "Singer1987"),
    "system: threat": ("Walt1987", "BuenoDeMesquita1981", "SignorinoRitter1999"),
    "perception": ("Rose1998", "RTL2016", "Koga2009"),
    "decision": ("McFadden1974", "McKelveyPalfrey1995", "Shapley1953"),
    "negotiation": (
        "BuenoDeMesquita1994",
        "Scholz2011",
        "Nash1950",
        "Kalai1977",
        "Fearon1995",
        "Powell2006",
        "CoxMiller1965",
    ),
    "backtest": ("Brier1950", "Guo2017"),
}

#: Registered datasets the default DPRK pipeline reads (a test checks this against a run's
#: ``DataSource.used``), in the order a run first resolves them.
DEFAULT_DATASETS: tuple[str, ...] = (
    "nmc7",
    "cow_codes",
    "alliance_dyad",
    "contdird",
    "capdist",
    "capitals",
    "nuclear_status",
    "unga",
    "maddison",
    "polity5",
)


@dataclass(frozen=True)
class Citation:
    """One thing a run cites (see the module docstring for the kinds).

    ``key`` is the BibTeX key (for datasets the registry's, for works the bibliography's);
    ``text`` the plain-text reference; ``url`` a landing page or DOI link; ``used_for`` the
    stages or sections that used it. Dataset-only fields: ``name`` (registry name), ``title``,
    ``version``, ``publisher``, ``variant`` (``primary``/``alternate``; ``None`` when not
    resolved), ``kind_of_file`` (``publisher``, ``conversion`` or ``derived``), ``file`` (file
    name), ``origin`` (``mirror``/``cache``/``download``), ``sha256``, ``provenance`` (of an
    alternate), ``licence``. ``file`` citations carry ``file`` (the path given) and ``sha256``.
    """

    kind: Kind
    key: str
    text: str
    bibtex: str = ""
    url: str | None = None
    used_for: tuple[str, ...] = ()
    name: str | None = None
    title: str | None = None
    version: str | None = None
    publisher: str | None = None
    variant: str | None = None
    kind_of_file: str | None = None
    file: str | None = None
    origin: str | None = None
    sha256: str | None = None
    provenance: str | None = None
    licence: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["used_for"] = list(self.used_for)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], where: str = "citations") -> Citation:
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(d) - known)
        if unknown:
            raise InputError(f"{where}: unknown citation field(s) {unknown}")
        for req in ("kind", "key", "text"):
            if not isinstance(d.get(req), str):
                raise InputError(f"{where}: citation field '{req}' must be a string")
        if d["kind"] not in ("dataset", "work", "reference", "file"):
            raise InputError(f"{where}: unknown citation kind '{d['kind']}'")
        kw = dict(d)
        kw["used_for"] = tuple(str(u) for u in d.get("used_for", ()))
        return cls(**kw)

    def describe(self) -> str:
        """One line for the text listing."""
        if self.kind == "dataset":
            if self.variant is None:
                what = f"not read; available: {self.origin}" if self.origin else "not read"
            else:
                what = (
                    "publisher file"
                    if self.variant == "primary"
                    else f"alternate ({self.kind_of_file})"
                ) + f" {self.file}, from {self.origin}"
            sha = f", sha256 {self.sha256}" if self.sha256 else ""
            return f"{self.title}, version {self.version} [{self.name}; {what}{sha}]"
        if self.kind == "file":
            return f"{self.key}: {self.file} (sha256 {self.sha256})"
        return self.text


# ---------------------------------------------------------------------------- builders
def dataset_citation(
    resolved: ResolvedFile, used_for: Sequence[str] = (), *, registry: Registry | None = None
) -> Citation:
    """The citation of a dataset file a run read (from the registry's citation fields).

    ``registry``: the registry already read (default: the shipped one, read here).
    """
    from ncrealism.data.registry import load_registry

    ds = (registry or load_registry())[resolved.dataset]
    return Citation(
        kind="dataset",
        key=ds.bibtex_key,
        text=ds.citation,
        bibtex=ds.bibtex,
        url=ds.landing_url,
        used_for=tuple(used_for),
        name=ds.name,
        title=ds.title,
        version=resolved.version,
        publisher=ds.publisher,
        variant=resolved.variant,
        kind_of_file=resolved.spec.kind,
        file=resolved.spec.filename,
        origin=resolved.origin,
        sha256=resolved.sha256,
        provenance=resolved.spec.provenance or None,
        licence=ds.licence,
    )


def work_citations(stages: Iterable[str]) -> list[Citation]:
    """The works behind the given stages (:data:`STAGE_WORKS`), each once, in stage order."""
    by_key: dict[str, list[str]] = {}
    for stage in stages:
        if stage not in STAGE_WORKS:
            raise InputError(f"unknown stage '{stage}'; known: {list(STAGE_WORKS)}")
        for key in STAGE_WORKS[stage]:
            by_key.setdefault(key, []).append(stage)
    out = []
    for key, used in by_key.items():
        w = WORKS[key]
        out.append(
            Citation(
                kind="work",
                key=w.key,
                text=w.plain,
                bibtex=w.bibtex(),
                url=w.url,
                used_for=tuple(used),
            )
        )
    return out


def _bib_escape(text: str) -> str:
    return re.sub(r"([&%#_$])", r"\\\1", text.replace("\\", "/"))


def _misc(key: str, text: str, url: str | None = None) -> str:
    lines = [f"@misc{{{key},", f"  note = {{{_bib_escape(text)}}}"]
    if url:
        lines[-1] += ","
        lines.append(f"  howpublished = {{\\url{{{url}}}}}")
    return "\n".join([*lines, "}"])


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")


def profile_citations(state: str | int = "DPRK") -> list[Citation]:
    """The references of a shipped perception profile (its ``[references]`` table).

    A reference whose key is, up to case, a key of :data:`WORKS` is left out: the work is
    cited once, under its bibliography key.
    """
    from ncrealism.perception.profiles import profile_for

    prof = profile_for(state)
    if prof is None:
        return []
    works = {k.lower() for k in WORKS}
    out = []
    profile_file = Path(prof.path).name
    for key, text in prof.references.items():
        if key.lower() in works:
            continue
        bib_key = f"{_slug(prof.state).lower()}_profile_{key}"
        out.append(
            Citation(
                kind="reference",
                key=bib_key,
                text=text,
                bibtex=_misc(bib_key, text),
                used_for=(f"perception profile {profile_file}",),
            )
        )
    return out


_URL = re.compile(r"https?://\S+")


def case_citations(case_ids: Iterable[str]) -> list[Citation]:
    """The sources listed by shipped negotiation case files (their ``sources`` arrays)."""
    from ncrealism.negotiation.cases import load_case

    out = []
    for cid in case_ids:
        case = load_case(cid)
        for i, text in enumerate(case.sources, start=1):
            m = _URL.search(text)
            url = m.group(0).rstrip(".,;)") if m else None
            key = f"case_{_slug(case.id)}_{i}"
            out.append(
                Citation(
                    kind="reference",
                    key=key,
                    text=text,
                    bibtex=_misc(key, text, url),
                    url=url,
                    used_for=(f"negotiation case {case.id}",),
                )
            )
    return out


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def file_citation(label: str, path: Path | str, used_for: Sequence[str] = ()) -> Citation:
    """A user-supplied file (e.g. the coded record), identified by its path and sha256."""
    p = Path(path)
    digest = _sha256(p)
    text = f"{label}: {p.name} (sha256 {digest})"
    key = f"file_{_slug(label)}"
    return Citation(
        kind="file",
        key=key,
        text=text,
        bibtex=_misc(key, text),
        used_for=tuple(used_for),
        file=str(p),
        sha256=digest,
    )


def collect_citations(
    used: Sequence[ResolvedFile],
    stages: Sequence[str],
    *,
    used_by: Mapping[str, Sequence[str]] | None = None,
    profiles: Sequence[str | int] = ("DPRK",),
    cases: Sequence[str] = (),
    files: Mapping[str, Path | str] | None = None,
) -> list[Citation]:
    """Everything a run cites: datasets (``used``, e.g. ``DataSource.used``), the works of
    ``stages``, the references of ``profiles`` and ``cases``, and ``files`` (label → path).

    ``used_by`` maps a dataset name to the stages that read it.
    """
    from ncrealism.data.registry import load_registry

    used_by = used_by or {}
    registry = load_registry()
    out = [dataset_citation(r, used_by.get(r.dataset, ()), registry=registry) for r in used]
    out += work_citations(stages)
    for p in profiles:
        out += profile_citations(p)
    out += case_citations(cases)
    for label, path in (files or {}).items():
        out.append(file_citation(label, path, (label,)))
    return out


def default_pipeline_citations(source: DataSource | None = None) -> list[Citation]:
    """The citations of the default DPRK pipeline, without running it.

    Datasets are those of :data:`DEFAULT_DATASETS`; with ``source``, each says where it would
    be read from (``DataSource.status``: mirror, cached or missing), nothing is hashed or
    downloaded. Works: every stage; references: the DPRK profile and the shipped cases.
    """
    from ncrealism.data.registry import load_registry
    from ncrealism.negotiation.cases import list_cases

    reg = load_registry()
    out = []
    for name in DEFAULT_DATASETS:
        ds = reg[name]
        status = source.status(name) if source is not None else None
        out.append(
            Citation(
                kind="dataset",
                key=ds.bibtex_key,
                text=ds.citation,
                bibtex=ds.bibtex,
                url=ds.landing_url,
                name=ds.name,
                title=ds.title,
                version=ds.version,
                publisher=ds.publisher,
                origin=status,
                licence=ds.licence,
            )
        )
    out += work_citations(STAGES)
    out += profile_citations("DPRK")
    out += case_citations(list_cases())
    return out


# ---------------------------------------------------------------------------- output
_HEADINGS: dict[str, str] = {
    "dataset": "Datasets",
    "work": "Models and methods (papers)",
    "reference": "Coding sources (perception profile, negotiation cases)",
    "file": "Files supplied to the run",
}


def to_text(citations: Sequence[Citation]) -> str:
    """A plain-text listing, grouped by kind; dataset citations printed once per key."""
    lines: list[str] = []
    for kind, heading in _HEADINGS.items():
        group = [c for c in citations if c.kind == kind]
        if not group:
            continue
        lines += [heading, "-" * len(heading)]
        seen: set[str] = set()
        for c in group:
            lines.append(f"- {c.describe()}")
            if kind == "dataset" and c.key not in seen:
                lines.append(f"  {c.text}")
                if c.url:
                    lines.append(f"  {c.url}")
            elif c.url and kind != "dataset":
                lines.append(f"  {c.url}")
            if c.used_for:
                lines.append(f"  used for: {'; '.join(c.used_for)}")
            seen.add(c.key)
        lines.append("")
    return "\n".join(lines)


def to_bibtex(citations: Sequence[Citation]) -> str:
    """The BibTeX entries, each key once (datasets sharing a citation share one entry)."""
    seen: set[str] = set()
    out = []
    for c in citations:
        if c.key in seen or not c.bibtex:
            continue
        seen.add(c.key)
        out.append(c.bibtex.strip())
    return "\n\n".join(out) + "\n"


def write_citations(citations: Sequence[Citation], folder: Path | str) -> tuple[Path, Path]:
    """Write ``citations.json`` and ``citations.bib`` into ``folder``; return both paths."""
    d = Path(folder)
    d.mkdir(parents=True, exist_ok=True)
    js = d / CITATIONS_JSON
    js.write_text(
        json.dumps({"citations": [c.to_dict() for c in citations]}, indent=2, ensure_ascii=False)
        + "\n",
        encoding="utf-8",
    )
    bib = d / CITATIONS_BIB
    bib.write_text(to_bibtex(citations), encoding="utf-8")
    return js, bib


def read_citations(folder: Path | str) -> list[Citation]:
    """Read ``citations.json`` from a run folder (or the file itself)."""
    p = Path(folder)
    if p.is_dir():
        p = p / CITATIONS_JSON
    if not p.is_file():
        raise InputError(
            f"{p}: no such file; a run folder written by 'ncr report dprk' or 'ncr dprk' holds "
            f"{CITATIONS_JSON}"
        )
    from ncrealism.data._read import read_bytes

    try:
        raw = json.loads(read_bytes(p).decode("utf-8-sig"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataFileError(p, f"not valid JSON ({exc})") from exc
    items = raw.get("citations") if isinstance(raw, dict) else None
    if not isinstance(items, list):
        raise DataFileError(p, "expected an object with a 'citations' list", field="citations")
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise DataFileError(p, "each citation must be an object", field=f"citations[{i}]")
        try:
            out.append(Citation.from_dict(item, where=f"{p}, citations[{i}]"))
        except (InputError, TypeError) as exc:
            raise DataFileError(p, str(exc), field=f"citations[{i}]") from exc
    return out
