"""GIN full-text indexes for the search box (issue 16, acceptance 4: ≤ 100 ms p95 at reference
scale) on sites, agencies and people (the people index sits here: psp.accounts knows nothing of
search). Each expression is the one ``dashboards.selectors.search`` filters on
(psp/core/fulltext.py); PostgreSQL only, a no-op elsewhere."""

from django.db import migrations

from psp.core.fulltext import gin_indexes


class Migration(migrations.Migration):
    dependencies = [
        ("sites", "0002_time_zone_and_population_by_year"),
        ("accounts", "0002_invitations"),
    ]

    operations = [
        gin_indexes(
            [
                ("site_search", "sites_site", ("name", "state", "summary")),
                ("agency_search", "sites_agency", ("name",)),
                ("person_search", "accounts_user", ("full_name", "email", "title")),
            ]
        )
    ]
