"""Names people use in their exports: offense aliases, column aliases, month formats."""

from __future__ import annotations

import calendar
import datetime as dt
import re

from metrics.offenses import VOCABULARY


def normalise(text: str) -> str:
    """Lower case, punctuation to spaces, single spaces: “Agg. Assault” → “agg assault”."""
    text = text.casefold().replace("&", " and ")
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


_OFFENSE_ALIASES: dict[str, list[str]] = {
    "homicide": [
        "homicides",
        "murder",
        "murders",
        "murder and nonnegligent manslaughter",
        "murder nonnegligent manslaughter",
        "criminal homicide",
        "criminal homicides",
    ],
    "rape": ["rapes", "forcible rape", "rape legacy", "rape revised"],
    "robbery": ["robberies", "rob"],
    "aggravated_assault": [
        "agg assault",
        "agg assaults",
        "aggravated assaults",
        "agg aslt",
        "aggravated asslt",
        "agg asslt",
    ],
    "violent_crime": [
        "violent",
        "violent crimes",
        "violent total",
        "total violent",
        "part 1 violent",
    ],
    "nonfatal_shooting_victims": [
        "non fatal shooting victims",
        "nonfatal shooting victim",
        "nfs victims",
        "nonfatal victims",
        "shooting victims nonfatal",
    ],
    "nonfatal_shooting_incidents": [
        "nonfatal shootings",
        "non fatal shootings",
        "nonfatal shooting",
        "non fatal shooting",
        "non fatal shooting incidents",
        "nfs incidents",
    ],
    "fatal_shooting_incidents": ["fatal shootings", "fatal shooting", "fatal shooting incident"],
    "shots_fired": ["shots fired incidents", "shot fired", "shots fired calls", "shotsfired"],
    "burglary": ["burglaries", "breaking and entering", "b and e"],
    "larceny": ["larcenies", "larceny theft", "theft", "thefts"],
    "motor_vehicle_theft": [
        "motor vehicle thefts",
        "auto theft",
        "auto thefts",
        "vehicle theft",
        "vehicle thefts",
        "mvt",
        "stolen vehicles",
    ],
}

OFFENSE_LOOKUP: dict[str, str] = {}
for _term in VOCABULARY:
    OFFENSE_LOOKUP[normalise(_term.code)] = _term.code
    OFFENSE_LOOKUP[normalise(_term.name)] = _term.code
    for _alias in _OFFENSE_ALIASES.get(_term.code, []):
        OFFENSE_LOOKUP[normalise(_alias)] = _term.code


def offense_code(text: str) -> str | None:
    """The offense code a name stands for, or None."""
    return OFFENSE_LOOKUP.get(normalise(text))


_MONTHS = {normalise(m): i for i, m in enumerate(calendar.month_name) if m}
_MONTHS.update({normalise(m): i for i, m in enumerate(calendar.month_abbr) if m})
_MONTHS["sept"] = 9

_ISO = re.compile(
    r"^(\d{4})[-/.](\d{1,2})(?:[-/.](\d{1,2}))?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_US = re.compile(r"^(\d{1,2})/(?:(\d{1,2})/)?(\d{4})$")
_NAMED = re.compile(r"^([a-z]+)[ \-,.]*(\d{4})$")
_NAMED_REV = re.compile(r"^(\d{4})[ \-,.]*([a-z]+)$")


def parse_month(text: str) -> dt.date | None:
    """First day of the month written as 2024-03, 2024-03-01, Mar 2024, March 2024, 3/2024,
    03/01/2024 or 2024-03-01 00:00:00 (as Excel dates arrive); None when it is not a month."""
    raw = text.strip()
    year = month = None
    if m := _ISO.match(raw):
        year, month = int(m.group(1)), int(m.group(2))
        day = int(m.group(3) or 1)
    elif m := _US.match(raw):
        month, year = int(m.group(1)), int(m.group(3))
        day = int(m.group(2) or 1)
    else:
        low = normalise(raw)
        m = _NAMED.match(low.replace(" ", " ")) or None
        if m and m.group(1) in _MONTHS:
            month, year, day = _MONTHS[m.group(1)], int(m.group(2)), 1
        elif (m := _NAMED_REV.match(low)) and m.group(2) in _MONTHS:
            month, year, day = _MONTHS[m.group(2)], int(m.group(1)), 1
        else:
            return None
    try:
        dt.date(year, month, day)
    except ValueError:
        return None
    return dt.date(year, month, 1)


def month_label(day: dt.date) -> str:
    return f"{day:%b %Y}"


_QUARTER = re.compile(r"^(?:(\d{4})\s*[- ]?\s*q([1-4])|q([1-4])\s*[- ]?\s*(\d{4}))$")
_YEAR = re.compile(r"^(\d{4})$")


def parse_period(text: str) -> tuple[dt.date, dt.date] | None:
    """A survey period: a month (as :func:`parse_month`), a quarter (2024-Q1, Q1 2024) or a
    year (2024), as (first day, last day)."""
    raw = text.strip()
    low = raw.casefold()
    if m := _QUARTER.match(low):
        year = int(m.group(1) or m.group(4))
        q = int(m.group(2) or m.group(3))
        start = dt.date(year, 3 * q - 2, 1)
        end_month = 3 * q
        return start, dt.date(year, end_month, calendar.monthrange(year, end_month)[1])
    if m := _YEAR.match(low):
        year = int(m.group(1))
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    start_m = parse_month(raw)
    if start_m is None:
        return None
    last = calendar.monthrange(start_m.year, start_m.month)[1]
    return start_m, dt.date(start_m.year, start_m.month, last)
