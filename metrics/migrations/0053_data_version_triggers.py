"""The data version of read-side caches (``psp/core/dataversion.py``): a sequence advanced, under a
shared advisory lock, by a statement trigger on every table the cached pages read. PostgreSQL
only; other databases get nothing and their callers never cache."""

from django.db import migrations

# Frozen here (a migration must not change with the code): psp.core.dataversion.SEQUENCE, LOCK.
SEQUENCE = "psp_data_version"
LOCK = (0x50535000, 1)
# (app label, model name, many-to-many field or "") of every table the cached pages read.
WATCHED = (
    ("accounts", "User", ""),
    ("sites", "Cohort", ""),
    ("sites", "Site", ""),
    ("sites", "SiteMembership", ""),
    ("engagements", "Activity", ""),
    ("engagements", "Activity", "core_areas"),
    ("engagements", "ActionItem", ""),
    ("engagements", "CoreArea", ""),
    ("engagements", "Engagement", ""),
    ("engagements", "Milestone", ""),
    ("metrics", "DataQualityFlag", ""),
    ("metrics", "Incident", ""),
    ("metrics", "MetricResult", ""),
    ("metrics", "MonthlyCount", ""),
    ("metrics", "Upload", ""),
)

FUNCTION = f"""
CREATE OR REPLACE FUNCTION psp_bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared({LOCK[0]}, {LOCK[1]});
    PERFORM nextval('{SEQUENCE}');
    RETURN NULL;
END
$$;
"""

# The version, read in this order: the sequence, then whether a write holds the lock (then the
# version is unknown: NULL). psp.core.dataversion.current() calls it.
READER = f"""
CREATE OR REPLACE FUNCTION psp_current_data_version() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    value bigint;
    called boolean;
BEGIN
    SELECT last_value, is_called INTO value, called FROM {SEQUENCE};
    IF EXISTS (
        SELECT 1 FROM pg_locks
        WHERE locktype = 'advisory'
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND classid::bigint = {LOCK[0]} AND objid::bigint = {LOCK[1]} AND objsubid = 2
    ) THEN
        RETURN NULL;
    END IF;
    RETURN CASE WHEN called THEN value ELSE 0 END;
END
$$;
"""


def _tables(apps):
    for app_label, model_name, m2m in WATCHED:
        model = apps.get_model(app_label, model_name)
        yield (
            model._meta.get_field(m2m).remote_field.through._meta.db_table
            if m2m
            else (model._meta.db_table)
        )


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"CREATE SEQUENCE IF NOT EXISTS {SEQUENCE}")
    schema_editor.execute(FUNCTION)
    schema_editor.execute(READER)
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
    schema_editor.execute("DROP FUNCTION IF EXISTS psp_current_data_version()")
    schema_editor.execute("DROP FUNCTION IF EXISTS psp_bump_data_version()")
    schema_editor.execute(f"DROP SEQUENCE IF EXISTS {SEQUENCE}")


class Migration(migrations.Migration):
    dependencies = [
        ("metrics", "0052_page_reads_kept"),
        ("sites", "0001_initial"),
        ("engagements", "0005_activity_date_index"),
        ("accounts", "0002_invitations"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
