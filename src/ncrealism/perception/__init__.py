"""Perception: the intervening variables of neoclassical realism as a composable filter.

:class:`PerceptionFilter` (frozen; :meth:`~PerceptionFilter.neutral`,
:meth:`~PerceptionFilter.with_cluster_off`) holds one bounded, cited parameter per mechanism,
grouped in Ripsman, Taliaferro & Lobell's (2016) four clusters; :func:`load_profile` reads a
state's profile (TOML data files shipped in ``profiles/``); :mod:`.functions` implements the
mechanisms (:func:`perceived_threat`, :func:`assurance_credibility`, ...); :func:`trace`
records what each cluster changed.
"""

from ncrealism.perception.filter import (
    CLUSTERS,
    PARAM_NAMES,
    PARAMS,
    ParamSpec,
    PerceptionFilter,
    Prior,
)
from ncrealism.perception.functions import (
    assurance_credibility,
    perceive,
    perceived_ally_support,
    perceived_threat,
    residual_threat,
)
from ncrealism.perception.profiles import (
    filters_for,
    list_profiles,
    load_profile,
    read_profile,
    shipped_profiles,
)
from ncrealism.perception.trace import trace

__all__ = [
    "CLUSTERS",
    "PARAMS",
    "PARAM_NAMES",
    "ParamSpec",
    "PerceptionFilter",
    "Prior",
    "assurance_credibility",
    "filters_for",
    "list_profiles",
    "load_profile",
    "perceive",
    "perceived_ally_support",
    "perceived_threat",
    "read_profile",
    "residual_threat",
    "shipped_profiles",
    "trace",
]
