"""The system layer: the measured international environment a state faces (the IV).

* :mod:`~ncrealism.system.capabilities`: CINC recomputed from the NMC components, capability
  shares within any set of states, and the extension past NMC's last year;
* :mod:`~ncrealism.system.structure`: concentration, effective and counted poles, power
  transition;
* :mod:`~ncrealism.system.dyads`: relative power, loss-of-strength gradients, alliance-augmented
  power and alliance-portfolio similarity for all dyad-years;
* :mod:`~ncrealism.system.threat`: Walt's balance of threat, by source and in total.

The functions ``capabilities.capabilities`` and ``structure.structure`` are reached through
their modules (``system.capabilities.capabilities(...)``), so that the package attributes
``capabilities`` and ``structure`` remain the modules.

Example::

    from ncrealism import system
    system.shares(system.NORTHEAST_ASIA, (1985, 2016))
    system.threat_matrix(1994)
"""

from ncrealism.system._common import NORTHEAST_ASIA
from ncrealism.system.capabilities import (
    CincReproduction,
    cinc_reproduction,
    recompute_cinc,
    shares,
)
from ncrealism.system.dyads import (
    AllianceWeights,
    LossOfStrength,
    alliance_augmented_power,
    boulding_gradient,
    dyad_power,
    dyad_years,
    loss_of_strength,
    s_score,
)
from ncrealism.system.structure import (
    concentration,
    effective_poles,
    n_poles,
    power_transition,
)
from ncrealism.system.threat import (
    ThreatParams,
    dyad_threat_frame,
    threat_faced,
    threat_matrix,
    threat_summary,
)

__all__ = [
    "NORTHEAST_ASIA",
    "AllianceWeights",
    "CincReproduction",
    "LossOfStrength",
    "ThreatParams",
    "alliance_augmented_power",
    "boulding_gradient",
    "cinc_reproduction",
    "concentration",
    "dyad_power",
    "dyad_threat_frame",
    "dyad_years",
    "effective_poles",
    "loss_of_strength",
    "n_poles",
    "power_transition",
    "recompute_cinc",
    "s_score",
    "shares",
    "threat_faced",
    "threat_matrix",
    "threat_summary",
]
