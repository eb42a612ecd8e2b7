"""Sources tab: every data file read so far, with its citation, and the outside shocks used."""

from __future__ import annotations

from typing import Any

from ncrealism.app.data import DashboardData
from ncrealism.app.shared import Shared, Start, table

__all__ = ["ID", "OUTPUTS", "TITLE", "panel", "server"]

ID = "sources"
TITLE = "Sources"
OUTPUTS: tuple[str, ...] = ("sources",)


def panel(data: DashboardData, start: Start) -> Any:
    """The Sources tab's UI."""
    from shiny import ui

    return ui.nav_panel(TITLE, ui.output_ui("sources"), value=ID)


def server(input: Any, shared: Shared) -> None:
    """The Sources tab's output."""
    from shiny import render, ui

    data = shared.data

    @render.ui
    def sources() -> Any:
        data.inputs(shared.ccode(), shared.year())  # the sources are those of the page
        rows = [
            (
                d["name"],
                f"{d['title']} (v{d['version']}, {d['publisher']})",
                d["citation"],
                d["file"],
            )
            for d in data.datasets_used()
        ]
        return ui.div(
            ui.tags.p(f"Outside shocks: {data.context_label}."),
            table("datasets-used", ["dataset", "title", "citation", "file used"], rows),
            ui.tags.p(
                "Model: quantal-response choice over option utilities (McKelvey & Palfrey "
                "1995), perception filter after Ripsman, Taliaferro & Lobell (2016) and "
                "Koga (2009), decomposition by Shapley (1953); negotiation: Fearon (1995), "
                "Nash (1950), Powell (2006), Bueno de Mesquita (1994); distribution of power: "
                "Singer, Bremer & Stuckey (1972), Laakso & Taagepera (1979), Organski & Kugler "
                "(1980); Sobol indices: Saltelli (2002). See the bibliography of the "
                "documentation.",
                style="font-size: 0.85em",
            ),
            class_="p-2",
        )
