"""Negotiation cases inside scenarios: the case solved per draw as the negotiation layer
solves it, and shocks carried over to the case."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from ncrealism.data.fetch import DataSource
from ncrealism.negotiation.cases import analyse, build_case
from ncrealism.scenario.compare import variant_draws
from ncrealism.scenario.loader import load_scenario, resolve
from ncrealism.scenario.negotiation import CaseBackend
from scenario.synthetic import SyntheticBackend

SCEN = """\
[scenario]
name = "af-test"
title = "Agreed Framework with an assurance"
kind = "test"

[scope]
states = [731]
years = [1993, 1995]

[[shocks]]
id = "assure"
kind = "assurance_credibility"
from = 1994
op = "union"
value = { dist = "uniform", low = 0.2, high = 0.6 }

[[negotiations]]
case = "agreed_framework_1994"

[uncertainty]
"negotiation.agreed_framework_1994.filter.assurance_discount" = { dist = "beta", a = 4, b = 4 }

[run]
draws = 12
chunk_size = 6
seed = 5
"""


def test_case_per_draw_equals_the_negotiation_layer(
    source: DataSource, write_scenario: Callable[..., Path]
) -> None:
    plan = resolve(
        load_scenario(write_scenario(SCEN)),
        source=source,
        backend=SyntheticBackend(),
        negotiation=CaseBackend(source),
    )
    neg = plan.negotiations[0]
    # the assurance shock (op union, in force in 1994) carries over to the offer's credibility
    assert neg.shocks == (("survival.offer_credibility", "union", "shock.assure"),)
    v = variant_draws(plan)
    assert v.parameters is not None
    names = plan.param_names
    base = build_case("agreed_framework_1994", source=source)
    o0 = base.values["survival.offer_credibility"]
    for d in range(plan.draws):
        jd = v.parameters[
            d, names.index("negotiation.agreed_framework_1994.filter.assurance_discount")
        ]
        a = v.parameters[d, names.index("shock.assure")]
        model = base.with_values(
            {"filter.assurance_discount": jd, "survival.offer_credibility": 1 - (1 - o0) * (1 - a)}
        )
        ref = analyse(model, with_forecast=False)
        assert v.agreement[d, 0] == (1.0 if ref.nash is not None else 0.0)
        if ref.durability is not None:
            assert v.durability[d, 0] == pytest.approx(ref.durability.expected_days, rel=1e-12)
        else:
            assert np.isnan(v.durability[d, 0])


def test_filter_inputs_follow_the_model_parameters(
    source: DataSource, write_scenario: Callable[..., Path]
) -> None:
    """A case input filter.<p> uses the scenario's draws of the decision parameter p."""
    from ncrealism.scenario.decision import DecisionLayerBackend

    text = SCEN.replace(
        '"negotiation.agreed_framework_1994.filter.assurance_discount" = '
        '{ dist = "beta", a = 4, b = 4 }',
        'assurance_discount = { dist = "beta", a = 4, b = 4 }',
    )
    plan = resolve(
        load_scenario(write_scenario(text)),
        source=source,
        backend=DecisionLayerBackend(),
        negotiation=CaseBackend(source),
    )
    neg = plan.negotiations[0]
    assert neg.inputs["filter.assurance_discount"] == "assurance_discount"
    assert "negotiation.agreed_framework_1994.filter.assurance_discount" not in plan.param_names
