"""What the scenario layer needs from a decision model, and shocks to its inputs.

A :class:`PostureModel` evaluates many parameter draws at once: given inputs ``X`` of shape
``[D or 1, N, F]`` (N state-years, F named inputs; a leading 1 broadcasts one input matrix over
all draws) and parameters ``theta`` of shape ``[D, R, P]`` (R = 1: one vector per draw; R = N:
one per draw and state-year, for profiles whose values change by period), it returns posture
probabilities of shape ``[D, N, O]`` in one NumPy evaluation. :class:`LinearLogit` is a generic
model of this kind (multinomial logit on a linear index; McFadden 1974, "Conditional logit
analysis of qualitative choice behavior", in Zarembka (ed.), *Frontiers in Econometrics*, eq. 9);
the decision layer's model is adapted in :mod:`ncrealism.scenario.decision`.

:func:`apply_shocks` changes inputs per draw: a shock sets, adds to or scales one input for
the chosen states from a year on (``set``, ``add``, ``scale``, ``union`` or
``own_capability``), then clips it to the input's documented bounds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from ncrealism.scoring import softmax

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

__all__ = [
    "InputInfo",
    "LinearLogit",
    "ParamInfo",
    "PostureModel",
    "ShockPlan",
    "apply_shocks",
    "combine",
    "own_capability",
    "softmax",
]


@dataclass(frozen=True)
class ParamInfo:
    """A model parameter: neutral value, bounds, unit and meaning."""

    name: str
    neutral: float
    lower: float = -np.inf
    upper: float = np.inf
    unit: str = ""
    doc: str = ""


@dataclass(frozen=True)
class InputInfo:
    """A model input (a column of X): bounds, unit and meaning."""

    name: str
    lower: float = -np.inf
    upper: float = np.inf
    unit: str = ""
    doc: str = ""


@runtime_checkable
class PostureModel(Protocol):
    """A vectorised posture model (see the module docstring)."""

    @property
    def name(self) -> str: ...

    @property
    def options(self) -> tuple[str, ...]: ...

    @property
    def inputs(self) -> tuple[InputInfo, ...]: ...

    @property
    def params(self) -> tuple[ParamInfo, ...]: ...

    def probabilities(self, x: FloatArray, theta: FloatArray) -> FloatArray: ...


@dataclass(frozen=True)
class LinearLogit:
    """Multinomial logit on a linear index: P(o | x) ∝ exp((α_o + Σ_f β_{o,f}·x_f) / τ).

    McFadden (1974), eq. 9. Parameters are named ``alpha.<option>``, ``beta.<option>.<input>``
    (the first option is the reference: its α and β are 0 and not parameters) and ``tau`` (the
    temperature, > 0). ``neutral`` gives the neutral value of each named parameter (default 0;
    τ defaults to 1).
    """

    options: tuple[str, ...]
    inputs: tuple[InputInfo, ...]
    neutral: dict[str, float] = field(default_factory=dict)
    name: str = "linear_logit"

    @property
    def params(self) -> tuple[ParamInfo, ...]:
        out = []
        for o in self.options[1:]:
            key = f"alpha.{o}"
            out.append(ParamInfo(key, self.neutral.get(key, 0.0), doc=f"intercept of {o}"))
            for f in self.inputs:
                key = f"beta.{o}.{f.name}"
                out.append(
                    ParamInfo(key, self.neutral.get(key, 0.0), doc=f"weight of {f.name} in {o}")
                )
        out.append(ParamInfo("tau", self.neutral.get("tau", 1.0), 1e-6, np.inf, "", "temperature"))
        return tuple(out)

    def probabilities(self, x: FloatArray, theta: FloatArray) -> FloatArray:
        """Posture probabilities ``[D, N, O]`` from inputs ``[D|1, N, F]`` and parameters
        ``theta [D, R, P]`` (R = 1: the same parameters in every row; R = N: per row)."""
        n_opt, n_in = len(self.options), len(self.inputs)
        d, r = theta.shape[0], theta.shape[1]
        per = 1 + n_in
        coef = theta[:, :, : (n_opt - 1) * per].reshape(d, r, n_opt - 1, per)
        tau = theta[:, :, -1]
        xb = np.broadcast_to(x, (d, *x.shape[1:]))
        if r == 1:
            u_rest = np.einsum("dnf,dof->dno", xb, coef[:, 0, :, 1:]) + coef[:, :, :, 0]
        else:
            u_rest = np.einsum("dnf,dnof->dno", xb, coef[:, :, :, 1:]) + coef[:, :, :, 0]
        u = np.concatenate([np.zeros((*u_rest.shape[:2], 1)), u_rest], axis=2)
        u /= tau[:, :, None]
        return softmax(u, axis=2)


# --------------------------------------------------------------------------------------------
# Shocks
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShockPlan:
    """A resolved shock: which input, which state-year rows, how, and its parameter column.

    ``rows`` is a boolean mask over the N state-years; ``param`` is the column of the shock's
    value in the draw matrix (see :mod:`ncrealism.scenario.engine`).
    """

    id: str
    input_index: int
    rows: NDArray[np.bool_]
    op: Literal["set", "add", "scale", "union", "own_capability"]
    param: str


def own_capability(x: FloatArray, factor: FloatArray, names: Sequence[str]) -> FloatArray:
    """Inputs ``[D, n, F]`` after the state's own capability is multiplied by ``factor [D]``.

    With r the state's share of its politically relevant pool P (``relative_power``), a factor
    f on its capability makes the pool P' = P + (f − 1)·r·P, so every other share is scaled by
    σ = 1 / (1 + (f − 1)·r) and its own share becomes r' = f·r·σ: ``relative_power``,
    ``threat`` and ``ally_support`` change accordingly (the pool shares of
    :mod:`ncrealism.decision.inputs`, after Lemke & Reed 2001). ``threat_misperceived``
    T~ = M/(1 + M − T), with M = Σ m_j T_j (misperception factors m_j), becomes
    σM/(1 + σM − σT) since M = T~(1 − T)/(1 − T~).
    """
    out = x.copy()
    idx = {n: i for i, n in enumerate(names)}
    r = x[:, :, idx["relative_power"]]
    f = factor[:, None]
    sigma = 1.0 / (1.0 + (f - 1.0) * r)
    out[:, :, idx["relative_power"]] = f * r * sigma
    if "threat" in idx:
        t = x[:, :, idx["threat"]]
        out[:, :, idx["threat"]] = t * sigma
        if "threat_misperceived" in idx:
            tm = np.clip(x[:, :, idx["threat_misperceived"]], 0.0, 1.0 - 1e-12)
            m = tm * (1.0 - t) / (1.0 - tm)
            out[:, :, idx["threat_misperceived"]] = sigma * m / (1.0 + sigma * m - sigma * t)
    if "ally_support" in idx:
        out[:, :, idx["ally_support"]] = x[:, :, idx["ally_support"]] * sigma
    return out


def combine(op: str, current: FloatArray, value: FloatArray) -> FloatArray:
    """``set`` v; ``add`` x + v; ``scale`` x·v; ``union`` 1 − (1 − x)(1 − v)."""
    if op == "set":
        return np.broadcast_to(value, np.broadcast_shapes(current.shape, value.shape)).copy()
    if op == "add":
        return current + value
    if op == "scale":
        return current * value
    if op == "union":
        return 1.0 - (1.0 - current) * (1.0 - value)
    raise ValueError(f"unknown shock op {op!r}")


def apply_shocks(
    x: FloatArray,
    shocks: Sequence[ShockPlan],
    values: dict[str, FloatArray],
    inputs: Sequence[InputInfo],
) -> FloatArray:
    """Return inputs ``[D, N, F]`` with every shock applied for every draw.

    ``x`` is ``[N, F]``; ``values[shock.param]`` holds the shock's value per draw ``[D]``.
    Shocks apply in file order. The changed input is clipped to its bounds (e.g. a probability
    stays in [0, 1]). Without shocks the result is a read-only broadcast view ``[1, N, F]``.
    """
    if not shocks:
        view = x[None, :, :]
        return view
    d = len(values[shocks[0].param])
    out = np.repeat(x[None, :, :], d, axis=0)
    names = [f.name for f in inputs]
    for s in shocks:
        v = values[s.param]
        if s.op == "own_capability":
            out[:, s.rows, :] = own_capability(out[:, s.rows, :], v, names)
            continue
        col = combine(s.op, out[:, s.rows, s.input_index], v[:, None])
        info = inputs[s.input_index]
        np.clip(col, info.lower, info.upper, out=col)
        out[:, s.rows, s.input_index] = col
    return out
