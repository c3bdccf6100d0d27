"""Sites in the partnership, their cohorts, agencies, contacts and the people assigned to them."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Self, TypeVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from sites.states import US_STATES
from sites.timezones import default_time_zone, is_time_zone

if TYPE_CHECKING:
    from psp.accounts.models import User

_M = TypeVar("_M", bound=models.Model)

ENGAGEMENT_MONTHS = 36


class Cohort(models.Model):
    """A group of sites announced together (e.g. the 2024 cohort)."""

    year = models.PositiveSmallIntegerField(
        unique=True, validators=[MinValueValidator(2010), MaxValueValidator(2100)]
    )
    name = models.CharField(max_length=100, unique=True)
    announced_on = models.DateField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["year"]

    def __str__(self) -> str:
        return self.name


class Phase(models.TextChoices):
    """Where a site is in its engagement, in order; ``withdrawn`` may follow any phase."""

    CANDIDATE = "candidate", "Candidate"
    ONBOARDING = "onboarding", "Onboarding"
    ASSESSMENT = "assessment", "Assessment"
    PLANNING = "planning", "Planning"
    IMPLEMENTATION = "implementation", "Implementation"
    SUSTAINMENT = "sustainment", "Sustainment"
    ALUMNI = "alumni", "Alumni"
    WITHDRAWN = "withdrawn", "Withdrawn"


PHASE_ORDER = [
    Phase.CANDIDATE,
    Phase.ONBOARDING,
    Phase.ASSESSMENT,
    Phase.PLANNING,
    Phase.IMPLEMENTATION,
    Phase.SUSTAINMENT,
    Phase.ALUMNI,
]
READ_ONLY_PHASES = (Phase.ALUMNI, Phase.WITHDRAWN)
ACTIVE_PHASES = [p for p in PHASE_ORDER if p not in (Phase.CANDIDATE, Phase.ALUMNI)]


class SiteKind(models.TextChoices):
    CITY = "city", "City"
    COUNTY = "county", "County"
    TRIBAL = "tribal", "Tribal nation"
    OTHER = "other", "Other"


class SiteQuerySet(models.QuerySet["Site"]):
    """Sites, scoped to who is asking (docs/design.md §3)."""

    def for_user(self, user: User) -> SiteQuerySet:
        """Every site for staff-wide roles; otherwise the sites the user is a member of."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.sees_all_sites:
            return self
        return self.filter(memberships__user=user).distinct()


