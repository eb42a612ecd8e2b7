"""Decision: foreign-policy options, their utilities and choice probabilities.

:func:`build_inputs` assembles a state's inputs by year (the system layer's reading plus
context shocks and domestic indicators); :func:`posture_probabilities` gives the quantal-
response probabilities of the options in :data:`DEFAULT_OPTIONS` under a perception filter
(vectorised core: :func:`utilities`, :func:`choice_probabilities`); :func:`calibrate` fits a
filter to a coded record; :func:`anatomy` lays out one decision with an exact Shapley
decomposition over the layers.
"""

from ncrealism.decision.anatomy import Anatomy, anatomy
from ncrealism.decision.calibrate import CalibrationResult, calibrate, calibration_report, score
from ncrealism.decision.inputs import DOMESTIC_COLUMNS, SYSTEM_COLUMNS, build_inputs
from ncrealism.decision.model import (
    FEATURES,
    choice_probabilities,
    design_matrix,
    posture_probabilities,
    utilities,
)
from ncrealism.decision.options import DEFAULT_OPTIONS, Option, OptionSet

__all__ = [
    "DEFAULT_OPTIONS",
    "DOMESTIC_COLUMNS",
    "FEATURES",
    "SYSTEM_COLUMNS",
    "Anatomy",
    "CalibrationResult",
    "Option",
    "OptionSet",
    "anatomy",
    "build_inputs",
    "calibrate",
    "calibration_report",
    "choice_probabilities",
    "design_matrix",
    "posture_probabilities",
    "score",
    "utilities",
]
