"""Foreign-policy options: an extensible registry, with the five postures of the record as default.

An :class:`Option` says how the perceived environment (the dict of arrays returned by
:func:`ncrealism.perception.functions.perceive`) turns into the option's payoff components:

* ``security``: a lottery over security changes x (share of the perceived threat removed,
  positive, or added, negative), given as a list of (probability, outcome) pairs of arrays;
* ``resources``: aid, subsidies, sanctions relief or sanctions cost (utility units, -1 .. 1);
* ``survival``: the option's effect on regime survival per unit of (weighted) vulnerability;
* ``autonomy``: +1 keeps autonomy, -1 creates dependence (valued by ``autonomy_value``);
* ``capitulation``: 1 for a visible concession (priced by ``capitulation_aversion``).

Utility (:mod:`ncrealism.decision.model`):

    U_k = 2 / (W + 1) * ( W [ sum_o pi_o v(x_o - rho) + V g_k ] + R_k + a aut_k - c cap_k )

with W the survival weight (1 + survival priority), v the prospect-theory value function,
rho the reference point, V the weighted regime vulnerability, a and c the strategic-culture
weights. Under the neutral filter W = 1, v(x) = x, rho = V = a = c = 0: U_k = E[x_k] + R_k.

Default options (T perceived threat, A ally support, q credibility of assurances, e
effectiveness of internal balancing, p probability that coercion succeeds, f discount of
deferred benefits, s sanctions, i inducements, nu nuclear latency):

====================  ==========================  ======================  ===========  ====  ====
option                security x                  resources R             survival g   aut   cap
====================  ==========================  ======================  ===========  ====  ====
internal_balancing    e T                         -s                      -1/2         +1    0
external_balancing    A T                         A / 2                   A            -1    0
engagement            f q T / 2                   f i                     1            0     0
accommodation         f q T - (1 - q) nu T / 2    f min(1, i + s)         1            -1    1
brinkmanship          p: +T/2 ; 1 - p: -T/2       p i - (1 - p) s         p            +1    0
====================  ==========================  ======================  ===========  ====  ====

Sources of each form: internal and external balancing, Walt (1987) and Waltz (1979): security
from own arms (effectiveness e, Schweller 2004's ability and the cheap nuclear substitute) or
from allies (support A). Engagement and accommodation: assurances are worth their credibility
q (Powell 2006, commitment problems) and arrive later (discount f); accommodation gives up
part of the latent deterrent if the assurance is not kept (Powell 2006). Aid and sanctions
relief from talks (i, s) are near-term and do not hinge on the credibility of long-term
assurances; they are what a vulnerable regime needs, hence survival g = 1 for both (Byman &
Lind 2010; THEORY section 6: engagement is valuable when vulnerability is high). Brinkmanship: the
manipulation of risk (Schelling 1966; Powell 2015), a gamble whose odds p rise with usable
power and nuclear latency. Resources: inducements on offer (i) and sanctions (s). The
coefficients 1/2 are conventions of this library, set before any fitting.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ncrealism.data.records import POSTURES
from ncrealism.errors import InputError

__all__ = [
    "DEFAULT_OPTIONS",
    "Lottery",
    "Option",
    "OptionSet",
    "default_options",
]

Array = NDArray[np.float64]
Env = Mapping[str, Array]
#: A lottery: (probability, outcome) pairs of broadcastable arrays; probabilities sum to 1.
Lottery = list[tuple[Array, Array]]


@dataclass(frozen=True)
class Option:
    """A foreign-policy option (see the module docstring for the components)."""

    name: str
    description: str
    security: Callable[[Env], Lottery]
    resources: Callable[[Env], Array]
    survival: Callable[[Env], Array]
    autonomy: float = 0.0
    capitulation: float = 0.0
    theory: str = ""


def _one(x: Array) -> Lottery:
    return [(np.ones_like(x), x)]


def _ib_security(v: Env) -> Lottery:
    return _one(v["effectiveness"] * v["threat"])


def _eb_security(v: Env) -> Lottery:
    return _one(v["ally_support"] * v["threat"])


def _en_security(v: Env) -> Lottery:
    return _one(0.5 * v["deferred"] * v["credibility"] * v["threat"])


def _ac_security(v: Env) -> Lottery:
    q = v["credibility"]
    t = v["threat"]
    return _one(v["deferred"] * q * t - 0.5 * (1.0 - q) * v["nuclear_latency"] * t)


def _br_security(v: Env) -> Lottery:
    p = v["coercion_success"]
    t = v["threat"]
    return [(p, 0.5 * t), (1.0 - p, -0.5 * t)]


def _zeros_like_threat(v: Env) -> Array:
    return np.zeros_like(v["threat"])


def default_options() -> tuple[Option, ...]:
    """The five postures of the training record, in :data:`ncrealism.data.records.POSTURES`
    order."""
    opts = {
        "internal_balancing": Option(
            "internal_balancing",
            "arm: raise own military (incl. nuclear and missile) capability",
            _ib_security,
            lambda v: -v["sanctions"],
            lambda v: np.full_like(v["threat"], -0.5),
            autonomy=1.0,
            theory="Waltz 1979; Walt 1987; Schweller 2004 (cheap balancing)",
        ),
        "external_balancing": Option(
            "external_balancing",
            "align: lean on a patron or ally",
            _eb_security,
            lambda v: 0.5 * v["ally_support"] * np.ones_like(v["threat"]),
            lambda v: v["ally_support"] * np.ones_like(v["threat"]),
            autonomy=-1.0,
            theory="Walt 1987 (balance of threat)",
        ),
        "engagement": Option(
            "engagement",
            "talk: negotiate and trade for assurances and aid without concessions",
            _en_security,
            lambda v: v["deferred"] * v["inducements"],
            lambda v: np.ones_like(v["threat"]),
            theory="Powell 2006 (commitment problems); Byman & Lind 2010",
        ),
        "accommodation": Option(
            "accommodation",
            "concede: freeze, inspections, disablement in exchange for assurances",
            _ac_security,
            lambda v: v["deferred"] * np.minimum(1.0, v["inducements"] + v["sanctions"]),
            lambda v: np.ones_like(v["threat"]),
            autonomy=-1.0,
            capitulation=1.0,
            theory="Powell 2006; Fearon 1995",
        ),
        "brinkmanship": Option(
            "brinkmanship",
            "raise the risk of war (tests, withdrawal notices, threats) to extract concessions",
            _br_security,
            lambda v: (
                v["coercion_success"] * v["inducements"]
                - (1.0 - v["coercion_success"]) * v["sanctions"]
            ),
            lambda v: v["coercion_success"] * np.ones_like(v["threat"]),
            autonomy=1.0,
            theory="Schelling 1966; Powell 2015",
        ),
    }
    return tuple(opts[n] for n in POSTURES)


class OptionSet(Sequence[Option]):
    """An ordered, name-unique set of options; extend it with :meth:`with_option`."""

    def __init__(self, options: Iterable[Option]) -> None:
        opts = tuple(options)
        names = [o.name for o in opts]
        if len(set(names)) != len(names):
            raise InputError(f"option names must be unique, got {names}")
        if not opts:
            raise InputError("an option set needs at least one option")
        self._opts = opts

    def __len__(self) -> int:
        return len(self._opts)

    def __getitem__(self, i: int) -> Option:  # type: ignore[override]
        return self._opts[i]

    def __iter__(self) -> Iterator[Option]:
        return iter(self._opts)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(o.name for o in self._opts)

    def index(self, name: str) -> int:  # type: ignore[override]
        try:
            return self.names.index(name)
        except ValueError:
            raise InputError(f"unknown option '{name}'; known: {list(self.names)}") from None

    def with_option(self, option: Option) -> OptionSet:
        """A new set with ``option`` appended (or replacing the option of the same name)."""
        kept = [o for o in self._opts if o.name != option.name]
        return OptionSet([*kept, option])

    def without(self, name: str) -> OptionSet:
        """A new set without option ``name``."""
        self.index(name)
        return OptionSet([o for o in self._opts if o.name != name])


#: The default option set: internal_balancing, external_balancing, engagement, accommodation,
#: brinkmanship.
DEFAULT_OPTIONS: OptionSet = OptionSet(default_options())
