"""The rolling-origin grid on a LocalCluster of worker processes, as ``ncr panel backtest``
runs it: the tasks and their results cross process boundaries (pickled) and come back the same
to the byte as in one process."""

from __future__ import annotations

import json

from ncrealism.panel.backtest import Fold, run_backtest
from ncrealism.panel.build import PanelFrame

FOLD = (Fold("1980-1989", 1979, 1980, 1989),)
MODELS = ("base_rate", "structural")


def test_same_bytes_with_two_worker_processes(synthetic_panel: PanelFrame) -> None:
    kw = {"folds": FOLD, "models": MODELS, "n_boot": 20}
    alone = run_backtest(synthetic_panel, **kw)  # type: ignore[arg-type]
    spread = run_backtest(
        synthetic_panel,
        scheduler="local",
        workers=2,
        processes=True,
        **kw,  # type: ignore[arg-type]
    )
    assert json.dumps(spread.to_json(), sort_keys=True) == json.dumps(
        alone.to_json(), sort_keys=True
    )
