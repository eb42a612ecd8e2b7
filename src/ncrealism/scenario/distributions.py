"""Probability distributions over uncertain scenario parameters.

Every distribution is sampled by the inverse-CDF method: ``x = F⁻¹(u)`` for ``u`` uniform on
(0, 1). Monte Carlo draws take ``u`` from a NumPy ``Generator``; the Sobol analysis takes it from
a Saltelli design (Saltelli 2002, *Computer Physics Communications* 145: 280–297). One transform
therefore serves both, and a parameter's draws depend only on its own uniform stream.

==============  ==============================================  ==============================
``dist``        parameters                                      inverse CDF
==============  ==============================================  ==============================
``fixed``       ``value``                                       constant
``normal``      ``mean``, ``sd`` > 0, optional ``lower``,       ``mean + sd·Φ⁻¹(u)``, truncated
                ``upper`` (truncation bounds)                   to [lower, upper] by mapping u
                                                                into [Φ(a), Φ(b)]
``uniform``     ``low`` < ``high``                              ``low + (high − low)·u``
``beta``        ``a`` > 0, ``b`` > 0, optional ``low``=0,        ``low + (high − low)·I⁻¹(u; a,b)``
                ``high``=1 (a scaled beta)                       (regularised incomplete beta)
``triangular``  ``low`` ≤ ``mode`` ≤ ``high``, low < high       closed form (Kotz & van Dorp
                                                                2004, *Beyond Beta*, ch. 1)
==============  ==============================================  ==============================
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray
from scipy import special

if TYPE_CHECKING:
    from ncrealism.scenario.schema import Distribution

FloatArray = NDArray[np.float64]

__all__ = ["inverse_cdf", "is_fixed", "support"]


def is_fixed(dist: Distribution) -> bool:
    """Whether the distribution is a point mass (``fixed``)."""
    return dist.dist == "fixed"


def support(dist: Distribution) -> tuple[float, float]:
    """The closed interval holding every value the distribution can produce."""
    d = dist
    if d.dist == "fixed":
        return (d.value, d.value)
    if d.dist == "normal":
        lo = d.lower if d.lower is not None else -math.inf
        hi = d.upper if d.upper is not None else math.inf
        return (lo, hi)
    if d.dist == "uniform":
        return (d.low, d.high)
    if d.dist == "beta":
        return (d.low, d.high)
    return (d.low, d.high)  # triangular


def inverse_cdf(dist: Distribution, u: FloatArray) -> FloatArray:
    """Map uniforms ``u`` in (0, 1) to values of ``dist`` (vectorised, same shape as ``u``)."""
    u = np.asarray(u, dtype=np.float64)
    d = dist
    if d.dist == "fixed":
        return np.full(u.shape, d.value, dtype=np.float64)
    if d.dist == "uniform":
        return d.low + (d.high - d.low) * u
    if d.dist == "normal":
        if d.lower is None and d.upper is None:
            return np.asarray(d.mean + d.sd * special.ndtri(u), dtype=np.float64)
        a = special.ndtr((d.lower - d.mean) / d.sd) if d.lower is not None else 0.0
        b = special.ndtr((d.upper - d.mean) / d.sd) if d.upper is not None else 1.0
        x: FloatArray = d.mean + d.sd * special.ndtri(a + u * (b - a))
        lo = d.lower if d.lower is not None else -np.inf
        hi = d.upper if d.upper is not None else np.inf
        return np.asarray(np.clip(x, lo, hi), dtype=np.float64)
    if d.dist == "beta":
        return np.asarray(d.low + (d.high - d.low) * special.betaincinv(d.a, d.b, u), np.float64)
    # triangular: F(x) = (x−l)²/((h−l)(m−l)) for x ≤ m
    lo, mode, hi = d.low, d.mode, d.high
    c = (mode - lo) / (hi - lo)
    left = lo + np.sqrt(u * (hi - lo) * (mode - lo))
    right = hi - np.sqrt((1.0 - u) * (hi - lo) * (hi - mode))
    return np.asarray(np.where(u < c, left, right), dtype=np.float64)
