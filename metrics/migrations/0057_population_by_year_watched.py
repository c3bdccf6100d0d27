"""The data-version trigger (0053) on the population by year (docs/metrics.md §7.6): the site
dashboard's freshness check reads it, so a cached body must not outlive a change to it."""

from django.db import migrations

WATCHED = (("sites", "SitePopulation", ""),)


def _tables(apps):
    return [apps.get_model(app, model)._meta.db_table for app, model, _ in WATCHED]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in _tables(apps):
        schema_editor.execute(
            f'CREATE TRIGGER psp_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "{table}"'
            " FOR EACH STATEMENT EXECUTE FUNCTION psp_bump_data_version()"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in _tables(apps):
        schema_editor.execute(f'DROP TRIGGER IF EXISTS psp_data_version ON "{table}"')


class Migration(migrations.Migration):
    dependencies = [
        ("metrics", "0056_coverage_inferred_flag_wrong"),
        ("sites", "0002_time_zone_and_population_by_year"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
