"""A site stored without history rows (bulk SQL, a data migration) still shows its page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sites.selectors import site_change_history

pytestmark = pytest.mark.django_db


def test_a_site_without_history_rows_has_an_empty_change_history(site_a, client_for, admin):
    site_a.history.all().delete()

    assert site_change_history(site_a) == []
    assert client_for(admin).get(reverse("sites:detail", args=[site_a.slug])).status_code == 200
