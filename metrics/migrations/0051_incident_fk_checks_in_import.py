"""Cheaper incident imports (docs/benchmarks.md, "What changed because of these measurements").

- ``offense`` and ``upload`` lose their database constraint: the import checks the references once
  per file, in its transaction, instead of PostgreSQL checking each inserted row at commit.
- ``offense`` and ``site`` lose their single-column index: every query by site uses the unique
  (site, source, external id) or the (site, occurred on) index, and no query looks incidents up
  by offense alone. The site's constraint is kept; only its index is dropped (a plain AlterField
  would drop and re-validate the constraint over the whole table).
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('metrics', '0050_metric_results'),
        ('sites', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='incident',
            name='offense',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='metrics.offense'),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='incident',
                    name='site',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='incidents', to='sites.site'),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "metrics_incident_site_id_7589997d"',
                    reverse_sql='CREATE INDEX "metrics_incident_site_id_7589997d" '
                    'ON "metrics_incident" ("site_id")',
                ),
            ],
        ),
        migrations.AlterField(
            model_name='incident',
            name='upload',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='metrics.upload'),
        ),
    ]
