"""Small valid samples of every file ncrealism reads, written here from hand-made rows.

Each follows its publisher's layout (a few states, a few years) and is accepted by its reader;
the fuzz tests mutate them and the catalogue breaks them on purpose. Nothing here comes from
the shared data folder.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

EVENTS = (
    "date,date_precision,year,event,category,subtype,counterparts,source_url,"
    "source_secondary,signed_document,confidence,origin,notes\n"
    "1993-03-12,day,1993,NPT withdrawal announced,nuclear_development,npt,US,"
    "http://example.org,,0,high,record,\n"
    "1994-10-21,day,1994,Agreed Framework signed,agreement,framework,US,"
    "http://example.org,,1,high,record,\n"
)
NEGOTIATIONS = (
    "episode_id,framework,round_phase,start_date,end_date,location,parties,dprk_demands,"
    "dprk_offers,others_demands,outcome,agreement_name,agreement_date,held_until,held_days,"
    "held_until_event,sources,confidence,notes\n"
    "AF-1994,bilateral,final,1994-09-23,1994-10-21,Geneva,US;DPRK,LWR,freeze,inspections,"
    "agreement,Agreed Framework,1994-10-21,2002-10-21,2922,HEU dispute,src,high,\n"
)

# Hand-made rows in each publisher's layout (a few states, a few years).
NMC_CSV = (
    "stateabb,ccode,year,milex,milper,irst,pec,tpop,upop,cinc,version\n"
    "PRK,731,1994,5660000,1100,1500,35343,21734,7764,0.011371,2021\n"
    "ROK,732,1994,14000000,633,33745,160000,44453,35000,0.0226,2021\n"
)
COW_STATES = (
    "stateabb,ccode,statenme,styear,stmonth,stday,endyear,endmonth,endday,version\n"
    "PRK,731,North Korea,1948,9,9,2016,12,31,2016\n"
    "ROK,732,South Korea,1949,1,1,2016,12,31,2016\n"
)
COW_SYSTEM = (
    "stateabb,ccode,year,version\nPRK,731,1990,2016\nPRK,731,1991,2016\nROK,732,1990,2016\n"
)
COW_MAJORS = (
    "stateabb,ccode,styear,stmonth,stday,endyear,endmonth,endday,version\n"
    "USA,2,1898,8,13,2016,12,31,2016\nCHN,710,1950,1,1,2016,12,31,2016\n"
)
COW_CODES = "StateAbb,CCode,StateNme\rUSA,2,United States of America\rPRK,731,North Korea\r"
GW_STATES = (
    "731\tPRK\tKorea, People's Republic of\t09:09:1948\t31:12:2017\n"
    "732\tROK\tKorea, Republic of\t15:08:1948\t31:12:2017\n"
)
ALLIANCE_MEMBERS = (
    "version4id,ccode,state_name,ss_type,mem_st_day,mem_st_month,mem_st_year,mem_end_day,"
    "mem_end_month,mem_end_year,left_censor,right_censor,defense,neutrality,nonaggression,"
    "entente,year,version\n"
    '7,731,"PRK","Type I: Defense Pact",11,7,1961,1,1,1962,0,0,1,0,1,1,1961,4.1\n'
    '7,731,"PRK","Type I: Defense Pact",11,7,1961,1,1,1962,0,0,1,0,1,1,1962,4.1\n'
    '7,710,"CHN","Type I: Defense Pact",11,7,1961,,,1961,1,0,1,0,1,1,1961,4.1\n'
)
ALLIANCE_DYADS = (
    "version4id,ccode1,state_name1,ccode2,state_name2,dyad_st_day,dyad_st_month,dyad_st_year,"
    "dyad_end_day,dyad_end_month,dyad_end_year,left_censor,right_censor,defense,neutrality,"
    "nonaggression,entente,asymmetric,version\n"
    '7,710,"CHN",731,"PRK",11,7,1961,,,,0,1,1,0,1,1,0,4.1\n'
    '8,2,"USA",732,"ROK",1,10,1953,31,12,2012,0,1,1,0,0,1,0,4.1\n'
)
CONTIGUITY = (
    "dyad,state1no,state1ab,state2no,state2ab,year,conttype,version\n"
    "731732,731,PRK,732,ROK,1994,1,3.2\n732731,732,ROK,731,PRK,1994,1,3.2\n"
    "731740,731,PRK,740,JPN,1994,4,3.2\n"
)
CAPDIST = (
    "numa,ida,numb,idb,kmdist,midist\r\n731,PRK,732,ROK,195,121\r\n"
    "732,ROK,731,PRK,195,121\r\n731,PRK,740,JPN,1290,802\r\n"
)
CAPITALS = (
    "ccode,gwcode,statenme,capital,styear,endyear\n"
    "731,731,North Korea,Pyongyang,1948,2020\n732,732,South Korea,Seoul,1948,2020\n"
    "2,2,United States of America,Washington,1816,2020\n"
)
WB_WIDE = (
    '"Data Source","World Development Indicators",\r\n\r\n'
    '"Country Name","Country Code","Indicator Name","Indicator Code","1990","1991",\r\n'
    '"Korea, Dem. People\'s Rep.","PRK","Population, total","SP.POP.TOTL","20293054","",\r\n'
    '"Japan","JPN","Population, total","SP.POP.TOTL","123537000","124101000",\r\n'
)
WB_LONG = "Country Name,Country Code,Year,Value\r\nJapan,JPN,1990,123537000\r\nJapan,JPN,1991,1\r\n"
NUCLEAR_STATUS = (
    "country_name,year,nuclear_weapons_status,nuclear_weapons_consideration,"
    "nuclear_weapons_pursuit,nuclear_weapons_possession\n"
    "North Korea,1990,2,0,1,0\nNorth Korea,2006,3,0,0,1\nJapan,2006,0,0,0,0\n"
)
NUCLEAR_TESTS = "country_name,year,nuclear_weapons_tests\nNorth Korea,2006,1\nNorth Korea,2009,1\n"
NUCLEAR_STOCKPILES = (
    "country_name,year,nuclear_weapons_stockpile\nNorth Korea,2006,2\nNorth Korea,2009,4\n"
)
POLITY = (
    "ccode,scode,country,year,democ,autoc,polity,polity2,durable\n"
    "731,PRK,Korea North,1990,0,10,-10,-10,42\n"
    "732,ROK,Korea South,1990,6,0,6,6,2\n"
    "732,ROK,Korea South,1991,-88,-88,-88,6,\n"
)
VDEM = (
    "Entity,Code,Year,Electoral democracy index\n"
    "North Korea,PRK,1990,0.012\nSouth Korea,KOR,1990,0.61\n"
)
UNGA = (
    '"","ccode","session","NVotesAll","IdealPointAll","iso3c","Countryname",'
    '"USAgree","RUSSAgree","ChinaAgree"\n'
    '"1",731,46,60,-1.2,"PRK","North Korea",0.1,0.6,0.8\n'
    '"2",732,46,60,0.4,"KOR","South Korea",0.5,0.3,NA\n'
)
CNS = {
    "timeBins": [
        {
            "year": 2006,
            "data": [
                {
                    "date": "2006-07-05",
                    "time": "04:59",
                    "series": 1,
                    "missile": "Taepodong-2",
                    "facility": "Musudan-ri",
                    "landing": "Sea of Japan",
                    "apogee": "unknown",
                    "distance": 499,
                    "bearing": "",
                    "outcome": "Failure",
                    "description": "first test",
                },
                {"date": "2006-07", "series": 1, "outcome": "success", "apogee": 100.5},
            ],
        }
    ]
}
MADDISON_ROWS: list[list[Any]] = [
    ["countrycode", "country", "year", "gdppc", "pop"],
    ["PRK", "D.P.R. of Korea", 1990, 2841.0, 20019.0],
    ["KOR", "Republic of Korea", 1990, 12087.0, 42869.0],
]
SIPRI_ROWS: list[list[Any]] = [
    ["Military expenditure by country"],
    ['". ." = data unavailable.'],
    [],
    ["Country", "Notes", 1990, 1991],
    ["Asia"],
    ["Korea, North", None, "xxx", ". ."],
    ["Japan", None, 40000.5, 41000],
]
NMC_RDA: dict[str, list[Any]] = {
    "ccode": [731.0, 732.0],
    "year": [1994.0, 1994.0],
    "milex": [5660000.0, 14000000.0],
    "milper": [1100.0, 633.0],
    "irst": [1500.0, 33745.0],
    "pec": [35343.0, float("nan")],
    "tpop": [21734.0, 44453.0],
    "upop": [7764.0, 35000.0],
    "cinc": [0.011371, 0.0226],
}
MINDIST_RDA: dict[str, list[Any]] = {
    "ccode1": [731.0, 731.0],
    "ccode2": [732.0, 740.0],
    "year": [1994.0, 1994.0],
    "mindist": [0.0, 150.5],
}


def xlsx(sheets: dict[str, list[list[Any]]]) -> bytes:
    """A workbook with one sheet per entry, written in memory."""
    import openpyxl

    wb = openpyxl.Workbook()
    first = True
    for title, rows in sheets.items():
        ws = wb.active if first else wb.create_sheet()
        assert ws is not None
        ws.title = title
        first = False
        for r in rows:
            ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def rda(name: str, columns: dict[str, list[Any]]) -> bytes:
    """An R data file holding one data frame, as peacesciencer ships them (uncompressed)."""
    import pandas as pd
    import pyreadr

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.rda"
        pyreadr.write_rdata(str(path), pd.DataFrame(columns), df_name=name)
        return path.read_bytes()


def maddison(rows: list[list[Any]]) -> bytes:
    return xlsx({"Full data": rows})


def sipri(rows: list[list[Any]]) -> bytes:
    return xlsx({"Constant (2022) US$": rows, "Current US$": rows})


def crosswalk(path: Path) -> object:
    """The COW/ISO3/G&W crosswalk built with ``path`` as one of its files (named ``*-cow.csv``,
    ``*-unga.csv`` or ``*-capitals.csv``) and valid samples as the others."""
    from ncrealism.data import codes

    folder = path.parent
    files = {"cow": COW_CODES, "unga": UNGA, "capitals": CAPITALS}
    role = path.stem.rsplit("-", 1)[-1]
    paths = {}
    for name, text in files.items():
        paths[name] = path if name == role else folder / f"ok-{name}.csv"
        if name != role:
            paths[name].write_text(text, "utf-8")
    return codes._build(paths["cow"], paths["unga"], paths["capitals"])


def data_readers() -> dict[str, Callable[[Path], object]]:
    """Every reader of a published data set (``ncrealism.data``), by name."""
    from ncrealism.data import (
        alliances,
        contiguity,
        distance,
        economy,
        events,
        milex,
        nmc,
        nuclear,
        regime,
        states,
        unga,
    )

    return {
        "nmc-csv": nmc.read_nmc_csv,
        "nmc-rda": nmc.read_nmc_rda,
        "cow-states": states.read_states,
        "cow-system": states.read_system,
        "cow-majors": states.read_majors,
        "cow-codes": states.read_cow_codes,
        "gw-states": states.read_gw_states,
        "alliance-members": alliances.read_alliance_member_years,
        "alliance-dyads": alliances.read_alliance_dyads,
        "contiguity": contiguity.read_contiguity_directed,
        "capdist": distance.read_capdist,
        "capitals": distance.read_capitals,
        "mindist-rda": distance.read_mindist,
        "world-bank": economy.read_wb,
        "maddison-xlsx": economy.read_maddison,
        "sipri-xlsx": lambda p: milex.read_sipri_milex(p, "current_usd"),
        "nuclear-status": nuclear.read_nuclear_status,
        "nuclear-tests": nuclear.read_nuclear_tests,
        "nuclear-stockpiles": nuclear.read_nuclear_stockpiles,
        "polity5": regime.read_polity,
        "v-dem": regime.read_vdem,
        "unga-ideal-points": unga.read_ideal_points,
        "cns-missile-tests": events.read_missile_tests,
    }
