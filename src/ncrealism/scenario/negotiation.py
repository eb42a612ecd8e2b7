"""Negotiation cases in scenarios: agreement and durability for every draw.

A scenario's ``[[negotiations]]`` entry names a case file of the negotiation layer
(:mod:`ncrealism.negotiation.cases`). Its inputs are the case's lever-addressable values
(``stance.<party>.<dimension>.<ideal|reservation|salience>``, ``survival.<field>``,
``patron.<name>.support``, ``forum.quota``, ``commitment.<party>.<field>``); in the scenario
they are named ``negotiation.<case>.<key>`` and may be given distributions under
``[uncertainty]``. Shocks in force in the year the talks opened carry over to the case:
``patron_support`` changes every ``patron.<name>.support``, ``sanctions`` changes
``survival.sanctions_pressure`` and ``assurance_credibility`` changes
``survival.offer_credibility`` (each with the shock's op and value; results clipped to
[0, 1]). Leader-transition and capability shocks do not enter the case, whose capabilities
are the COW CINC of its ``capability_year``.

For each draw the case is solved as the negotiation layer does (``analyse`` without the EUM
forecast): the zone of agreement (every veto party at least at its reservation), the Nash
bargaining solution within it, and the durability of that agreement (first-passage survival of
each party's slack; Powell 2006, Fearon 1995, see :mod:`ncrealism.negotiation.commitment`).
The agreement probability of a draw is 1 when a zone exists and 0 otherwise, so its mean over
draws is the probability of a zone of agreement under the scenario's uncertainty; durability
is the expected days the agreement holds (truncated at the case's horizon), ``nan`` without an
agreement. The bargaining problem is a geometric search per draw, so cases are solved draw by
draw (about 5–60 ms each); the posture model is vectorised.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from ncrealism.data.fetch import DataSource
    from ncrealism.negotiation.cases import CaseModel

FloatArray = NDArray[np.float64]

__all__ = ["CaseBackend", "CaseNegotiation"]

#: Shock kind → case values it changes (prefix match for patrons).
SHOCK_TARGETS: dict[str, tuple[str, ...]] = {
    "patron_support": ("patron.",),
    "sanctions": ("survival.sanctions_pressure",),
    "assurance_credibility": ("survival.offer_credibility",),
}


@dataclass(frozen=True, eq=False)
class CaseNegotiation:
    """A negotiation case as a :class:`~ncrealism.scenario.engine.NegotiationModel`."""

    model: CaseModel

    @property
    def case(self) -> str:
        return str(self.model.case.id)

    @property
    def params(self) -> Mapping[str, float]:
        return dict(sorted(self.model.values.items()))

    @property
    def year(self) -> int:
        """The year the talks opened (shocks in force then carry over)."""
        return int(self.model.case.start_date.year)

    @property
    def party_ccode(self) -> int | None:
        """The COW code of the party whose survival drives the case (None if none)."""
        s = self.model.case.survival
        if s is None:
            return None
        for p in self.model.case.parties:
            if p.name == s.party:
                return int(p.ccode)
        return None

    def shock_targets(self, kind: str) -> tuple[str, ...]:
        """The case values a shock of ``kind`` changes."""
        out: list[str] = []
        for t in SHOCK_TARGETS.get(kind, ()):
            if t.endswith("."):
                out.extend(
                    k for k in self.model.values if k.startswith(t) and k.endswith(".support")
                )
            elif t in self.model.values:
                out.append(t)
        return tuple(sorted(out))

    def evaluate(
        self, values: Mapping[str, FloatArray], rng: np.random.Generator
    ) -> tuple[FloatArray, FloatArray]:
        """Agreement (1/0) and expected days held per draw (see the module docstring)."""
        from ncrealism.negotiation.cases import analyse

        del rng  # the case solution is deterministic given the values
        keys = sorted(values)
        n = len(values[keys[0]]) if keys else 1
        agree = np.zeros(n, dtype=np.float64)
        days = np.full(n, np.nan, dtype=np.float64)
        base = self.model.values
        for d in range(n):
            changes = {k: float(values[k][d]) for k in keys if float(values[k][d]) != base[k]}
            m = self.model.with_values(changes) if changes else self.model
            a = analyse(m, with_forecast=False)
            if a.nash is not None:
                agree[d] = 1.0
                if a.durability is not None:
                    days[d] = float(a.durability.expected_days)
        return agree, days


class CaseBackend:
    """The negotiation layer's shipped case files."""

    def __init__(self, source: DataSource | None = None) -> None:
        self._source = source
        self._cache: dict[str, CaseNegotiation] = {}

    def cases(self) -> Sequence[str]:
        from ncrealism.negotiation.cases import list_cases

        return tuple(list_cases())

    def case(self, name: str) -> CaseNegotiation:
        from ncrealism.data.fetch import DataSource
        from ncrealism.negotiation.record_scoring import case_model

        if name not in self._cache:
            source = self._source if self._source is not None else DataSource.from_env()
            self._cache[name] = CaseNegotiation(case_model(name, source=source))
        return self._cache[name]
