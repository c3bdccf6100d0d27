"""Offense codes outcome data is reported under (docs/design.md §2)."""

from __future__ import annotations

from django.db import models

# Fixed offense codes (docs/design.md §2), created by a data migration: (code, name, derived).
OFFENSES: list[tuple[str, str, bool]] = [
    ("homicide", "Homicide", False),
    ("rape", "Rape", False),
    ("robbery", "Robbery", False),
    ("aggravated_assault", "Aggravated assault", False),
    ("violent_crime", "Violent crime", True),
    ("nonfatal_shooting_victims", "Nonfatal shooting victims", False),
    ("nonfatal_shooting_incidents", "Nonfatal shooting incidents", False),
    ("fatal_shooting_incidents", "Fatal shooting incidents", False),
    ("shots_fired", "Shots fired", False),
    ("burglary", "Burglary", False),
    ("larceny", "Larceny", False),
    ("motor_vehicle_theft", "Motor vehicle theft", False),
]


class Offense(models.Model):
    """An offense code outcome data is reported under.

    ``violent_crime`` is derived (homicide + rape + robbery + aggravated assault) and is never
    stored for a month where a component is missing.
    """

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80, unique=True)
    is_derived = models.BooleanField(default=False)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order"]

    def __str__(self) -> str:
        return self.name
