"""The data-version trigger (0053) on the tables the site dashboard, the site page and the
activity list read besides those the portfolio reads, now that their bodies are cached per data
version too."""

from django.db import migrations

WATCHED = (
    ("engagements", "Activity", "agencies"),
    ("engagements", "Activity", "milestones"),
    ("engagements", "TARequest", ""),
    ("metrics", "HotSpotMap", ""),
    ("metrics", "IncidentAggregate", ""),
    ("metrics", "IncidentVersion", ""),
    ("metrics", "MetricRun", ""),
    ("metrics", "Offense", ""),
    ("metrics", "StructuralBreak", ""),
    ("metrics", "TrustMeasure", ""),
    ("sites", "Agency", ""),
    ("sites", "Contact", ""),
    ("sites", "HistoricalSite", ""),
    ("sites", "PhaseChange", ""),
)


def _tables(apps):
    for app_label, model_name, m2m in WATCHED:
        model = apps.get_model(app_label, model_name)
        yield (
            model._meta.get_field(m2m).remote_field.through._meta.db_table
            if m2m
            else model._meta.db_table
        )


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
        ("metrics", "0053_data_version_triggers"),
        ("sites", "0001_initial"),
        ("engagements", "0005_activity_date_index"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
