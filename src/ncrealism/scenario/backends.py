"""Where a scenario's model, inputs and negotiation cases come from.

A :class:`DecisionBackend` supplies, for a perception profile, a vectorised posture model
(:class:`~ncrealism.scenario.model.PostureModel`), the model inputs for states and years
(:class:`InputFrame`), and the input each kind of shock changes. A :class:`NegotiationBackend`
lists negotiation cases and returns each as a vectorised
:class:`~ncrealism.scenario.engine.NegotiationModel`. The defaults adapt the decision and
negotiation layers of ncrealism (:mod:`ncrealism.scenario.decision`,
:mod:`ncrealism.scenario.negotiation`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from ncrealism.data.fetch import DataSource
    from ncrealism.scenario.engine import NegotiationModel
    from ncrealism.scenario.model import PostureModel

__all__ = [
    "DecisionBackend",
    "InputFrame",
    "NegotiationBackend",
    "default_backend",
    "default_negotiation",
]

ShockOp = Literal["set", "add", "scale", "union", "own_capability"]


@dataclass(frozen=True, eq=False)
class InputFrame:
    """Model inputs: one row per state-year (``ccode``, ``year``), one column of ``x`` per
    model input, in the order of the model's ``inputs``. ``theta`` optionally gives the base
    parameter vector of every row (a perception profile whose values change by period);
    ``None`` means the model's neutral values in every row."""

    ccode: NDArray[np.int64]
    year: NDArray[np.int64]
    x: NDArray[np.float64]
    theta: NDArray[np.float64] | None = None


class DecisionBackend(Protocol):
    """Supplies the posture model, its inputs and the inputs shocks change."""

    def profiles(self) -> Sequence[str]:
        """Names of the perception profiles available."""
        ...

    def model(self, profile: str | None) -> PostureModel:
        """The posture model with the profile's parameter values as neutral values."""
        ...

    def inputs(
        self,
        states: Sequence[int],
        first: int,
        last: int,
        source: DataSource,
        *,
        profile: str | None = None,
        context: Path | None = None,
    ) -> InputFrame:
        """The model inputs of ``states`` for ``first``–``last``, read through ``source``, with
        the profile's filters and the outside shocks of a context-event file."""
        ...

    def shock_inputs(self) -> Mapping[str, tuple[str, ShockOp]]:
        """For each shock kind but ``input``: the model input it changes and the default op."""
        ...


class NegotiationBackend(Protocol):
    """Supplies negotiation cases as vectorised models."""

    def cases(self) -> Sequence[str]: ...

    def case(self, name: str) -> NegotiationModel: ...


def default_backend() -> DecisionBackend:
    """The decision layer of ncrealism, adapted (see :mod:`ncrealism.scenario.decision`)."""
    from ncrealism.scenario.decision import DecisionLayerBackend

    return DecisionLayerBackend()


def default_negotiation(source: DataSource | None = None) -> NegotiationBackend:
    """The negotiation layer's case files (see :mod:`ncrealism.scenario.negotiation`)."""
    from ncrealism.scenario.negotiation import CaseBackend

    return CaseBackend(source)
