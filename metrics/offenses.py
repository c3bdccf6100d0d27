"""The offense vocabulary, defined once: every offense code outcome data is reported under, its
names, and the one order offenses are listed in (violent crime first, then gun violence, then
the other offenses; the headline offense is the first a site has).

Plain Python with no Django import, so :mod:`metrics.compute` can read it as well as the
intake, the engine, the models, the template tags and the dashboards. The data migrations that
created and ordered the ``Offense`` rows keep frozen copies of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class OffenseTerm:
    """One offense: ``name`` as a column, filter or list shows it ("Homicide"); ``label`` at the
    start of a sentence, in the plural ("Homicides went from 10 to 5 …")."""

    code: str
    name: str
    label: str
    derived: bool = False


VOCABULARY: Final[tuple[OffenseTerm, ...]] = (
    OffenseTerm("violent_crime", "Violent crime", "Violent crime", derived=True),
    OffenseTerm("homicide", "Homicide", "Homicides"),
    OffenseTerm(
        "nonfatal_shooting_victims", "Nonfatal shooting victims", "Nonfatal shooting victims"
    ),
    OffenseTerm("nonfatal_shooting_incidents", "Nonfatal shooting incidents", "Nonfatal shootings"),
    OffenseTerm("fatal_shooting_incidents", "Fatal shooting incidents", "Fatal shootings"),
    OffenseTerm("shots_fired", "Shots fired", "Shots-fired incidents"),
    OffenseTerm("robbery", "Robbery", "Robberies"),
    OffenseTerm("aggravated_assault", "Aggravated assault", "Aggravated assaults"),
    OffenseTerm("rape", "Rape", "Rapes"),
    OffenseTerm("burglary", "Burglary", "Burglaries"),
    OffenseTerm("larceny", "Larceny", "Larcenies"),
    OffenseTerm("motor_vehicle_theft", "Motor vehicle theft", "Motor vehicle thefts"),
)

OFFENSE_ORDER: Final[tuple[str, ...]] = tuple(t.code for t in VOCABULARY)
OFFENSE_NAMES: Final[dict[str, str]] = {t.code: t.name for t in VOCABULARY}
OFFENSE_LABELS: Final[dict[str, str]] = {t.code: t.label for t in VOCABULARY}

# Violent crime is derived from these (docs/metrics.md §1), never stored for a month one is missing.
VIOLENT_COMPONENTS: Final[tuple[str, ...]] = ("homicide", "rape", "robbery", "aggravated_assault")


def offense_name(code: str) -> str:
    """The offense's name ("Homicide"); an unknown code as it is."""
    return OFFENSE_NAMES.get(code, code)


def offense_label(code: str) -> str:
    """Plural label used at the start of a sentence ("Homicides went from 10 to 5 …")."""
    return OFFENSE_LABELS.get(code, code.replace("_", " ").capitalize())


def offense_sort_key(code: str) -> tuple[int, str]:
    """Sorts codes in the vocabulary's order; unknown codes after, alphabetically."""
    position = OFFENSE_ORDER.index(code) if code in OFFENSE_ORDER else len(OFFENSE_ORDER)
    return (position, code)
