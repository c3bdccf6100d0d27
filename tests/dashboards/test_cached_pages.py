"""The portfolio, core-area, site-dashboard and activity-list pages are cached per data version
(psp/core/dataversion.py): a second view of unchanged data is served from the cache (PostgreSQL),
and every way of changing what they show — logging, editing and deleting an activity, an import,
a recompute, onboarding a site, changing its phase — shows on the next view. Transactional
tests: the writes commit, as in production, so the triggers, the version and the in-flight lock
behave as they do there. On SQLite nothing is cached and the same assertions check the pages
stay right."""

from __future__ import annotations

import datetime as dt
import importlib
import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from engagements.services.activities import activity_log, activity_update
from metrics.models import TrustMeasure
from psp.core import dataversion
from psp.core.templatetags.psp import us_date
from sites.models import Phase
from sites.services import site_change_phase, site_create
from tests.dashboards.factories import store_violent
from tests.engagements.factories import area
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db(transaction=True)

URL = reverse("dashboards:portfolio")
AREAS_URL = reverse("dashboards:core_areas")
POSTGRES = connection.vendor == "postgresql"
MIGRATIONS = [
    importlib.import_module("metrics.migrations.0053_data_version_triggers"),
    importlib.import_module("metrics.migrations.0054_more_watched_tables"),
    importlib.import_module("metrics.migrations.0057_population_by_year_watched"),
    importlib.import_module("metrics.migrations.0059_stewardship"),
    importlib.import_module("metrics.migrations.0061_comparison_watched"),
    importlib.import_module("metrics.migrations.0063_preregistration_watched"),
]
ACTIVITIES_URL = reverse("engagements:activities")


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def view(client, url=URL) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), len(ctx.captured_queries)


def seen(client, url=URL) -> str:
    """View the page twice, as a user would; on PostgreSQL the second view is a cache hit."""
    first, n_first = view(client, url)
    second, n_second = view(client, url)
    if POSTGRES:
        assert n_second < n_first, "the second view of unchanged data was not cached"
    return second


def row(body: str, slug: str) -> str:
    return re.search(rf'<tr data-site="{slug}">(.*?)</tr>', body, re.S).group(1)


def log_ta(site, user, date, areas=("gun_violence",)):
    return activity_log(
        site=site,
        acting_user=user,
        kind="site_visit",
        duration_hours=Decimal("2.5"),
        mode="onsite",
        core_areas=[area(a) for a in areas],
        summary="Met the command staff",
        date=date,
    )


def test_activity_logged_edited_and_deleted_shows_at_once(client_for, pm, portfolio_data, today):
    c = client_for(pm)
    assert "No TA in 60 days" in row(seen(c), "betatown")
    activity = log_ta(portfolio_data[1], pm, today - dt.timedelta(days=1))
    after_log = row(seen(c), "betatown")
    assert "No TA in 60 days" not in after_log
    assert us_date(today - dt.timedelta(days=1)) in after_log

    activity_update(
        activity=activity, acting_user=pm, changes={"date": today - dt.timedelta(days=9)}
    )
    assert us_date(today - dt.timedelta(days=9)) in row(seen(c), "betatown")

    activity.delete()  # as the admin does
    assert "No TA in 60 days" in row(seen(c), "betatown")


def test_import_and_recompute_show_at_once(client_for, pm, liaison_b, portfolio_data, run_import):
    from metrics.tasks import recompute_site

    site_b = portfolio_data[1]
    c = client_for(pm)
    before = row(seen(c), "betatown")
    assert "Dec 2023" in before and "psp-trend--up" in before

    # The import also queues the site's recompute (run here at once, as the worker would).
    run_import(site_b, liaison_b, "month,offense,count\n2024-05,robbery,10\n")
    after_import = row(seen(c), "betatown")
    assert "May 2024" in after_import
    # The stored 1,234 → 1,500 was not computed from Betatown's counts: recomputed, it is gone.
    assert "psp-trend--up" not in after_import

    store_violent(site_b, current=1500, base=1234, z=5.1, counts=[90] * 24, start="2022-01")
    assert "psp-trend--up" in row(seen(c), "betatown")
    recompute_site.delay(site_b.pk).get()
    assert "psp-trend--up" not in row(seen(c), "betatown")


