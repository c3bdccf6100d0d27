"""The bell, the notifications page (newest first, mark read, mark all read) and watching."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.models import Kind, Notification, Watch
from notifications.services.notify import notify
from tests.engagements.factories import TARequestFactory

pytestmark = pytest.mark.django_db


def bell(response) -> str:
    html = response.content.decode()
    start = html.index('id="psp-bell"')
    return html[start : html.index("</a>", start)]


@pytest.fixture
def three(site_a, liaison_a):
    out = []
    for i, title in enumerate(["Oldest", "Middle", "Newest"]):
        notify(
            kind=Kind.FLAG_RAISED,
            recipients=[liaison_a],
            site=site_a,
            obj=site_a,
            period=str(i),
            title=title,
            url="/sites/alphaville/",
        )
        n = Notification.objects.get(period=str(i))
        n.created_at = timezone.now() - dt.timedelta(hours=3 - i)
        n.save()
        out.append(n)
    return out


def test_the_bell_counts_unread_and_the_page_lists_newest_first(client_for, liaison_a, three):
    c = client_for(liaison_a)
    page = c.get(reverse("notifications:list"))
    assert ">3</span>" in bell(page)
    html = page.content.decode()
    assert html.index("Newest") < html.index("Middle") < html.index("Oldest")
    c.post(reverse("notifications:read", args=[three[2].pk]))
    assert ">2</span>" in bell(c.get(reverse("notifications:list")))
    c.post(reverse("notifications:read_all"))
    page = c.get(reverse("notifications:list"))
    assert "psp-bell-count" not in bell(page)
    assert not Notification.objects.filter(recipient=liaison_a, read_at__isnull=True).exists()


def test_nobody_reads_or_sees_another_persons_notifications(client_for, liaison_b, three):
    c = client_for(liaison_b)
    assert "Newest" not in c.get(reverse("notifications:list")).content.decode()
    assert c.post(reverse("notifications:read", args=[three[0].pk])).status_code == 404
    c.post(reverse("notifications:read_all"))
    assert Notification.objects.filter(read_at__isnull=True).count() == 3


def test_no_notifications_no_count(client_for, pm, site_a):
    page = client_for(pm).get(reverse("notifications:list"))
    assert "psp-bell-count" not in bell(page) and "Nothing yet" in page.content.decode()


def test_watch_a_site_and_a_request_and_stop(client_for, auditor, site_a, partner_a):
    c = client_for(auditor)
    c.post(reverse("notifications:site_watch", args=[site_a.slug]))
    assert Watch.objects.filter(user=auditor, site=site_a).exists()
    assert "Stop watching" in c.get(site_a.get_absolute_url()).content.decode()
    c.post(reverse("notifications:site_watch", args=[site_a.slug]))
    assert not Watch.objects.filter(user=auditor).exists()
    ta = TARequestFactory(site=site_a, requested_by=partner_a)
    c.post(reverse("notifications:ta_request_watch", args=[ta.pk]))
    assert Watch.objects.filter(user=auditor, ta_request=ta).exists()


def test_nobody_watches_what_they_cannot_see(client_for, liaison_b, site_a, partner_a):
    c = client_for(liaison_b)
    ta = TARequestFactory(site=site_a, requested_by=partner_a)
    assert c.post(reverse("notifications:site_watch", args=[site_a.slug])).status_code == 404
    assert c.post(reverse("notifications:ta_request_watch", args=[ta.pk])).status_code == 404
    assert not Watch.objects.exists()


@pytest.mark.parametrize("count", [2, 40])
def test_the_list_runs_in_constant_queries(
    client_for, liaison_a, site_a, count, django_assert_max_num_queries
):
    for i in range(count):
        notify(
            kind=Kind.FLAG_RAISED,
            recipients=[liaison_a],
            site=site_a,
            obj=site_a,
            period=str(i),
            title=f"Flag {i}",
        )
    c = client_for(liaison_a)
    c.get(reverse("notifications:list"))
    # Session and user; the page's count and rows (sites joined); the bell's unread count; the
    # session saved on every request (savepoint, update, release).
    with django_assert_max_num_queries(8):
        assert c.get(reverse("notifications:list")).status_code == 200
