"""ncrealism.evaluation: the evidence layer. Backtests against a coded record, honest baselines.

* :mod:`~ncrealism.evaluation.metrics`: scoring rules (accuracy, balanced accuracy, log loss,
  Brier, expected calibration error, confusion matrix, Spearman), partial credit;
* :mod:`~ncrealism.evaluation.models`: the :class:`Model` interface and the persistence,
  base-rate and uniform baselines;
* :mod:`~ncrealism.evaluation.engine`: rolling-origin backtests (:func:`run_backtest`);
* :mod:`~ncrealism.evaluation.ncr`: the calibrated NCR model, structural realism and the
  ablations as :class:`Model` objects;
* :mod:`~ncrealism.evaluation.negotiation`: the negotiation backtest;
* :mod:`~ncrealism.evaluation.report`: results.json, report.md/html and figures;
* :mod:`~ncrealism.evaluation.run`: one backtest from record files (``ncr backtest``).
"""

from ncrealism.evaluation.engine import Backtest, parse_span, run_backtest
from ncrealism.evaluation.metrics import ConfidenceCredit
from ncrealism.evaluation.models import BaseRate, Forecaster, Model, Persistence, Uniform
from ncrealism.evaluation.negotiation import (
    NegotiationBacktest,
    NegotiationBaseRate,
    NegotiationModel,
    NegotiationPersistence,
    run_negotiation_backtest,
)

__all__ = [
    "Backtest",
    "BaseRate",
    "ConfidenceCredit",
    "Forecaster",
    "Model",
    "NegotiationBacktest",
    "NegotiationBaseRate",
    "NegotiationModel",
    "NegotiationPersistence",
    "Persistence",
    "Uniform",
    "parse_span",
    "run_backtest",
    "run_negotiation_backtest",
]
