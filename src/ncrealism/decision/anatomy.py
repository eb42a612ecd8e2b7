"""The anatomy of a decision: the causal chain of one state-year, with numbers.

Koga (2009) reads DPRK foreign policy as independent variable (the distribution of power),
intervening variables (perception of it, domestic incentives) and dependent variable (the
decision). :func:`anatomy` lays one year out in that order:

1. **IV**: the measured distribution of power and threat (:mod:`ncrealism.decision.inputs`);
2. **intervening**: what each cluster of the perception filter changed, and by how much
   (:func:`ncrealism.perception.trace.trace`), and the domestic incentives (regime
   vulnerability and its parts, the survival weight);
3. **DV**: each option's utility components and choice probability, under the neutral filter
   (structural realism) and under the filter;
4. **shares**: how much each layer contributes to the log-odds of each option.

Decomposition. For option k let L_k(f) = log(P_k / (1 - P_k)) under filter f and
L_k^0 = log(1 / (K - 1)) its value when all K options are equally likely (no information).
The total L_k(filter) - L_k^0 is split into the **system** layer, L_k(neutral) - L_k^0 (what
structural realism alone predicts), and an exact Shapley decomposition (Shapley 1953) of
L_k(filter) - L_k(neutral) over the players leader images, strategic culture, state-society
relations, domestic institutions and the choice rule's precision, where coalition S has the
clusters in S at the filter's values and the others at neutral:

    phi_i = sum_{S not containing i} |S|! (n - |S| - 1)! / n! [v(S + i) - v(S)],
    v(S) = L_k(filter restricted to S) - L_k(neutral).

The shares add up to the total exactly (efficiency of the Shapley value); the tests check it.

``Anatomy.shapley`` (one row per option and layer): ``option`` (Utf8), ``layer`` (Utf8:
system, leader_images, strategic_culture, state_society, domestic_institutions, precision),
``contribution`` (Float64, log-odds units, nats), ``share`` (Float64, contribution / total;
null when the total is 0).

``Anatomy.options`` (one row per option): ``option``, ``security``, ``survival``,
``resources``, ``autonomy``, ``capitulation`` (Float64, utility units; they add up to
``utility``), ``utility`` (Float64), ``p_uniform``, ``p_neutral``, ``p_filter`` (Float64, 0-1).

``Anatomy.perception``: the :func:`ncrealism.perception.trace.trace` rows of the year.

:func:`dynamic_anatomy` does the same for the dynamic decision (:mod:`ncrealism.decision.
dynamic`): last period's posture is the status quo, and the decomposition adds two players,
**inertia** (the status-quo term) and **propensity** (base propensities and last period's acts);
``Anatomy.dynamic`` then holds the status quo, the switching cost and the static, MAP and
predictive probabilities.
"""

from __future__ import annotations

import dataclasses
import html
import itertools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from ncrealism.decision.inputs import DOMESTIC_COLUMNS
from ncrealism.decision.model import (
    FEATURES,
    choice_probabilities,
    design_matrix,
    utilities,
)
from ncrealism.decision.options import DEFAULT_OPTIONS, OptionSet
from ncrealism.errors import InputError
from ncrealism.perception.filter import CLUSTERS, PerceptionFilter
from ncrealism.perception.trace import trace
from ncrealism.scoring import softmax

if TYPE_CHECKING:
    from ncrealism.decision.dynamic import DynamicFit

__all__ = [
    "DYNAMIC_LAYERS",
    "DYNAMIC_PLAYERS",
    "LAYERS",
    "Anatomy",
    "anatomy",
    "dynamic_anatomy",
    "shapley_values",
]

#: Players of the decomposition, after the system layer.
PLAYERS: tuple[str, ...] = (*CLUSTERS, "precision")
LAYERS: tuple[str, ...] = ("system", *PLAYERS)

#: The structural inputs shown by an anatomy, in the order shown (units in ``_STRUCT_UNITS``).
_STRUCT_KEYS: tuple[str, ...] = (
    "cinc",
    "relative_power",
    "threat",
    "ally_support",
    "patron_defection",
    "nuclear_latency",
    "sanctions",
    "inducements",
    "clarity",
)

