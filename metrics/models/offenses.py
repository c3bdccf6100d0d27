"""Offense codes outcome data is reported under (docs/design.md §2)."""

from __future__ import annotations

from django.db import models

from metrics.offenses import VOCABULARY

# The fixed offense codes of metrics/offenses.py as (code, name, derived), in their order; the
# rows are created and ordered by data migrations (0002, 0055).
OFFENSES: list[tuple[str, str, bool]] = [(t.code, t.name, t.derived) for t in VOCABULARY]


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
