"""A plain nested-loop implementation of the expected-utility model, kept as a baseline.

It computes the same equations as :mod:`ncrealism.negotiation.eum` (Bueno de Mesquita 1994,
2002; Scholz, Calbert & Smith 2011) one actor, pair and voter at a time with Python floats,
written directly from the formulas, for timing comparisons and for cross-checking the array
version. It is not part of the library.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class LoopRound:
    """Positions after the round, exponents used, and offers (actor, kind, j, e_ij, e_ji, x)."""

    positions: list[float]
    r: list[float]
    offers: list[tuple[int, str, int, float, float, float]]


class LoopEUM:
    """The model with one Python loop per sum; options as in ``EUMOptions`` (by attribute)."""

    def __init__(
        self,
        capability: list[float],
        position: list[float],
        salience: list[float],
        options: Any,
    ) -> None:
        self.c = [float(v) for v in capability]
        self.s = [float(v) for v in salience]
        self.x = [float(v) for v in position]
        self.n = len(self.x)
        self.big_r = max(self.x) - min(self.x)
        self.opt = options
        self.r = [1.0] * self.n

    # v_k(a, b; r_k) = c_k s_k [(|x_k - b|/R)^r_k - (|x_k - a|/R)^r_k]
    def vote(self, k: int, a: float, b: float) -> float:
        rk = self.r[k]
        xk = self.x[k]
        return float(
            self.c[k]
            * self.s[k]
            * ((abs(xk - b) / self.big_r) ** rk - (abs(xk - a) / self.big_r) ** rk)
        )

    def all_pairs_total(self) -> float:
        total = 0.0
        for k in range(self.n):
            for a in range(self.n):
                for b in range(self.n):
                    total += abs(self.vote(k, self.x[a], self.x[b]))
        return total

    def probability(self, xi: float, xj: float, total: float) -> float:
        if xi == xj:
            return 0.0
        num = 0.0
        for k in range(self.n):
            num += max(0.0, self.vote(k, xi, xj))
        if self.opt.denominator == "all_pairs":
            return num / total if total > 0.0 else 0.0
        den = 0.0
        for k in range(self.n):
            den += abs(self.vote(k, xi, xj))
        return num / den if den > 0.0 else 0.5

    # EU_p(i -> j), seen by p with exponent r_p
    def eu(self, p: int, i: int, j: int, total: float) -> float:
        rp = self.r[p]
        d = abs(self.x[i] - self.x[j]) / self.big_r
        u_s = 2.0 - 4.0 * max(0.5 - 0.5 * d, 0.0) ** rp
        u_f = 2.0 - 4.0 * (0.5 + 0.5 * d) ** rp
        u_sq = 2.0 - 4.0 * 0.5**rp
        prob = self.probability(self.x[i], self.x[j], total)
        sj = self.s[j]
        return float(sj * (prob * u_s + (1.0 - prob) * u_f) + (1.0 - sj) * u_s - self.opt.q * u_sq)

    def update_risk(self) -> None:
        self.r = [1.0] * self.n
        total = self.all_pairs_total() if self.opt.denominator == "all_pairs" else 0.0
        danger = []
        for a in range(self.n):
            d = 0.0
            for b in range(self.n):
                if b != a:
                    d += self.eu(a, b, a, total)
            danger.append(d)
        hi = max(danger)
        lo = min(danger)
        if hi == lo:
            self.r = [1.0] * self.n
            return
        new_r = []
        for a in range(self.n):
            rho = (2.0 * danger[a] - hi - lo) / (hi - lo)
            new_r.append((1.0 - rho / 3.0) / (1.0 + rho / 3.0))
        self.r = new_r

    def step(self) -> LoopRound:
        self.update_risk()
        total = self.all_pairs_total() if self.opt.denominator == "all_pairs" else 0.0
        moves: list[tuple[int, str, int, float, float, float]] = []
        for i in range(self.n):
            offers: dict[str, list[tuple[int, float, float, float]]] = {
                "confrontation": [],
                "compromise": [],
                "capitulation": [],
            }
            for j in range(self.n):
                if self.x[i] == self.x[j]:
                    continue
                e_ij = self.eu(i, i, j, total)
                e_ji = self.eu(i, j, i, total)
                if e_ji > e_ij > 0.0:
                    offers["confrontation"].append((j, e_ij, e_ji, self.x[j]))
                elif e_ji > 0.0 > e_ij and e_ji > abs(e_ij):
                    new = self.x[i] + (self.x[j] - self.x[i]) * abs(e_ij / e_ji)
                    offers["compromise"].append((j, e_ij, e_ji, new))
                elif self.opt.capitulation == "paper" and e_ji > 0.0 > e_ij and e_ji < abs(e_ij):
                    offers["capitulation"].append((j, e_ij, e_ji, self.x[j]))
            for kind in ("confrontation", "compromise", "capitulation"):
                cands = offers[kind]
                if not cands:
                    continue
                best = None
                best_key: tuple[float, ...] | None = None
                for j, e_ij, e_ji, new in cands:
                    if kind == "compromise" and self.opt.compromise == "weighted_position":
                        key0 = (abs(e_ij) * self.x[i] + abs(e_ji) * self.x[j]) / (
                            abs(e_ij) + abs(e_ji)
                        )
                    else:
                        key0 = abs(new - self.x[i])
                    key = (key0,) if self.opt.ties == "input_order" else (key0, -e_ji, new, e_ij)
                    if best_key is None or key < best_key:
                        best_key = key
                        best = (i, kind, j, e_ij, e_ji, new)
                assert best is not None
                moves.append(best)
                break
        new_x = list(self.x)
        for i, _, _, _, _, new in moves:
            new_x[i] = new
        used_r = list(self.r)
        self.x = new_x
        return LoopRound(positions=list(new_x), r=used_r, offers=moves)


def loop_rounds(
    capability: list[float],
    position: list[float],
    salience: list[float],
    options: Any,
    rounds: int,
) -> list[LoopRound]:
    """Run ``rounds`` rounds and return each round's result."""
    model = LoopEUM(capability, position, salience, options)
    return [model.step() for _ in range(rounds)]
