"""manage.py seed_demo: the ten named sites, idempotent, demo mode only.

The tests that read the seed share one run of it per session (``demo_seed``, tests/conftest.py);
the idempotence test runs the command a second time on top of it."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from engagements.models import (
    ActionItem,
    Activity,
    Engagement,
    Milestone,
    PeerExchange,
    Recommendation,
    TARequest,
    TARequestEvent,
)
from metrics.models import (
    DataQualityFlag,
    Incident,
    MetricResult,
    MetricRun,
    MonthlyCount,
    MonthlyCountRevision,
    TrustMeasure,
    Upload,
)
from psp.accounts.models import User
from psp.demo import data
from sites.models import Agency, PhaseChange, Site, SiteMembership

pytestmark = pytest.mark.django_db

SLUGS = {
    "wichita",
    "milwaukee",
    "baltimore",
    "baton-rouge",
    "oxford",
    "dekalb-county",
    "pueblo",
    "seattle",
    "springfield",
    "tampa",
}


def counts() -> tuple[int, ...]:
    models = (User, Site, Agency, SiteMembership, PhaseChange)
    models += (Engagement, Recommendation, ActionItem, Milestone, Activity, TARequest)
    models += (TARequestEvent, PeerExchange)
    models += (Upload, MonthlyCount, MonthlyCountRevision, Incident, DataQualityFlag)
    models += (MetricResult, MetricRun)
    return tuple(m.objects.count() for m in models)


def test_seed_creates_the_ten_named_sites_and_running_twice_changes_nothing(demo_seed):
    assert set(Site.objects.values_list("slug", flat=True)) == SLUGS
    assert_demo_metrics()
    before = counts()
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert counts() == before
    assert "nothing changed" in out.getvalue()


def assert_demo_metrics() -> None:
    """Every seeded site shows computed results, one headline says "too few events" and one
    pre/post comparison is significant (issue 6, acceptance 7)."""
    for site in Site.objects.all():
        assert MetricResult.objects.filter(site=site, metric="headline").exists(), site.slug
    headlines = MetricResult.objects.filter(metric="headline", status="ok")
    too_few = [h for h in headlines if h.value["too_few_events"]]
    assert too_few and too_few[0].value["sentence"] == "Too few events to assess change reliably."
    significant = [
        r
        for r in MetricResult.objects.filter(metric="prepost_rate_ratio", status="ok")
        if r.value["significant"]
    ]
    assert significant


def test_seed_gives_every_site_federal_partners_and_a_liaison(demo_seed):
    for site in Site.objects.all():
        kinds = set(site.agencies.values_list("kind", flat=True))
        assert {"usao", "atf", "fbi"} <= kinds, site.slug
        assert site.memberships.filter(role="liaison").exists(), site.slug
    tampa_2024 = Site.objects.get(slug="tampa")
    assert tampa_2024.cohort.year == 2024


def test_seed_refuses_outside_demo_mode(settings):
    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="PSP_DEMO=1"):
        call_command("seed_demo", stdout=io.StringIO())
    assert Site.objects.count() == 0


def test_seed_onboards_sites_through_site_onboard_with_the_same_team_and_agencies(demo_seed):
    assert set(demo_seed.onboarded) == SLUGS  # every call the seed made to site_onboard
    memberships = set(SiteMembership.objects.values_list("user__email", "site__slug", "role"))
    emails = {key: email for key, email, *_ in data.USERS}
    assert memberships == {(emails[k], slug, role) for k, slug, role in data.MEMBERSHIPS}
    for slug, local in data.LOCAL_AGENCIES.items():
        site = Site.objects.get(slug=slug)
        names = set(site.agencies.values_list("name", flat=True))
        assert {name for name, _ in local} <= names and len(names) == len(local) + 5
    tampa = Site.objects.get(slug="tampa")
    assert (tampa.population, tampa.population_year, tampa.program_manager.email) == (
        384_959,
        2020,
        "pm2@psp.example",
    )


def test_demo_milestones_passed_by_a_sites_phase_are_complete(demo_seed):
    milwaukee = Site.objects.get(slug="milwaukee")  # alumni
    assert not Milestone.objects.filter(site=milwaukee, completed_on__isnull=True).exists()
    tampa = Site.objects.get(slug="tampa")  # assessment
    plan = Milestone.objects.get(site=tampa, kind="strategic_plan")
    assert plan.completed_on is None


def test_seed_imports_real_gva_incidents_and_marked_synthetic_counts(demo_seed):
    gva = Upload.objects.filter(source="gva", status="imported")
    assert set(gva.values_list("site__slug", flat=True)) == SLUGS - {
        "baltimore",
        "oxford",
        "dekalb-county",
    }
    assert Incident.objects.filter(source="gva").count() == 6626
    demo = Upload.objects.filter(kind="monthly_counts", status="imported")
    assert set(demo.values_list("is_demo", flat=True)) == {True}
    assert set(demo.values_list("site__slug", flat=True)) == SLUGS
    assert DataQualityFlag.objects.filter(site__slug="pueblo", rule="DQ1").exists()
    assert DataQualityFlag.objects.filter(site__slug="wichita", rule="DQ6").exists()
    # Every site has a labelled synthetic resident-survey series with sample sizes.
    trust = Upload.objects.filter(kind="trust_survey", status="imported")
    assert set(trust.values_list("site__slug", flat=True)) == SLUGS
    assert set(trust.values_list("is_demo", flat=True)) == {True}
    measures = TrustMeasure.objects.filter(site__slug="tampa")
    assert measures.count() >= 4 and not measures.filter(sample_size__isnull=True).exists()
