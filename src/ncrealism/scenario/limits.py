"""Caps on the size of a scenario sweep, checked before anything is built.

A sweep is ``variants × draws``: a grid of 6 parameters with 40 values each has 4.1e9 variants,
which no machine can hold. :class:`Limits` is checked from the scenario file alone (the grid's
size is the product of its lengths, never its enumeration), before any data are read, and the
estimated peak memory of an accepted plan (:func:`ncrealism.scenario.engine.sweep_memory`) is
checked before it runs. This module imports nothing heavy, so that a refusal is immediate.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from ncrealism.errors import InputError

__all__ = ["DRAWS_CEILING", "Limits", "grid_size"]

#: Most draws per sweep point: histogram counts are 32-bit unsigned integers.
DRAWS_CEILING = 2**32 - 1


def grid_size(lengths: Iterable[int]) -> int:
    """Number of points of a grid whose parameters take ``lengths`` values (exact integer)."""
    return math.prod(lengths)


@dataclass(frozen=True)
class Limits:
    """Caps on the work a sweep may take on, checked before any of it is built.

    ``max_variants`` bounds the grid points (their product is computed, never enumerated),
    ``max_draws`` the draws per point (the ``[run] draws`` cap of scenario files, which
    the command line's ``--draws`` obeys too) and ``max_memory_gib`` the estimated peak memory
    of a sweep (:func:`sweep_memory`). Each can be raised knowingly (``--max-variants``,
    ``--max-draws``, ``--max-memory``); draws are never more than :data:`DRAWS_CEILING`.
    """

    max_variants: int = 10_000
    max_draws: int = 100_000_000
    max_memory_gib: float = 4.0

    def check_size(self, n_variants: int, draws: int, where: str = "the scenario") -> None:
        """Refuse a sweep of ``n_variants`` × ``draws`` above the limits (InputError)."""
        if draws < 1:
            raise InputError(f"--draws must be at least 1, not {draws}")
        if draws > DRAWS_CEILING:
            raise InputError(
                f"{draws:,} draws per point is more than {DRAWS_CEILING:,}, the most a sweep can "
                "count (32-bit histograms)"
            )
        if draws > self.max_draws:
            raise InputError(
                f"{draws:,} draws per point is above the limit of {self.max_draws:,} draws "
                f"(max_draws); raise it with --max-draws {draws} if you mean it"
            )
        if n_variants > self.max_variants:
            raise InputError(
                f"the grid of {where} has {n_variants:,} variants ({n_variants:.2g}), above the "
                f"limit of {self.max_variants:,} variants (max_variants); sweep fewer values, "
                f"or raise the limit with --max-variants {n_variants} if you mean it"
            )

    def check_memory(self, estimate_bytes: int) -> None:
        """Refuse a sweep whose estimated peak memory is above ``max_memory_gib``."""
        gib = estimate_bytes / 2**30
        if gib > self.max_memory_gib:
            raise InputError(
                f"this sweep would need about {gib:.3g} GiB of memory at its peak, above the "
                f"limit of {self.max_memory_gib:g} GiB (max_memory); use fewer draws, drop "
                f"--keep-draws, or raise the limit with --max-memory {math.ceil(gib)}"
            )