_STRUCT_UNITS = {
    "cinc": "share of world capabilities (COW NMC)",
    "relative_power": "own share of the pool: own CINC + threat + allies' support",
    "threat": "share of the pool that threatens (Walt's index, system layer)",
    "ally_support": "share of the pool from defence-pact allies, net of defection",
    "nuclear_latency": "nuclear status / 3 (0 none, 1/3 considering, 2/3 pursuing, 1 has)",
    "sanctions": "context shock, 0-1",
    "inducements": "context shock, 0-1",
    "clarity": "clarity of outside signals, 0-1",
    "patron_defection": "mean defection of allies, 0-1",
}


def shapley_values(value: dict[frozenset[str], float], players: Sequence[str]) -> dict[str, float]:
    """Exact Shapley values of a game given as ``value[coalition]`` for every coalition."""
    n = len(players)
    out = {}
    for i in players:
        others = [p for p in players if p != i]
        phi = 0.0
        for r in range(n):
            w = math.factorial(r) * math.factorial(n - r - 1) / math.factorial(n)
            for s in itertools.combinations(others, r):
                fs = frozenset(s)
                phi += w * (value[fs | {i}] - value[fs])
        out[i] = phi
    return out


@dataclass(frozen=True)
class Anatomy:
    """One state-year's causal chain (see the module docstring)."""

    ccode: int | None
    year: int
    state: str | None
    filter_label: str
    filter_origin: str
    structural: dict[str, Any]
    domestic: dict[str, Any]
    perception: pl.DataFrame
    options: pl.DataFrame
    shapley: pl.DataFrame
    focus: str
    sources: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)
    dynamic: dict[str, Any] | None = None

    # ------------------------------------------------------------------ renderers
    def total(self, option: str | None = None) -> float:
        """Total log-odds of ``option`` (default: the focus) relative to uniform."""
        k = option or self.focus
        return float(self.shapley.filter(pl.col("option") == k)["contribution"].sum())

    def to_dict(self) -> dict[str, Any]:
        return {
            "ccode": self.ccode,
            "state": self.state,
            "year": self.year,
            "filter": {"label": self.filter_label, "origin": self.filter_origin},
            "independent_variable": self.structural,
            "domestic_incentives": self.domestic,
            "perception": self.perception.to_dicts(),
            "options": self.options.to_dicts(),
            "focus": self.focus,
            "decomposition": self.shapley.to_dicts(),
            "sources": list(self.sources),
            "notes": list(self.notes),
            "dynamic": self.dynamic,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, default=str)

    def _sections(self) -> list[tuple[str, list[str], list[list[str]] | None, list[str] | None]]:
        s = self.structural
        iv_lines = [
            f"data year {s['data_year']}" + (" (carried forward)" if s.get("carried") else ""),
        ]
        for k in _STRUCT_KEYS:
            iv_lines.append(f"{k} = {s[k]:.4f}  ({_STRUCT_UNITS[k]})")
        src = ", ".join(
            f"{c.get('abb') or c['ccode']} {c['share']:.3f}" for c in s["threat_sources"][:8]
        )
        iv_lines.append(f"largest threat sources (share of pool): {src}")
        iv_lines.append(f"defence-pact allies: {', '.join(map(str, s['allies'])) or 'none'}")
        per = self.perception.filter(pl.col("change").abs() > 1e-12)
        per_rows = [
            [
                r["cluster"],
                r["quantity"],
                f"{r['before']:.4f}",
                f"{r['after']:.4f}",
                f"{r['change']:+.4f}",
            ]
            for r in per.iter_rows(named=True)
        ]
        d = self.domestic
        dom_lines = [
            f"{k} = {'no data' if d.get(k) is None else format(d[k], '.4f')}"
            for k in DOMESTIC_COLUMNS
        ]
        dom_lines.append(
            f"weighted vulnerability V = {d['weighted_vulnerability']:.4f}; "
            f"survival weight W = {d['survival_weight']:.3f}"
        )
        opt_rows = [
            [
                r["option"],
                f"{r['security']:+.4f}",
                f"{r['survival']:+.4f}",
                f"{r['resources']:+.4f}",
                f"{r['autonomy']:+.4f}",
                f"{r['capitulation']:+.4f}",
                f"{r['utility']:+.4f}",
                f"{r['p_neutral']:.3f}",
                f"{r['p_filter']:.3f}",
            ]
            for r in self.options.iter_rows(named=True)
        ]
        sh = self.shapley.filter(pl.col("option") == self.focus)
        total = self.total()
        sh_rows = [
            [
                r["layer"],
                f"{r['contribution']:+.4f}",
                "-" if r["share"] is None else f"{100 * r['share']:.1f}%",
            ]
            for r in sh.iter_rows(named=True)
        ]
        sh_rows.append(["total", f"{total:+.4f}", "100.0%"])
        return [
            ("1. Independent variable: distribution of power and threat", iv_lines, None, None),
            (
                "2. Intervening: what the perception filter changed",
                [] if per_rows else ["nothing (neutral filter)"],
                per_rows or None,
                ["cluster", "quantity", "before", "after", "change"],
            ),
            ("3. Intervening: domestic incentives", dom_lines, None, None),
            (
                "4. Dependent variable: options (utility components and probabilities)",
                [],
                opt_rows,
                [
                    "option",
                    "security",
                    "survival",
                    "resources",
                    "autonomy",
                    "capitul.",
                    "utility",
                    "P neutral",
                    "P filter",
                ],
            ),
            *self._dynamic_section(),
            (
                f"{6 if self.dynamic else 5}. Share of the decision: log-odds of '{self.focus}' "
                "against the rest (relative to all options equally likely)",
                [],
                sh_rows,
                ["layer", "log-odds (nats)", "share"],
            ),
        ]

    def _dynamic_section(
        self,
    ) -> list[tuple[str, list[str], list[list[str]] | None, list[str] | None]]:
        if not self.dynamic:
            return []
        d = self.dynamic
        lines = [
            f"status quo (last year's posture): {d['status_quo'] or 'not recorded'}",
            f"switching cost kappa_t = {d['kappa_t']:.3f} (kappa {d['kappa']:.3f} x (1 - "
            f"succession {d['succession']:.3f}))",
            f"weight of the filter's utilities beta = {d['beta']:.3f}",
            f"fitted on {d['fit_years']} ({d['n_obs']} years; MAP of a Laplace posterior)",
        ]
        rows = [
            [o, f"{ps:.3f}", f"{pd:.3f}", f"{pp:.3f}"]
            for o, ps, pd, pp in zip(
                d["options"], d["p_static"], d["p_map"], d["p_predictive"], strict=True
            )
        ]
        return [
            (
                "5. Dynamic decision: the status quo as reference point",
                lines,
                rows,
                ["option", "P filter (static)", "P dynamic (MAP)", "P dynamic (predictive)"],
            )
        ]

    def _title(self) -> str:
        code = f" ({self.ccode})" if self.ccode is not None else ""
        who = f"{self.state}{code}" if self.state else f"state{code}"
        return (
            f"Anatomy of a decision: {who}, {self.year} ({self.filter_label}; {self.filter_origin})"
        )

    def to_text(self) -> str:
        out = [self._title(), "=" * len(self._title())]
        for head, lines, rows, cols in self._sections():
            out += ["", head]
            out += [f"  {ln}" for ln in lines]
            if rows and cols:
                widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(cols)]
                out.append("  " + "  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True)))
                for r in rows:
                    out.append("  " + "  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)))
        out += ["", "Sources:"] + [f"  {s}" for s in self.sources]
        out += [f"note: {n}" for n in self.notes]
        return "\n".join(out) + "\n"

    def to_markdown(self) -> str:
        out = [f"# {self._title()}"]
        for head, lines, rows, cols in self._sections():
            out += ["", f"## {head}", ""]
            out += [f"- {ln}" for ln in lines]
            if rows and cols:
                out += ["", "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
                out += ["| " + " | ".join(r) + " |" for r in rows]
        out += ["", "## Sources", ""] + [f"- {s}" for s in self.sources]
        out += [f"\n*Note: {n}*" for n in self.notes]
        return "\n".join(out) + "\n"

    def to_html(self) -> str:
        e = html.escape
        out = [f"<article class='ncr-anatomy'><h1>{e(self._title())}</h1>"]
        for head, lines, rows, cols in self._sections():
            out.append(f"<h2>{e(head)}</h2>")
            if lines:
                out.append("<ul>" + "".join(f"<li>{e(ln)}</li>" for ln in lines) + "</ul>")
            if rows and cols:
                out.append(
                    "<table><thead><tr>"
                    + "".join(f"<th>{e(c)}</th>" for c in cols)
                    + "</tr></thead><tbody>"
                    + "".join(
                        "<tr>" + "".join(f"<td>{e(v)}</td>" for v in r) + "</tr>" for r in rows
                    )
                    + "</tbody></table>"
                )
        out.append("<h2>Sources</h2><ul>" + "".join(f"<li>{e(s)}</li>" for s in self.sources))
        out.append("</ul>" + "".join(f"<p><em>{e(n)}</em></p>" for n in self.notes))
        out.append("</article>")
        return "\n".join(out) + "\n"


def _logodds(p: np.ndarray) -> np.ndarray:
    q = np.clip(p, 1e-300, 1.0 - 1e-16)
    return np.asarray(np.log(q) - np.log1p(-q), dtype=np.float64)


def _coalitions(players: Sequence[str]) -> list[frozenset[str]]:
    return [
        frozenset(s) for r in range(len(players) + 1) for s in itertools.combinations(players, r)
    ]


def _coalition_probabilities(
    inputs_row: pl.DataFrame, filt: PerceptionFilter, options: OptionSet
) -> dict[frozenset[str], np.ndarray]:
    """Choice probabilities of one year with the players of each coalition of :data:`PLAYERS`
    at the filter's values and the others neutral."""
    X_on = design_matrix(inputs_row, filt)
    X_off = design_matrix(inputs_row, filt.with_cluster_off("leader_images"))
    coalitions = _coalitions(PLAYERS)
    filters = {c: filt.with_clusters_off([p for p in PLAYERS if p not in c]) for c in coalitions}
    probs: dict[frozenset[str], np.ndarray] = {}
    for with_li in (True, False):
        group = [c for c in coalitions if ("leader_images" in c) == with_li]
        theta = np.stack([filters[c].to_theta() for c in group])
        p = choice_probabilities(X_on if with_li else X_off, theta, options=options)[:, 0, :]
        for c, pc in zip(group, p, strict=True):
            probs[c] = pc
    return probs


def _shapley_table(
    lo: dict[frozenset[str], np.ndarray],
    names: Sequence[str],
    players: Sequence[str],
    focus: str | None,
    p_full: np.ndarray,
) -> tuple[pl.DataFrame, str]:
    """The layer bookkeeping of :func:`anatomy` and :func:`dynamic_anatomy`.

    ``lo`` maps every coalition of ``players`` to the log-odds of each option. The **system**
    layer of option k is L_k(neutral coalition) - log(1/(K - 1)); each player's layer is its
    Shapley value (:func:`shapley_values`) of the gain L_k(C) - L_k(neutral), so the layers add
    up to L_k(all players) - log(1/(K - 1)). Returns the table (``option``, ``layer``,
    ``contribution``, ``share`` of the total) with the ``focus`` option first (default: the
    most probable under ``p_full``), and that option's name.
    """
    names = list(names)
    focus_name = focus if focus is not None else names[int(np.argmax(p_full))]
    if focus_name not in names:
        raise InputError(f"unknown option '{focus_name}'; known: {names}")
    k = len(names)
    base = math.log(1.0 / (k - 1)) if k > 1 else 0.0
    empty = frozenset[str]()
    rows = []
    for j, name in enumerate(names):
        value = {c: float(lo[c][j] - lo[empty][j]) for c in lo}
        phi = shapley_values(value, players)
        system = float(lo[empty][j] - base)
        total = system + sum(phi.values())
        for layer in ("system", *players):
            v = system if layer == "system" else phi[layer]
            rows.append(
                {
                    "option": name,
                    "layer": layer,
                    "contribution": v,
                    "share": (v / total) if abs(total) > 1e-12 else None,
                }
            )
    order = [focus_name] + [n for n in names if n != focus_name]
    shap = (
        pl.DataFrame(
            rows,
            schema={
                "option": pl.Utf8,
                "layer": pl.Utf8,
                "contribution": pl.Float64,
                "share": pl.Float64,
            },
        )
        .with_columns(pl.col("option").replace_strict(order, list(range(len(order)))).alias("_o"))
        .sort("_o", maintain_order=True)
        .drop("_o")
    )
    return shap, focus_name


def anatomy(
    inputs_row: pl.DataFrame,
    filt: PerceptionFilter,
    *,
    options: OptionSet = DEFAULT_OPTIONS,
    focus: str | None = None,
    sources: Sequence[str] = (),
) -> Anatomy:
    """The anatomy of one decision (see the module docstring).

    ``inputs_row``: one row of :func:`~ncrealism.decision.inputs.build_inputs`; ``filt``: the
    filter of that year; ``focus``: the option whose log-odds are shown first (default: the
    most probable under ``filt``); ``sources``: descriptions of the data files used.
    """
    if inputs_row.height != 1:
        raise InputError(f"anatomy needs one inputs row (one year), got {inputs_row.height}")
    row = inputs_row.row(0, named=True)
    year = int(row["year"])
    X_on = design_matrix(inputs_row, filt)
    probs = _coalition_probabilities(inputs_row, filt, options)
    p_full = probs[frozenset(PLAYERS)]
    p_neutral = probs[frozenset()]
    k = len(options)
    lo = {c: _logodds(p) for c, p in probs.items()}
    shap, focus_name = _shapley_table(lo, options.names, PLAYERS, focus, p_full)
    comp = utilities(X_on, filt.to_theta(), options=options, components=True)[:, 0, 0, :]
    u = comp.sum(axis=0)
    opt_frame = pl.DataFrame(
        {
            "option": list(options.names),
            "security": comp[0],
            "survival": comp[1],
            "resources": comp[2],
            "autonomy": comp[3],
            "capitulation": comp[4],
            "utility": u,
            "p_uniform": np.full(k, 1.0 / k),
            "p_neutral": p_neutral,
            "p_filter": p_full,
        }
    )
    structural = {kk: row.get(kk) for kk in ("data_year", "carried", *_STRUCT_KEYS)}
    structural["threat_sources"] = sorted(
        row.get("threat_sources") or [], key=lambda s: -float(s["share"])
    )
    structural["allies"] = list(row.get("allies") or [])
    structural_q = {f: float(X_on[0, i]) for i, f in enumerate(FEATURES)}
    structural["threat_misperceived"] = structural_q["threat_misperceived"]
    from ncrealism.perception.functions import perceive

    env = perceive(structural_q, filt.values)
    domestic = {kk: row.get(kk) for kk in DOMESTIC_COLUMNS}
    domestic["weighted_vulnerability"] = float(np.asarray(env["vulnerability"]).reshape(-1)[0])
    domestic["survival_weight"] = float(np.asarray(env["survival_weight"]).reshape(-1)[0])
    per = trace({kk: np.array([v]) for kk, v in structural_q.items()}, filt, years=[year])
    notes = []
    if row.get("carried"):
        notes.append("some data sources end before the data year; their last year was used")
    return Anatomy(
        ccode=row.get("ccode"),
        year=year,
        state=filt.state,
        filter_label=filt.label,
        filter_origin=filt.origin,
        structural=structural,
        domestic=domestic,
        perception=per,
        options=opt_frame,
        shapley=shap,
        focus=focus_name,
        sources=tuple(sources),
        notes=tuple(notes),
    )


#: Players of the dynamic decomposition: the filter's players, the status quo (inertia) and the
#: base propensities with last year's acts.
DYNAMIC_PLAYERS: tuple[str, ...] = (*PLAYERS, "inertia", "propensity")
DYNAMIC_LAYERS: tuple[str, ...] = ("system", *DYNAMIC_PLAYERS)


def dynamic_anatomy(
    inputs_row: pl.DataFrame,
    filt: PerceptionFilter,
    fit: DynamicFit,
    status_quo: str | None,
    *,
    events: Sequence[float] | None = None,
    predictive: Sequence[float] | None = None,
    options: OptionSet = DEFAULT_OPTIONS,
    focus: str | None = None,
    sources: Sequence[str] = (),
    fit_years: tuple[int, int] | None = None,
) -> Anatomy:
    """The anatomy of one *dynamic* decision (:mod:`ncrealism.decision.dynamic`).

    The static chain (IV, perception, domestic incentives, options) is that of :func:`anatomy`;
    the decision is the dynamic model's at the MAP of ``fit``, with ``status_quo`` (last
    period's posture; None when unrecorded) as reference point. ``events``: the row's lagged
    log-counts in the order of ``fit.spec.events``; ``predictive``: the posterior-predictive
    probabilities to show beside the MAP ones (default: the MAP ones).

    Decomposition. V_C = beta z_C + [kappa_t 1(k = s) if inertia in C] + [alpha_k + gamma e
    if propensity in C], with z_C the centred log-probabilities of the filter restricted to the
    filter players in C (others neutral). The **system** layer is L_k(softmax(beta z_neutral))
    - log(1/(K - 1)); the Shapley values (Shapley 1953) over the seven players
    :data:`DYNAMIC_PLAYERS` share the rest, so the layers add up exactly to L_k(P_dynamic) -
    log(1/(K - 1)), inertia being a layer of its own.
    """
    from ncrealism.decision.dynamic import design

    base_an = anatomy(inputs_row, filt, options=options, focus=focus, sources=sources)
    spec = fit.spec
    if tuple(spec.options) != tuple(options.names):
        raise InputError(f"the fit's options {spec.options} are not {options.names}")
    if spec.system:
        raise InputError("dynamic_anatomy explains a filter-driven fit (no free system effects)")
    names = list(options.names)
    sq = np.array([names.index(status_quo) if status_quo is not None else -1], dtype=np.int64)
    row = inputs_row.row(0, named=True)
    reset = float(row.get("succession") or 0.0)
    ev = np.zeros((1, len(spec.events)))
    if spec.events:
        if events is None or len(events) != len(spec.events):
            raise InputError(f"the fit reads lagged events {list(spec.events)}: give them")
        ev[0] = np.asarray(events, dtype=np.float64)
    probs = _coalition_probabilities(inputs_row, filt, options)
    theta = fit.theta
    pnames = list(fit.names)
    inertia_idx = [pnames.index("kappa")] if "kappa" in pnames else []
    prop_idx = [i for i, n in enumerate(pnames) if n.startswith(("alpha[", "gamma["))]
    lo: dict[frozenset[str], np.ndarray] = {}
    p_dyn: dict[frozenset[str], np.ndarray] = {}
    for c in _coalitions(DYNAMIC_PLAYERS):
        pc = probs[frozenset(p for p in c if p in PLAYERS)]
        lp = np.log(np.clip(pc, 1e-300, None))
        z = (lp - lp.mean())[None, :]
        D = design(spec, z, sq, reset=np.array([reset]), events=ev)[0]
        th = theta.copy()
        if "inertia" not in c:
            th[inertia_idx] = 0.0
        if "propensity" not in c:
            th[prop_idx] = 0.0
        p = softmax(D @ th)
        p_dyn[c] = p
        lo[c] = _logodds(p)
    p_map = p_dyn[frozenset(DYNAMIC_PLAYERS)]
    shap, focus_name = _shapley_table(lo, names, DYNAMIC_PLAYERS, focus, p_map)
    kappa = float(theta[inertia_idx[0]]) if inertia_idx else 0.0
    dyn = {
        "status_quo": status_quo,
        "kappa": kappa,
        "succession": reset,
        "kappa_t": kappa * (1.0 - min(1.0, max(0.0, reset))),
        "beta": float(theta[pnames.index("beta")]) if "beta" in pnames else 0.0,
        "fit_years": list(fit_years) if fit_years else None,
        "n_obs": fit.n_obs,
        "options": names,
        "p_static": [float(v) for v in probs[frozenset(PLAYERS)]],
        "p_map": [float(v) for v in p_map],
        "p_predictive": [float(v) for v in (predictive if predictive is not None else p_map)],
        "parameters": {n: float(t) for n, t in zip(fit.names, theta, strict=True)},
    }
    return dataclasses.replace(
        base_an,
        shapley=shap,
        focus=focus_name,
        dynamic=dyn,
        filter_label=f"{base_an.filter_label}; dynamic model",
    )