def test_onboarding_and_phase_change_show_at_once(client_for, pm, portfolio_data, today):
    c = client_for(pm)
    assert 'data-site="gammaburg"' not in seen(c)
    site = site_create(
        acting_user=pm, name="Gammaburg", state="KS", cohort=portfolio_data[0].cohort
    )
    assert "Onboarding" in row(seen(c), "gammaburg")
    site_change_phase(site=site, to_phase=Phase.ASSESSMENT, acting_user=pm, reason="Kick-off")
    assert "Assessment" in row(seen(c), "gammaburg")


def test_core_areas_page_follows_activities(client_for, pm, portfolio_data, today):
    c = client_for(pm)

    def gun_violence_year(body: str) -> str:
        cells = re.search(r"Gun violence</a></th><td>.*?</td><td>.*?</td><td>(.*?)</td>", body)
        return cells.group(1)

    assert gun_violence_year(seen(c, AREAS_URL)) == "1 activities, 4 hours"
    log_ta(portfolio_data[1], pm, today - dt.timedelta(days=1))
    assert gun_violence_year(seen(c, AREAS_URL)) == "2 activities, 6.5 hours"


def test_a_liaison_gets_their_own_cached_page(client_for, pm, liaison_a, portfolio_data):
    assert 'data-site="betatown"' in seen(client_for(pm))
    body = seen(client_for(liaison_a))
    assert 'data-site="alphaville"' in body and "Betatown" not in body


def test_no_version_while_a_write_is_in_flight(pm, portfolio_data):
    """A transaction that wrote a watched table and has not committed: nothing may be cached
    (its rows are invisible to other sessions; it may yet roll back)."""
    before = dataversion.current()
    with transaction.atomic():
        log_ta(portfolio_data[0], pm, dt.date(2024, 1, 2))
        assert dataversion.current() is None
    after = dataversion.current()
    if POSTGRES:
        assert before is not None and after is not None and after > before
    else:
        assert before is None and after is None


def test_every_table_the_pages_read_is_watched(client_for, pm, portfolio_data):
    """A table the cached pages start to read must get the trigger, or the cache could serve
    an answer that ignores its changes."""
    watched = set()
    for app_label, model_name, m2m in (w for m in MIGRATIONS for w in m.WATCHED):
        model = apps.get_model(app_label, model_name)
        meta = model._meta.get_field(m2m).remote_field.through._meta if m2m else model._meta
        watched.add(meta.db_table)
    read = set()
    c = client_for(pm)
    slug = portfolio_data[0].slug
    AgencyFactory(site=portfolio_data[0])  # so that the site page reads the agencies' contacts
    dashboard = reverse("dashboards:site", args=[slug])
    detail = reverse("sites:detail", args=[slug])
    for url in (URL, AREAS_URL, dashboard, detail, ACTIVITIES_URL):
        with CaptureQueriesContext(connection) as ctx:
            c.get(url)
        for q in ctx.captured_queries:
            read |= set(re.findall(r'(?:FROM|JOIN)\s+"(\w+)"', q["sql"]))
    # The header's notification bell and the Watch button are read per request, outside the
    # cached bodies (issue 15): they need no trigger.
    per_request = {"django_session", "notifications_notification", "notifications_watch"}
    assert read - per_request <= watched
    assert {"engagements_activity", "metrics_metricresult", "sites_site"} <= read
    if POSTGRES:
        with connection.cursor() as cur:
            cur.execute(
                "SELECT tgrelid::regclass::text FROM pg_trigger WHERE tgname = 'psp_data_version'"
            )
            assert {r[0] for r in cur.fetchall()} == watched


