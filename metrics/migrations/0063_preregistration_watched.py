"""The data-version trigger (0053) on the pre-registrations (docs/metrics.md §8.5): the site
dashboard and brief show the pre-registration beside the results, so a cached body must not
outlive a new version. Same statement as 0057 and 0061, another table."""

from importlib import import_module

from django.db import migrations

WATCHED = (("metrics", "Preregistration", ""),)
_0057 = import_module("metrics.migrations.0057_population_by_year_watched")


def forwards(apps, schema_editor):
    _0057.WATCHED, saved = WATCHED, _0057.WATCHED
    try:
        _0057.forwards(apps, schema_editor)
    finally:
        _0057.WATCHED = saved


def backwards(apps, schema_editor):
    _0057.WATCHED, saved = WATCHED, _0057.WATCHED
    try:
        _0057.backwards(apps, schema_editor)
    finally:
        _0057.WATCHED = saved


class Migration(migrations.Migration):
    dependencies = [("metrics", "0062_preregistration")]

    operations = [migrations.RunPython(forwards, backwards)]
