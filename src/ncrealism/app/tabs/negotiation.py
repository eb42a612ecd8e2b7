"""Negotiation what-if tab: a shipped case as coded against the case with moved inputs.

Choose a case (:mod:`ncrealism.negotiation.cases`), move the inputs of the survival party's
reservation and the patrons' support, and compare the zone of agreement, the Nash solution, the
durability and the expected-utility forecast with the case as coded; ask what it would take to
open a zone (:mod:`ncrealism.negotiation.levers`).

The what-if sliders are rendered even while the sidebar is closed (on a phone it starts
closed), and until they exist the outputs show the case as coded; the "What would it take?"
answer belongs to the case, inputs and lever it was asked for, and is withdrawn when any of
them changes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ncrealism.app.data import DashboardData, case_value_keys
from ncrealism.app.shared import Shared, Start, note, point_text, safe, table

__all__ = ["ALWAYS_COMPUTED", "ID", "OUTPUTS", "TITLE", "neg_input_id", "panel", "server"]

ID = "negotiation"
TITLE = "Negotiation what-if"
#: Outputs computed even while hidden (the what-if sliders: the other outputs read them).
ALWAYS_COMPUTED: tuple[str, ...] = ("neg_controls",)
OUTPUTS: tuple[str, ...] = (
    "neg_controls",
    "neg_summary",
    "zone_chart",
    "durability_chart",
    "lever_answer",
)


def neg_input_id(key: str) -> str:
    """Input id of the what-if slider of case value ``key`` (``survival.offer_credibility``)."""
    return "neg_" + re.sub(r"\W", "_", key)


def panel(data: DashboardData, start: Start) -> Any:
    """The Negotiation tab's UI."""
    from shiny import ui

    from ncrealism.negotiation.levers import LEVERS

    cases = data.cases()
    sidebar = ui.sidebar(
        ui.input_select("case", "Negotiation case", cases, selected=start.case),
        ui.output_ui("neg_controls"),
        width=360,
        id="negotiation_sidebar",
    )
    return ui.nav_panel(
        TITLE,
        ui.layout_sidebar(
            sidebar,
            ui.card(ui.card_header("As coded vs. what-if"), ui.output_ui("neg_summary")),
            ui.layout_columns(
                ui.card(ui.output_ui("zone_chart")),
                ui.card(ui.output_ui("durability_chart")),
                col_widths=(6, 6),
            ),
            ui.card(
                ui.card_header("What would it take?"),
                ui.tags.p(
                    "The smallest change of one lever, from the what-if inputs, that opens a "
                    "zone of agreement (ncrealism.negotiation.levers; Brent 1973 root finding).",
                    class_="text-muted",
                    style="font-size: 0.8em",
                ),
                ui.layout_columns(
                    ui.input_select("lever", "Lever", dict(LEVERS.items())),
                    ui.input_action_button(
                        "solve", "Find the smallest change", class_="btn-sm mt-md-4"
                    ),
                    col_widths=(8, 4),
                ),
                ui.output_ui("lever_answer"),
            ),
        ),
        value=ID,
    )


