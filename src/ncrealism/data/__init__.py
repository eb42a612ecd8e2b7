"""ncrealism.data: verified datasets, typed loaders and unit frames.

The verbs follow peacesciencer (Miller 2022): build a frame of units, then add columns to it
without changing its rows::

    from ncrealism import data

    sy = data.create_stateyears(system="cow", years=(1990, 2016))
    sy = data.add_nmc(sy)
    sy = data.add_polity(sy)
    sy.to_pandas()

Files are obtained through :class:`DataSource` (mirror → cache → verified download).
"""

from ncrealism.data.economy import add_gdp, add_maddison, add_population
from ncrealism.data.fetch import DataSource, ResolvedFile
from ncrealism.data.frames import (
    UnitFrame,
    add_alliances,
    add_contiguity,
    add_distance,
    add_major_powers,
    add_nmc,
    create_dyadyears,
    create_stateyears,
)
from ncrealism.data.milex import add_sipri_milex
from ncrealism.data.nmc import load_nmc
from ncrealism.data.nuclear import add_nuclear
from ncrealism.data.regime import add_polity, add_vdem
from ncrealism.data.registry import load_registry
from ncrealism.data.unga import add_ideal_points

__all__ = [
    "DataSource",
    "ResolvedFile",
    "UnitFrame",
    "add_alliances",
    "add_contiguity",
    "add_distance",
    "add_gdp",
    "add_ideal_points",
    "add_maddison",
    "add_major_powers",
    "add_nmc",
    "add_nuclear",
    "add_polity",
    "add_population",
    "add_sipri_milex",
    "add_vdem",
    "create_dyadyears",
    "create_stateyears",
    "load_nmc",
    "load_registry",
]
