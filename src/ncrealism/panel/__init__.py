"""The cross-national panel: every state, every year, structural against neoclassical realism.

Outcomes per state-year (:mod:`~ncrealism.panel.outcomes`), the panel of outcomes and predictors
(:mod:`~ncrealism.panel.build`), the models (:mod:`~ncrealism.panel.models`), the out-of-sample
comparison on one core or Dask (:mod:`~ncrealism.panel.backtest`), figures
(:mod:`~ncrealism.panel.figures`) and the DPRK against the world (:mod:`~ncrealism.panel.dprk`).
"""

from ncrealism.panel.backtest import FOLDS, BacktestResult, Fold, run_backtest
from ncrealism.panel.build import INTERVENING, STRUCTURAL, PanelFrame, build_panel_frame
from ncrealism.panel.dprk import dprk_deviations
from ncrealism.panel.models import MODELS, HierarchicalLogit, fit_predict
from ncrealism.panel.outcomes import ERAS, OUTCOMES, base_rates

__all__ = [
    "ERAS",
    "FOLDS",
    "INTERVENING",
    "MODELS",
    "OUTCOMES",
    "STRUCTURAL",
    "BacktestResult",
    "Fold",
    "HierarchicalLogit",
    "PanelFrame",
    "base_rates",
    "build_panel_frame",
    "dprk_deviations",
    "fit_predict",
    "run_backtest",
]