def server(input: Any, shared: Shared) -> None:
    """The Negotiation tab's outputs and effects."""
    from shiny import reactive, render, ui
    from shiny.session import require_active_session

    from ncrealism.app import views

    data = shared.data

    @reactive.calc
    def case_name() -> str:
        return str(input.case())

    # Rendered even when the sidebar is hidden (a phone's closed sidebar), so that the sliders
    # exist and the main panel never waits for them.
    @require_active_session(None).output(suspend_when_hidden=False)
    @render.ui
    def neg_controls() -> Any:
        name = case_name()
        model = safe(lambda: data.case(name))
        prov = data.provenance(name)
        items: list[Any] = [
            ui.tags.p(
                "What-if inputs (start at the case's coded values; 0-1):",
                style="font-size: 0.8em",
                class_="mb-1",
            )
        ]
        for key in case_value_keys(model):
            items.append(
                ui.input_slider(
                    neg_input_id(key),
                    ui.TagList(
                        ui.tags.code(key),
                        ui.tags.div(
                            prov.get(key, ""),
                            class_="text-muted",
                            style="font-size: 0.75em; line-height: 1.15",
                        ),
                    ),
                    min=0.0,
                    max=1.0,
                    value=model.values[key],
                    step=0.01,
                )
            )
        return ui.TagList(*items)

    @reactive.calc
    def changes() -> dict[str, float]:
        name = case_name()
        model = safe(lambda: data.case(name))
        out = {}
        for key in case_value_keys(model):
            iid = neg_input_id(key)
            # A slider not yet in the browser (the case just chosen): its coded value.
            out[key] = float(input[iid]()) if iid in input else float(model.values[key])
        return out

    @reactive.calc
    def negotiation() -> Any:
        ch = changes()
        return safe(lambda: data.negotiation(case_name(), ch))

    @render.ui
    def neg_summary() -> Any:
        res = negotiation()
        rows: list[tuple[str, str, str]] = []
        keys: list[str] = []

        def add(key: str, label: str, f: Callable[[Any], str]) -> None:
            rows.append((label, f(res.coded), f(res.whatif)))
            keys.append(key)

        add("zone", "zone of agreement", lambda a: "yes" if a.zone.exists else "no")
        add(
            "margin",
            "zone margin (issue-scale units; < 0: no zone)",
            lambda a: f"{a.zone.margin:+.3f}",
        )
        add("coalition", "coalition", lambda a: ", ".join(a.zone.coalition))
        add(
            "binding",
            "binding constraint",
            lambda a: "; ".join(b.describe() for b in a.zone.binding) or "none",
        )
        add(
            "nash",
            "Nash solution (issue scale 0-1)",
            lambda a: point_text(None if a.nash is None else a.nash.point, "none"),
        )
        add(
            "expected_days",
            "expected days held (truncated at horizon)",
            lambda a: "-" if a.durability is None else f"{a.durability.expected_days:,.0f}",
        )
        add(
            "median_days",
            "median days held",
            lambda a: (
                "-"
                if a.durability is None or a.durability.median_days is None
                else f"{a.durability.median_days:,.0f}"
            ),
        )
        add(
            "forecast",
            "EUM forecast (issue scale 0-1)",
            lambda a: point_text(None if a.forecast is None else a.forecast.point),
        )
        add(
            "forecast_in_zone",
            "EUM forecast inside the zone",
            lambda a: "-" if a.forecast is None else ("yes" if a.forecast.point_in_zone else "no"),
        )
        moved = ", ".join(f"{k} = {v:g}" for k, v in res.changes.items()) or "none"
        title = data.cases().get(res.case, res.case)
        return ui.TagList(
            ui.tags.p(
                ui.tags.strong(title),
                f". What-if changes: {moved}.",
                style="font-size: 0.85em",
                class_="mb-1",
            ),
            table(
                "negotiation-summary",
                ["", "as coded", "what-if"],
                rows,
                keys=keys,
                classes=["label", "coded", "whatif"],
                caption=f"Capabilities: COW CINC (NMC v{res.model.case.nmc_version}) of the "
                "case's capability year; coded values and their sources in the case file "
                f"({Path(res.model.path).name}).",
            ),
        )

    @render.ui
    def zone_chart() -> Any:
        res = negotiation()
        title = f"Zone of agreement by dimension: {res.case}"
        return views.zone_chart(res.coded, res.whatif, title)

    @render.ui
    def durability_chart() -> Any:
        res = negotiation()
        return views.durability_chart(
            res.coded, res.whatif, f"Durability of the Nash agreement: {res.case}"
        )

    answer: reactive.Value[tuple[tuple[Any, ...], str] | None] = reactive.value(
        None, name="lever_answer"
    )

    def question() -> tuple[Any, ...]:
        return (case_name(), tuple(sorted(changes().items())), str(input.lever()))

    @reactive.effect
    @reactive.event(input.solve, ignore_init=True)
    def _solve() -> None:
        q = question()
        from ncrealism.errors import NcrError

        try:
            text = data.what_would_it_take(q[0], dict(q[1]), q[2]).describe()
        except NcrError as exc:  # shown in the card; an effect must not end the session
            text = f"error: {exc}"
        answer.set((q, text))

    @render.ui
    def lever_answer() -> Any:
        got = answer()
        if got is None or got[0] != question():
            return note(
                "Choose a lever and press the button (the answer is for the case and the "
                "what-if inputs shown).",
                "lever-text",
                size="0.9em",
            )
        return ui.tags.p(got[1], id="lever-text", style="font-size: 0.9em")
