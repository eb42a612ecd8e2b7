"""The dataset registry: what ncrealism reads, from where, with which pinned hash.

The registry itself is a data file (``registry.toml``, shipped with the package). Loading it
touches nothing on disk or on the network, so it is safe at import time. Each dataset names a
*primary* file (the file as its publisher ships it) and, where needed, an *alternate* (a
third-party conversion or derived copy, with its own hash and provenance).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Literal

from ncrealism.errors import InputError

Variant = Literal["primary", "alternate"]


@dataclass(frozen=True)
class FileSpec:
    """One concrete file: where it is downloaded from, how it is verified, where a mirror keeps it.

    ``members`` lists the path inside the archive at ``url`` (nested archives in order; a ``*``
    pattern matches a basename). ``sha256`` is the hash of the file the loaders read (the member,
    for archives); ``None`` when no trustworthy hash is known, in which case the file is never
    used unverified: the alternate is used instead.
    """

    format: str
    url: str
    filename: str
    mirror_path: str
    sha256: str | None = None
    members: tuple[str, ...] = ()
    archive_sha256: str | None = None
    rda_object: str | None = None
    kind: str = "publisher"
    provenance: str = ""
    note: str = ""


@dataclass(frozen=True)
class Dataset:
    """A registered dataset with its citation."""

    name: str
    title: str
    version: str
    publisher: str
    landing_url: str
    licence: str
    citation: str
    bibtex_key: str
    bibtex: str
    primary: FileSpec
    alternate: FileSpec | None = None

    def files(self) -> tuple[tuple[Variant, FileSpec], ...]:
        """The pinned files of this dataset, primary first."""
        out: list[tuple[Variant, FileSpec]] = []
        if self.primary.sha256 is not None:
            out.append(("primary", self.primary))
        if self.alternate is not None and self.alternate.sha256 is not None:
            out.append(("alternate", self.alternate))
        return tuple(out)


@dataclass(frozen=True)
class Registry:
    """All registered datasets, keyed by name."""

    version: str
    datasets: dict[str, Dataset]

    def __getitem__(self, name: str) -> Dataset:
        try:
            return self.datasets[name]
        except KeyError:
            known = ", ".join(sorted(self.datasets))
            raise InputError(f"unknown dataset '{name}'; registered datasets: {known}") from None

    def names(self) -> list[str]:
        return list(self.datasets)


def _file_spec(raw: dict[str, object], kind_default: str) -> FileSpec:
    members = raw.get("members", [])
    assert isinstance(members, list)
    note = str(raw.get("sha256_note", raw.get("url_note", "")))
    return FileSpec(
        format=str(raw["format"]),
        url=str(raw["url"]),
        filename=str(raw["filename"]),
        mirror_path=str(raw["mirror_path"]),
        sha256=str(raw["sha256"]) if "sha256" in raw else None,
        members=tuple(str(m) for m in members),
        archive_sha256=str(raw["archive_sha256"]) if "archive_sha256" in raw else None,
        rda_object=str(raw["rda_object"]) if "rda_object" in raw else None,
        kind=str(raw.get("kind", kind_default)),
        provenance=str(raw.get("provenance", "")),
        note=note,
    )


def load_registry() -> Registry:
    """Read the registry shipped with the package.

    Parsed on each call (a few milliseconds; nothing is kept at module level): a
    :class:`~ncrealism.data.fetch.DataSource` keeps the registry it was built with as
    ``registry``, and code that looks up many datasets reads it once.
    """
    text = resources.files("ncrealism.data").joinpath("registry.toml").read_text("utf-8")
    raw = tomllib.loads(text)
    datasets: dict[str, Dataset] = {}
    for name, d in raw["datasets"].items():
        alt = d.get("alternate")
        datasets[name] = Dataset(
            name=name,
            title=d["title"],
            version=d["version"],
            publisher=d["publisher"],
            landing_url=d["landing_url"],
            licence=d["licence"],
            citation=d["citation"],
            bibtex_key=d["bibtex_key"],
            bibtex=d["bibtex"],
            primary=_file_spec(d["primary"], "publisher"),
            alternate=_file_spec(alt, "derived") if alt else None,
        )
    return Registry(version=str(raw["registry_version"]), datasets=datasets)
