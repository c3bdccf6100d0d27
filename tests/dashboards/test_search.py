"""Issue 16: one search box. It finds every kind of record by name or text, ranked, with each
hit's kind — and never anything outside the person's scope (checked for every role over the
demo data)."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from dashboards.selectors.search import search
from engagements import services
from engagements.models import ActionItem, Activity, Attachment, Recommendation, TARequest
from psp.accounts.models import User
from sites.models import Agency, Site, SiteMembership
from tests.engagements.factories import (
    ActionItemFactory,
    ActivityFactory,
    EngagementFactory,
    RecommendationFactory,
    TARequestFactory,
    area,
)
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(site_a, site_b, liaison_a, liaison_b, partner_a, tmp_path, settings):
    """One record of every kind mentioning "ceasefire", at site_a, and the same at site_b."""
    settings.PSP_UPLOAD_DIR = tmp_path
    made = {}
    for site, liaison in ((site_a, liaison_a), (site_b, liaison_b)):
        engagement = EngagementFactory(site=site, core_area=area("gun_violence"))
        rec = RecommendationFactory(engagement=engagement, text="Launch a Ceasefire call-in")
        made[site.slug] = {
            "Agency": AgencyFactory(site=site, name=f"{site.name} Ceasefire Partnership"),
            "Activity": ActivityFactory(site=site, summary="Planned the ceasefire call-in."),
            "TA request": TARequestFactory(site=site, need="Ceasefire coaching for outreach"),
            "Recommendation": rec,
            "Action item": ActionItemFactory(engagement=engagement, title="Ceasefire data review"),
            "Document": services.attachment_add(
                site=site,
                acting_user=liaison,
                file=io.BytesIO(b"%PDF-1.7\n%%EOF\n"),
                filename="ceasefire-plan.pdf",
                size=15,
                kind="strategic_plan",
                title="Ceasefire strategic plan",
            ),
        }
    return made


def kinds_and_pks(user, query):
    return {(h.kind, h.pk) for h in search(user, query)}


def test_every_kind_is_found_with_its_kind(pm, records):
    found = kinds_and_pks(pm, "ceasefire")
    for site in ("alphaville", "betatown"):
        for kind, obj in records[site].items():
            assert (kind, obj.pk) in found


def test_a_liaison_finds_only_their_sites_records(liaison_a, records):
    found = kinds_and_pks(liaison_a, "ceasefire")
    assert found == {(k, o.pk) for k, o in records["alphaville"].items()}


def test_people_are_found_by_name_with_their_roles_and_only_within_scope(
    pm, liaison_a, liaison_b, partner_a
):
    [hit] = search(pm, "Parker")
    assert (hit.kind, hit.title) == ("Person", "Parker Partner (partner: Alphaville)")
    assert hit.url == ""  # the person page is for administrators
    assert search(liaison_a, "Parker")[0].pk == partner_a.pk
    assert search(liaison_b, "Parker") == []


def test_the_name_outranks_a_passing_mention(pm, site_a):
    ActivityFactory(site=site_a, summary="Met the Betatown team about Alphaville's review")
    hits = search(pm, "alphaville")
    assert hits[0].kind == "Site" and hits[0].pk == site_a.pk


def test_prefixes_and_several_words_narrow_the_result(pm, records):
    assert {h.kind for h in search(pm, "ceasefi")} >= {"Activity", "Agency", "Document"}
    two = kinds_and_pks(pm, "ceasefire coaching")
    assert {k for k, _ in two} == {"TA request"}


def test_deleted_activities_are_not_found(pm, liaison_a, records):
    activity = records["alphaville"]["Activity"]
    services.activity_delete(activity=activity, acting_user=liaison_a)
    assert ("Activity", activity.pk) not in kinds_and_pks(pm, "ceasefire")


@pytest.mark.parametrize("query", ["", "a", "   ", "&|!", "'):*"])
def test_empty_short_or_symbol_only_queries_find_nothing_and_do_not_fail(pm, records, query):
    assert search(pm, query) == []


def test_the_header_box_and_page(client_for, liaison_a, records):
    client = client_for(liaison_a)
    home = client.get(reverse("engagements:my_work")).content.decode()
    assert 'action="/search/"' in home and 'name="q"' in home
    page = client.get(reverse("dashboards:search"), {"q": "ceasefire"}).content.decode()
    assert "6 results for “ceasefire”" in page
    assert reverse("engagements:activity", args=[records["alphaville"]["Activity"].pk]) in page
    assert "Betatown" not in page
    nothing = client.get(reverse("dashboards:search"), {"q": "zzzz"}).content.decode()
    assert "Nothing you can see matches" in nothing


def test_search_needs_sign_in_and_refuses_post(client, client_for, pm):
    assert client.get(reverse("dashboards:search"), {"q": "x"}).status_code == 302
    assert client_for(pm).post(reverse("dashboards:search")).status_code == 405


# ---- Scope over the demo data, for every role -------------------------------------------

SITE_OF = {
    "Site": lambda pk: {pk},
    "Agency": lambda pk: {Agency.objects.get(pk=pk).site_id},
    "Activity": lambda pk: {Activity.all_objects.get(pk=pk).site_id},
    "TA request": lambda pk: {TARequest.objects.get(pk=pk).site_id},
    "Recommendation": lambda pk: {Recommendation.objects.get(pk=pk).engagement.site_id},
    "Action item": lambda pk: {ActionItem.objects.get(pk=pk).engagement.site_id},
    "Document": lambda pk: {Attachment.objects.get(pk=pk).site_id},
    "Person": lambda pk: (
        set(SiteMembership.objects.filter(user_id=pk).values_list("site_id", flat=True))
        | set(Site.objects.filter(program_manager_id=pk).values_list("pk", flat=True))
    ),
}
QUERIES = [
    "wichita", "milwaukee", "baltimore", "tampa", "police", "gun", "violence", "visit",
    "review", "plan", "training", "shooting", "crime", "analysis", "federal", "atf", "chief",
    "liaison", "data", "community", "assessment", "ta", "Riley", "Taylor", "Morgan",
]  # fmt: skip


def test_search_never_returns_anything_outside_the_persons_scope(demo_seed):
    people = list(User.objects.filter(email__endswith="@psp.example", is_active=True))
    assert {p.role for p in people} >= {"admin", "bja_staff", "auditor", ""}
    everything = set(Site.objects.values_list("pk", flat=True))
    checked = 0
    for person in people:
        memberships = SiteMembership.objects.filter(user=person)
        scope = (
            everything
            if person.role in ("admin", "bja_staff", "auditor")
            else set(memberships.values_list("site_id", flat=True))
        )
        for query in QUERIES:
            for hit in search(person, query):
                assert SITE_OF[hit.kind](hit.pk) & scope or (
                    hit.kind == "Person" and scope == everything
                ), (person.email, query, hit)
                checked += 1
    assert checked > 100  # the queries do find things for every role
