"""The incident's site loses its database constraint (docs/decisions/0006, amendment; issue 20).

PostgreSQL checked the site of every inserted incident row by row at commit (~17.5 s per
200,000 rows). The import checks the site once per file instead (``writer.site_exists``, row
locked ``FOR KEY SHARE``), Django's ``on_delete=CASCADE`` still deletes a site's incidents, and
on PostgreSQL a trigger does the same when a site row is deleted by raw SQL, so no incident can
outlive its site. Dropping the constraint is a catalogue change (no table scan).
"""

import django.db.models.deletion
from django.db import migrations, models

TRIGGER = """
CREATE OR REPLACE FUNCTION psp_site_delete_incidents() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM metrics_incident WHERE site_id = OLD.id;
    RETURN OLD;
END $$;
DROP TRIGGER IF EXISTS psp_site_delete_incidents ON sites_site;
CREATE TRIGGER psp_site_delete_incidents BEFORE DELETE ON sites_site
FOR EACH ROW EXECUTE FUNCTION psp_site_delete_incidents();
"""
UNTRIGGER = """
DROP TRIGGER IF EXISTS psp_site_delete_incidents ON sites_site;
DROP FUNCTION IF EXISTS psp_site_delete_incidents();
"""


def add_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGGER)


def remove_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNTRIGGER)


class Migration(migrations.Migration):
    dependencies = [
        ("metrics", "0063_preregistration_watched"),
        ("sites", "0002_time_zone_and_population_by_year"),
    ]

    operations = [
        migrations.AlterField(
            model_name="incident",
            name="site",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="incidents",
                to="sites.site",
            ),
        ),
        migrations.RunPython(add_trigger, remove_trigger),
    ]
