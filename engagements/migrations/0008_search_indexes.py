"""GIN full-text indexes for the search box (issue 16, acceptance 4: ≤ 100 ms p95 at reference
scale) on the engagement records it reads besides activities (their summaries' index is in 0007).
Each expression is the one ``dashboards.selectors.search`` filters on (psp/core/fulltext.py);
PostgreSQL only, a no-op elsewhere."""

from django.db import migrations

from psp.core.fulltext import gin_indexes


class Migration(migrations.Migration):
    dependencies = [
        ("engagements", "0007_ta_request_links_attachments"),
    ]

    operations = [
        gin_indexes(
            [
                ("tarequest_search", "engagements_tarequest", ("need",)),
                ("recommendation_search", "engagements_recommendation", ("text", "source")),
                ("actionitem_search", "engagements_actionitem", ("title", "owner")),
                ("attachment_search", "engagements_attachment", ("title", "original_name")),
            ]
        )
    ]
