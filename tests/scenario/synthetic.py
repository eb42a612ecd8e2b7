"""A synthetic decision backend and negotiation case for testing the scenario machinery.

The inputs are smooth made-up series (not data): they exercise shocks, draws, chunking,
storage and distribution without depending on the decision layer's calibration.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ncrealism.scenario.backends import InputFrame, ShockOp
from ncrealism.scenario.model import InputInfo, LinearLogit

OPTIONS = ("internal_balancing", "engagement", "brinkmanship", "accommodation")
INPUTS = (
    InputInfo("threat", 0.0, 1.0, "index", "synthetic threat"),
    InputInfo("patron_support", 0.0, 1.0, "share", "synthetic patron support"),
    InputInfo("sanctions", 0.0, 1.0, "index", "synthetic sanctions"),
    InputInfo("assurance_credibility", 0.0, 1.0, "probability", "synthetic assurance"),
    InputInfo("leader_transition", 0.0, 1.0, "indicator", "synthetic transition"),
    InputInfo("capability_ratio", 0.0, np.inf, "ratio", "synthetic capability ratio"),
)
NEUTRAL = {
    "alpha.engagement": 0.2,
    "beta.engagement.assurance_credibility": 2.0,
    "beta.engagement.threat": -1.0,
    "alpha.brinkmanship": -0.5,
    "beta.brinkmanship.threat": 1.5,
    "beta.brinkmanship.sanctions": 1.0,
    "alpha.accommodation": -1.0,
    "beta.accommodation.patron_support": 1.0,
    "beta.accommodation.leader_transition": -1.0,
}


class SyntheticBackend:
    """A LinearLogit posture model on synthetic inputs for any state and year."""

    def profiles(self) -> Sequence[str]:
        return ("neutral", "juche")

    def model(self, profile: str | None) -> LinearLogit:
        neutral = dict(NEUTRAL)
        if profile == "juche":
            neutral["beta.engagement.assurance_credibility"] = 0.5
        return LinearLogit(options=OPTIONS, inputs=INPUTS, neutral=neutral)

    def inputs(
        self,
        states: Sequence[int],
        first: int,
        last: int,
        source: Any,
        *,
        profile: str | None = None,
        context: Any = None,
    ) -> InputFrame:
        years = np.arange(first, last + 1, dtype=np.int64)
        rows = []
        for k, s in enumerate(states):
            t = (years - 1990) / 20.0
            x = np.column_stack(
                [
                    np.clip(0.3 + 0.4 * t + 0.05 * k, 0, 1),
                    np.clip(1.0 - 0.5 * t, 0, 1),
                    np.clip(0.1 + 0.5 * t, 0, 1),
                    np.full(years.shape, 0.4),
                    (years == 1994).astype(float),
                    np.full(years.shape, 0.05 + 0.01 * k),
                ]
            )
            rows.append((np.full(years.shape, s, dtype=np.int64), years, x))
        return InputFrame(
            np.concatenate([r[0] for r in rows]),
            np.concatenate([r[1] for r in rows]),
            np.concatenate([r[2] for r in rows]),
        )

    def shock_inputs(self) -> Mapping[str, tuple[str, ShockOp]]:
        return {
            "patron_support": ("patron_support", "scale"),
            "sanctions": ("sanctions", "set"),
            "assurance_credibility": ("assurance_credibility", "set"),
            "leader_transition": ("leader_transition", "set"),
            "capability": ("capability_ratio", "scale"),
        }


@dataclass(frozen=True)
class SyntheticCase:
    """Agreement probability logistic in credibility; durability 3650·credibility days."""

    case: str = "synthetic_deal"

    @property
    def params(self) -> Mapping[str, float]:
        return {"credibility": 0.5, "threshold": 0.4}

    def evaluate(
        self, values: Mapping[str, np.ndarray], rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        q = values["credibility"]
        p = 1.0 / (1.0 + np.exp(-10.0 * (q - values["threshold"])))
        noise = rng.random(q.shape)
        return p, 3650.0 * q * (0.5 + noise)


class SyntheticNegotiation:
    def cases(self) -> Sequence[str]:
        return ("synthetic_deal",)

    def case(self, name: str) -> SyntheticCase:
        return SyntheticCase(name)


@dataclass(frozen=True)
class LinearCase:
    """Agreement 'probability' a·x + b·y (a linear test function with known Sobol indices)."""

    case: str = "linear"
    a: float = 1.0
    b: float = 2.0

    @property
    def params(self) -> Mapping[str, float]:
        return {"x": 0.5, "y": 0.5}

    def evaluate(
        self, values: Mapping[str, np.ndarray], rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        out = self.a * values["x"] + self.b * values["y"]
        return out, out * 100.0


class SyntheticNegotiationAll(SyntheticNegotiation):
    def cases(self) -> Sequence[str]:
        return ("linear", "synthetic_deal")

    def case(self, name: str) -> Any:
        return LinearCase() if name == "linear" else SyntheticCase(name)


class Everything(SyntheticBackend, SyntheticNegotiationAll):
    """Decision and negotiation backends in one object (for the CLI's --backend)."""


@dataclass(frozen=True, eq=False)
class Counting:
    """Wraps a posture model and records the number of draws of every call."""

    inner: LinearLogit
    calls: list[int]

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def options(self) -> tuple[str, ...]:
        return self.inner.options

    @property
    def inputs(self) -> tuple[InputInfo, ...]:
        return self.inner.inputs

    @property
    def params(self) -> Any:
        return self.inner.params

    def probabilities(self, x: np.ndarray, theta: np.ndarray) -> np.ndarray:
        self.calls.append(theta.shape[0])
        return self.inner.probabilities(x, theta)