def test_activity_list_follows_activities_and_agencies(client_for, pm, portfolio_data, today):
    c = client_for(pm)
    assert "Met the command staff" not in seen(c, ACTIVITIES_URL)
    activity = log_ta(portfolio_data[1], pm, today - dt.timedelta(days=1))
    body = seen(c, ACTIVITIES_URL)
    assert "Met the command staff" in body and us_date(today - dt.timedelta(days=1)) in body

    agency = AgencyFactory(site=portfolio_data[1], name="Betatown Police Department")
    activity.agencies.add(agency)
    assert "Betatown Police Department" in seen(c, ACTIVITIES_URL)
    type(agency).objects.filter(pk=agency.pk).update(name="Betatown PD")  # as a bulk fix would
    body = seen(c, ACTIVITIES_URL)
    assert "Betatown PD" in body and "Betatown Police Department" not in body

    activity.delete()
    assert "Met the command staff" not in seen(c, ACTIVITIES_URL)


def test_site_dashboard_follows_trust_and_imports(
    client_for, pm, portfolio_data, run_import, liaison_b
):
    site_b = portfolio_data[1]
    url = reverse("dashboards:site", args=[site_b.slug])
    c = client_for(pm)
    assert "No community-trust survey results for Betatown" in seen(c, url)
    TrustMeasure.objects.create(
        site=site_b,
        period_start=dt.date(2024, 1, 1),
        period_end=dt.date(2024, 3, 31),
        measure="Trust in police",
        value=Decimal("61.5"),
        sample_size=412,
    )
    body = seen(c, url)
    assert "No community-trust survey results" not in body and "Trust in police" in body
    assert "May 2024" not in body
    # The import also queues the site's recompute (run here at once, as the worker would).
    run_import(site_b, liaison_b, "month,offense,count\n2024-05,robbery,10\n")
    assert "Data through <strong>May 2024</strong>" in seen(c, url)


def test_cached_dashboard_carries_each_sessions_own_csrf_token(client_for, pm, portfolio_data):
    """The recompute form of a body served from the cache posts with the viewer's own token."""
    url = reverse("dashboards:site", args=[portfolio_data[0].slug])
    recompute = reverse("metrics:recompute", args=[portfolio_data[0].slug])
    sessions = [client_for(pm), client_for(pm)]  # signing in changes the version: both first
    bodies = [seen(sessions[0], url), view(sessions[1], url)[0]]  # the second: a cache hit
    tokens = []
    for c, body in zip(sessions, bodies, strict=True):
        c.handler.enforce_csrf_checks = True
        assert dataversion.CSRF_PLACEHOLDER not in body
        form = re.search(rf'<form method="post" action="{recompute}">(.*?)</form>', body, re.S)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.group(1)).group(1)
        tokens.append(token)
        assert c.post(recompute, {"csrfmiddlewaretoken": "x" * 64}).status_code == 403
        assert c.post(recompute, {"csrfmiddlewaretoken": token}).status_code != 403
    assert tokens[0] != tokens[1]


def test_site_page_follows_profile_agencies_contacts_and_requests(client_for, pm, portfolio_data):
    from sites.models import Contact

    site = portfolio_data[1]
    url = reverse("sites:detail", args=[site.slug])
    c = client_for(pm)
    assert "No agencies recorded." in seen(c, url)
    agency = AgencyFactory(site=site, name="Betatown Police Department")
    body = seen(c, url)
    assert "Betatown Police Department" in body and "No agencies recorded." not in body
    Contact.objects.create(agency=agency, name="Chief Dana Ortiz")
    assert "Chief Dana Ortiz" in seen(c, url)
    site_change_phase(site=site, to_phase=Phase.ASSESSMENT, acting_user=pm, reason="Kick-off")
    assert "Kick-off" in seen(c, url)


def test_site_page_cached_per_permissions(client_for, admin, auditor, liaison_a, portfolio_data):
    """Users who may do different things on the site never share a cached page, even when they
    see the same sites (an administrator and an auditor)."""
    url = reverse("sites:detail", args=[portfolio_data[0].slug])
    admins, auditors = client_for(admin), client_for(auditor)  # signing in changes the version
    assert "Change phase" in seen(admins, url)
    auditors = seen(auditors, url)
    assert "Change phase" not in auditors and "Change history" in auditors
    assert "Change history" not in seen(client_for(liaison_a), url)