class Site(models.Model):
    """A jurisdiction in the partnership and its three-year engagement."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=80, unique=True)
    kind = models.CharField(max_length=10, choices=SiteKind.choices, default=SiteKind.CITY)
    state = models.CharField(max_length=2, choices=US_STATES)
    population = models.PositiveIntegerField(null=True, blank=True)
    population_year = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1990), MaxValueValidator(2100)]
    )
    population_source = models.CharField(max_length=200, blank=True)
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        help_text="IANA time zone of the site's timestamps, e.g. America/Los_Angeles. "
        "Blank: the zone of its state.",
    )
    latitude = models.DecimalField(
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="sites")
    phase = models.CharField(max_length=20, choices=Phase.choices, default=Phase.CANDIDATE)
    engagement_start = models.DateField(null=True, blank=True)
    engagement_end = models.DateField(null=True, blank=True)
    program_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="managed_sites",
    )
    summary = models.TextField(blank=True)

    history = HistoricalRecords()
    objects = SiteQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "state"], name="site_unique_name_state"),
            models.CheckConstraint(
                condition=Q(engagement_end__isnull=True)
                | Q(engagement_start__isnull=True)
                | Q(engagement_end__gt=models.F("engagement_start")),
                name="site_engagement_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(phase__in=[p.value for p in Phase]), name="site_phase_valid"
            ),
            models.CheckConstraint(
                condition=Q(population__isnull=True) | Q(population__gt=0),
                name="site_population_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.state}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("sites:detail", args=[self.slug])

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.engagement_start and self.engagement_end:
            if self.engagement_end <= self.engagement_start:
                raise ValidationError(
                    {"engagement_end": "The engagement must end after it starts."}
                )
        if self.time_zone and not is_time_zone(self.time_zone):
            raise ValidationError(
                {"time_zone": f"“{self.time_zone}” is not an IANA time zone (America/Chicago)."}
            )

    @property
    def local_time_zone(self) -> str:
        """The zone the site's timestamps are read in: its own, else its state's default."""
        return self.time_zone or default_time_zone(self.state)

    @property
    def is_read_only(self) -> bool:
        """Alumni and withdrawn sites keep their history but take no new work."""
        return self.phase in READ_ONLY_PHASES

    def engagement_month(self, today: dt.date | None = None) -> int | None:
        """Month N of the engagement (1-based) on ``today``; None before it starts."""
        if not self.engagement_start:
            return None
        today = today or timezone.localdate()
        if today < self.engagement_start:
            return None
        start = self.engagement_start
        months = (today.year - start.year) * 12 + (today.month - start.month)
        if today.day < start.day:
            months -= 1
        return months + 1

    @property
    def engagement_total_months(self) -> int:
        """Length of the engagement in months (36 unless the dates say otherwise)."""
        if self.engagement_start and self.engagement_end:
            s, e = self.engagement_start, self.engagement_end
            total = (e.year - s.year) * 12 + (e.month - s.month)
            return max(total, 1)
        return ENGAGEMENT_MONTHS

    def engagement_clock(self, today: dt.date | None = None) -> str:
        """Human-readable clock: "Month 14 of 36", "Starts Mar 4, 2026", "Completed (36 months)"."""
        if not self.engagement_start:
            return "Not scheduled"
        today = today or timezone.localdate()
        total = self.engagement_total_months
        if today < self.engagement_start:
            start = self.engagement_start
            return f"Starts {start:%b} {start.day}, {start.year}"
        month = self.engagement_month(today) or 0
        if month > total:
            return f"Completed ({total} months)"
        return f"Month {month} of {total}"


class SitePopulation(models.Model):
    """A site's population for one year (docs/metrics.md §7.6): rates of a year use the entry of
    that year, else of the nearest earlier year, else the first entry."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="populations")
    year = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1990), MaxValueValidator(2100)]
    )
    population = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    source = models.CharField(max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["site", "year"]
        constraints = [
            models.UniqueConstraint(fields=["site", "year"], name="site_population_unique_year"),
            models.CheckConstraint(
                condition=Q(population__gt=0), name="site_population_row_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site}: {self.population:,} ({self.year})"


class PhaseChange(models.Model):
    """One recorded transition of a site's phase: who, when and why."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="phase_changes")
    from_phase = models.CharField(max_length=20, choices=Phase.choices, blank=True)
    to_phase = models.CharField(max_length=20, choices=Phase.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField()

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.site}: {self.from_phase or '—'} → {self.to_phase}"


class AgencyKind(models.TextChoices):
    POLICE = "police", "Police department"
    SHERIFF = "sheriff", "Sheriff's office"
    PROSECUTOR = "prosecutor", "Prosecutor"
    USAO = "usao", "U.S. Attorney's Office"
    ATF = "atf", "ATF"
    FBI = "fbi", "FBI"
    DEA = "dea", "DEA"
    USMS = "usms", "U.S. Marshals Service"
    CORRECTIONS = "corrections", "Corrections / probation"
    COMMUNITY = "community", "Community organization"
    CITY_GOVERNMENT = "city_government", "City or county government"
    OTHER = "other", "Other"


FEDERAL_AGENCY_KINDS = (
    AgencyKind.USAO,
    AgencyKind.ATF,
    AgencyKind.FBI,
    AgencyKind.DEA,
    AgencyKind.USMS,
)


class SiteScopedQuerySet(models.QuerySet[_M]):
    """Base queryset for anything that belongs to a site: ``for_user`` follows the site's scope.

    Subclasses set ``site_path`` to the lookup from their model to ``Site``.
    """

    site_path = "site"

    def for_user(self, user: User) -> Self:
        if getattr(user, "is_authenticated", False) and user.is_active and user.sees_all_sites:
            # Every site: no ``site_id IN (SELECT id FROM sites_site)``, which PostgreSQL runs
            # as a hash join over every row (the activity list's count: 23 ms at 100,000).
            if "__" not in self.site_path and not self.model._meta.get_field(self.site_path).null:
                return self.all()
            return self.filter(**{f"{self.site_path}__isnull": False})
        return self.filter(**{f"{self.site_path}__in": Site.objects.for_user(user)})


class AgencyQuerySet(SiteScopedQuerySet["Agency"]):
    site_path = "site"


class Agency(models.Model):
    """A partner agency at a site: local police and prosecutors, federal partners, community."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="agencies")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=AgencyKind.choices)

    history = HistoricalRecords()
    objects = AgencyQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="agency_unique_per_site"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_federal(self) -> bool:
        return self.kind in FEDERAL_AGENCY_KINDS


class ContactQuerySet(SiteScopedQuerySet["Contact"]):
    site_path = "agency__site"


class Contact(models.Model):
    """A person at a partner agency. Personal data: shown only to users with site access."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=150)
    title = models.CharField(max_length=150, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)

    history = HistoricalRecords()
    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MembershipRole(models.TextChoices):
    LIAISON = "liaison", "Strategic site liaison / TTA"
    PARTNER = "partner", "Site partner (read-only)"


class SiteMembership(models.Model):
    """A user's role on one site: liaison (edits the site's work) or partner (reads it)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=MembershipRole.choices)
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["site__name", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "site", "role"], name="membership_unique_user_site_role"
            ),
            models.CheckConstraint(
                condition=Q(role__in=[r.value for r in MembershipRole]),
                name="membership_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} at {self.site}"
