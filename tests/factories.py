"""factory_boy factories for the domain; tests build their data in code with these."""

from __future__ import annotations

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from psp.accounts.models import User
from sites.models import Agency, Cohort, Contact, Site, SiteMembership

TEST_PASSWORD = "correct-horse-battery-staple"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"user{n}@example.gov")
    full_name = factory.Faker("name")
    role = ""
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):  # type: ignore[no-untyped-def]
        if create and results:
            instance.save()


class CohortFactory(DjangoModelFactory):
    class Meta:
        model = Cohort
        django_get_or_create = ("year",)

    year = 2024
    name = factory.LazyAttribute(lambda o: f"{o.year} cohort")


class SiteFactory(DjangoModelFactory):
    class Meta:
        model = Site

    name = factory.Sequence(lambda n: f"Testville {n}")
    slug = factory.Sequence(lambda n: f"testville-{n}")
    state = "KS"
    kind = "city"
    cohort = factory.SubFactory(CohortFactory)
    phase = "implementation"
    engagement_start = dt.date(2025, 1, 6)
    engagement_end = dt.date(2028, 1, 6)
    population = 100_000
    population_year = 2020
    population_source = "U.S. Census Bureau, 2020 Census"


class AgencyFactory(DjangoModelFactory):
    class Meta:
        model = Agency

    site = factory.SubFactory(SiteFactory)
    name = factory.Sequence(lambda n: f"Agency {n}")
    kind = "police"


class ContactFactory(DjangoModelFactory):
    class Meta:
        model = Contact

    agency = factory.SubFactory(AgencyFactory)
    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"contact{n}@agency.example")


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = SiteMembership

    user = factory.SubFactory(UserFactory)
    site = factory.SubFactory(SiteFactory)
    role = "liaison"
