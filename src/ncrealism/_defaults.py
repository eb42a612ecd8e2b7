"""Project-wide defaults that the command line reads without importing the data stack.

Import them from :mod:`ncrealism.data.nmc`, which re-exports them; this module exists only so
that ``ncr --help`` does not load Polars.
"""

from __future__ import annotations

from typing import Literal

NMCVersion = Literal["6.0", "7.0"]
"""A COW National Material Capabilities release."""

NMC_VERSIONS: tuple[NMCVersion, ...] = ("6.0", "7.0")

DEFAULT_NMC_VERSION: NMCVersion = "7.0"
"""The capability dataset used wherever no version is asked for: COW NMC v7.0 (1816-2022).

v6.0 (1816-2016) stays available on request (``version="6.0"``, ``--nmc 6.0``); it is the
release whose published CINC column :func:`ncrealism.system.capabilities.cinc_reproduction`
reproduces from the publisher's own file."""

NMC_LAST_YEAR: dict[str, int] = {"6.0": 2016, "7.0": 2022}
"""Last year covered by each NMC release (codebooks v6.0 and v7.0)."""

NMC_DATASET: dict[str, str] = {"6.0": "nmc6", "7.0": "nmc7"}
"""Registry key of each NMC release."""
