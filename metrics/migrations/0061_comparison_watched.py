"""The data-version trigger (0053) on the comparison pool's tables (docs/metrics.md §9.6): the
site dashboard, brief and portfolio read them, so a cached body must not outlive a reload of the
pool, a relinked site or newly pooled estimates. Same statement as 0057, other tables."""

from importlib import import_module

from django.db import migrations

WATCHED = (
    ("metrics", "ComparisonPool", ""),
    ("metrics", "ComparisonPlace", ""),
    ("metrics", "ComparisonLink", ""),
    ("metrics", "PooledEffect", ""),
)
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
    dependencies = [("metrics", "0060_upload_waiting")]

    operations = [migrations.RunPython(forwards, backwards)]
