"""The demo portfolio comes with notifications: the demo liaison's bell is not empty, and no
demo notification concerns a site its recipient cannot see."""

from __future__ import annotations

import pytest

from notifications.models import Notification
from sites.models import Site

pytestmark = pytest.mark.django_db


def test_the_demo_liaison_has_notifications_about_their_own_sites_only(demo_seed):
    liaison = Notification.objects.filter(recipient__email="liaison@psp.example")
    assert liaison.filter(read_at__isnull=True).exists()
    for n in Notification.objects.select_related("recipient", "site").exclude(site=None):
        assert Site.objects.for_user(n.recipient).filter(pk=n.site_id).exists(), n.title
