"""ncrealism.negotiation: will a framework reach a deal, will it hold, and what would it take.

- :mod:`~ncrealism.negotiation.eum`: Bueno de Mesquita's expected-utility model
  (Scholz, Calbert & Smith 2011), vectorised, with the replication's switches.
- :mod:`~ncrealism.negotiation.bargaining`: spatial bargaining, zone of agreement, Nash solution.
- :mod:`~ncrealism.negotiation.commitment`: commitment problems and durability (Fearon 1995;
  Powell 2006).
- :mod:`~ncrealism.negotiation.levers`: the smallest change of a lever that opens a zone.
- :mod:`~ncrealism.negotiation.cases`: case files (Agreed Framework, Four-Party, Six-Party).
"""

from ncrealism.negotiation.bargaining import (
    BargainingProblem,
    Dimension,
    Forum,
    Party,
    Stance,
    find_zone,
    nash_solution,
)
from ncrealism.negotiation.cases import analyse, build_case, list_cases, load_case
from ncrealism.negotiation.commitment import PartyCommitment, durability
from ncrealism.negotiation.eum import (
    Actor,
    EUMOptions,
    EUMResult,
    iter_rounds,
    monte_carlo,
    run_eum,
)
from ncrealism.negotiation.levers import LEVERS, what_would_it_take
from ncrealism.negotiation.record_scoring import score_record

__all__ = [
    "LEVERS",
    "Actor",
    "BargainingProblem",
    "Dimension",
    "EUMOptions",
    "EUMResult",
    "Forum",
    "Party",
    "PartyCommitment",
    "Stance",
    "analyse",
    "build_case",
    "durability",
    "find_zone",
    "iter_rounds",
    "list_cases",
    "load_case",
    "monte_carlo",
    "nash_solution",
    "run_eum",
    "score_record",
    "what_would_it_take",
]
