"""A site's time zone (defaulted from its state, editable) and its population by year
(docs/metrics.md §7.6): defaults, forms, onboarding, the population page and its validation."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from sites import services
from sites.models import Site, SitePopulation
from sites.onboarding.bulk import parse_onboarding_csv
from sites.selectors import site_population_rows
from sites.states import US_STATES
from sites.timezones import STATE_TIME_ZONES, default_time_zone
from tests.factories import CohortFactory, SiteFactory, UserFactory

pytestmark = pytest.mark.django_db

# Written out by hand from the zone each state's largest population lives in.
EXPECTED_DEFAULTS = {
    "WA": "America/Los_Angeles",
    "CA": "America/Los_Angeles",
    "AZ": "America/Phoenix",
    "HI": "Pacific/Honolulu",
    "AK": "America/Anchorage",
    "IN": "America/Indiana/Indianapolis",
    "KY": "America/New_York",
    "TN": "America/Chicago",
    "TX": "America/Chicago",
    "FL": "America/New_York",
    "MI": "America/Detroit",
    "ID": "America/Boise",
    "OR": "America/Los_Angeles",
    "CO": "America/Denver",
    "NY": "America/New_York",
    "DC": "America/New_York",
    "PR": "America/Puerto_Rico",
    "GU": "Pacific/Guam",
}


@pytest.mark.parametrize(("state", "zone"), sorted(EXPECTED_DEFAULTS.items()))
def test_each_state_defaults_to_the_zone_of_its_larger_population(state, zone):
    assert default_time_zone(state) == zone


def test_every_state_and_territory_has_a_valid_zone():
    assert set(STATE_TIME_ZONES) == {code for code, _ in US_STATES}
    for zone in STATE_TIME_ZONES.values():
        zoneinfo.ZoneInfo(zone)


def test_arizona_keeps_standard_time_in_summer_and_washington_does_not():
    july = dt.datetime(2023, 7, 1, 12, tzinfo=dt.UTC)
    phoenix = july.astimezone(zoneinfo.ZoneInfo(default_time_zone("AZ")))
    seattle = july.astimezone(zoneinfo.ZoneInfo(default_time_zone("WA")))
    assert phoenix.utcoffset() == dt.timedelta(hours=-7)  # MST all year
    assert seattle.utcoffset() == dt.timedelta(hours=-7)  # PDT
    january = dt.datetime(2023, 1, 1, 12, tzinfo=dt.UTC)
    assert january.astimezone(zoneinfo.ZoneInfo("America/Phoenix")).utcoffset() == dt.timedelta(
        hours=-7
    )
    assert january.astimezone(zoneinfo.ZoneInfo("America/Los_Angeles")).utcoffset() == (
        dt.timedelta(hours=-8)
    )


def test_a_new_site_takes_its_states_zone_and_its_population_becomes_a_row(admin):
    site = services.site_create(
        acting_user=admin,
        name="Tacoma",
        state="WA",
        cohort=CohortFactory(),
        population=219_346,
        population_year=2020,
        population_source="Census 2020",
    )
    assert site.time_zone == "America/Los_Angeles"
    assert site_population_rows(site) == [(2020, 219_346, "Census 2020")]


def test_a_population_without_a_year_is_this_years_row(admin):
    site = services.site_create(
        acting_user=admin, name="Yuma", state="AZ", cohort=CohortFactory(), population=95_000
    )
    assert site_population_rows(site) == [(dt.date.today().year, 95_000, "")]


def test_an_unknown_zone_is_refused_by_the_model():
    site = SiteFactory(state="TX")
    site.time_zone = "America/El_Paso_Texas"
    with pytest.raises(ValidationError) as exc:
        site.full_clean()
    assert "not an IANA time zone" in exc.value.message_dict["time_zone"][0]


def test_the_profile_form_sets_the_zone_and_the_population_of_its_year(client_for, admin):
    site = SiteFactory(state="TX", population=100_000, population_year=2020)
    page = client_for(admin).get(reverse("sites:edit", args=[site.slug]))
    assert "The state&#x27;s zone (America/Chicago)" in page.content.decode()
    form = {
        "population": "110000",
        "population_year": "2023",
        "population_source": "ACS 2023",
        "time_zone": "America/Denver",
        "engagement_start": "2025-01-06",
        "engagement_end": "2028-01-06",
    }
    response = client_for(admin).post(reverse("sites:edit", args=[site.slug]), form)
    assert response.status_code == 302
    site.refresh_from_db()
    assert site.time_zone == "America/Denver"
    assert (2023, 110_000, "ACS 2023") in site_population_rows(site)


def test_the_profile_form_refuses_a_zone_it_does_not_offer(client_for, admin):
    site = SiteFactory(state="TX")
    form = {"time_zone": "Mars/Olympus_Mons", "engagement_start": "2025-01-06"}
    response = client_for(admin).post(reverse("sites:edit", args=[site.slug]), form)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    site.refresh_from_db()
    assert site.time_zone == ""


HEADER = "name,state,kind,cohort,start_date,program_manager_email,liaison_email,core_areas"


def test_bulk_onboarding_reads_an_optional_time_zone_column():
    UserFactory(email="pm@psp.example", role="bja_staff")
    data = (
        f"{HEADER},time_zone\n"
        "El Paso,TX,city,2024,2025-01-06,pm@psp.example,,,America/Denver\n"
        "Houston,TX,city,2024,2025-01-06,pm@psp.example,,,\n"
        "Tucson,AZ,city,2024,2025-01-06,pm@psp.example,,,Arizona/Tucson\n"
    ).encode()
    report = parse_onboarding_csv(data)
    assert [(e.row, e.column, e.value) for e in report.errors] == [
        (4, "time_zone", "Arizona/Tucson")
    ]
    assert "Not an IANA time zone" in report.errors[0].message
    good = parse_onboarding_csv(data.rsplit(b"Tucson", 1)[0].rsplit(b"\n", 1)[0] + b"\n")
    assert [(r.name, r.time_zone) for r in good.rows] == [
        ("El Paso", "America/Denver"),
        ("Houston", ""),
    ]


def test_onboarding_a_site_with_a_zone_keeps_it(admin):
    from sites.onboarding.services import site_onboard

    pm = UserFactory(role="bja_staff")
    site = site_onboard(
        acting_user=admin,
        name="El Paso",
        state="TX",
        cohort=CohortFactory(),
        engagement_start=dt.date(2025, 1, 6),
        program_manager=pm,
        time_zone="America/Denver",
        population=678_815,
        population_year=2020,
    )
    assert site.time_zone == "America/Denver"
    assert site.local_time_zone == "America/Denver"
    assert SitePopulation.objects.get(site=site).population == 678_815


def population_post(rows: list[tuple[str, str, str]], extra: int = 0) -> dict[str, str]:
    data = {"pop-TOTAL_FORMS": str(len(rows) + extra), "pop-INITIAL_FORMS": "0"}
    for i, (year, population, source) in enumerate(rows):
        data |= {f"pop-{i}-year": year, f"pop-{i}-population": population}
        data[f"pop-{i}-source"] = source
    return data


def test_an_admin_keeps_the_population_by_year_on_its_page(client_for, admin):
    site = SiteFactory(population=100_000, population_year=2020, population_source="Census")
    url = reverse("sites:population", args=[site.slug])
    page = client_for(admin).get(url)
    assert page.status_code == 200
    assert 'value="2020"' in page.content.decode()  # the profile's figure, until saved
    rows = [("2020", "100000", "Census"), ("2022", "120,000", ""), ("", "", "")]
    response = client_for(admin).post(url, population_post(rows))
    assert response.status_code == 200  # "120,000" is not a whole number here
    rows[1] = ("2022", "120000", "ACS")
    response = client_for(admin).post(url, population_post(rows))
    assert response.status_code == 302
    assert site_population_rows(site) == [(2020, 100_000, "Census"), (2022, 120_000, "ACS")]
    # Clearing a row removes that year.
    response = client_for(admin).post(url, population_post([("2022", "120000", "ACS")]))
    assert site_population_rows(site) == [(2022, 120_000, "ACS")]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("2020", "", "")], "Give the population of 2020"),
        ([("", "5000", "")], "Give the year of this population"),
        ([("1889", "5000", "")], "greater than or equal to 1990"),
        ([("2020", "0", "")], "greater than or equal to 1"),
        ([("2020", "5000", ""), ("2020", "6000", "")], "2020 is also on row 1"),
    ],
)
def test_the_population_page_names_each_problem_and_saves_nothing(client_for, admin, rows, message):
    site = SiteFactory(population=100_000, population_year=2020)
    url = reverse("sites:population", args=[site.slug])
    response = client_for(admin).post(url, population_post(rows))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not SitePopulation.objects.filter(site=site).exists()


def test_only_admins_edit_the_population_by_year(client_for, pm, liaison_a, site_a):
    url = reverse("sites:population", args=[site_a.slug])
    assert client_for(liaison_a).get(url).status_code == 403
    assert client_for(pm).get(url).status_code == 403


def test_existing_sites_get_their_states_zone_and_a_population_row_from_the_migration():
    from importlib import import_module

    from django.apps import apps

    migration = import_module("sites.migrations.0002_time_zone_and_population_by_year")
    honolulu = SiteFactory(state="HI", population=350_964, population_year=2020)
    pending = SiteFactory(state="WA", population=90_000, population_year=None)
    pending.engagement_start = dt.date(2019, 5, 1)
    pending.save()
    Site.objects.filter(pk__in=[honolulu.pk, pending.pk]).update(time_zone="")
    migration.fill_time_zones_and_populations(apps, None)
    honolulu.refresh_from_db()
    assert honolulu.time_zone == "Pacific/Honolulu"
    assert site_population_rows(honolulu) == [(2020, 350_964, "U.S. Census Bureau, 2020 Census")]
    assert site_population_rows(pending)[0][:2] == (2019, 90_000)
