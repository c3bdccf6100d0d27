"""Peer exchanges: one site visits another to learn a practice, and we check it was adopted."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from sites.models import Site

FOLLOW_UP_DAYS = 90


class PracticeAdopted(models.TextChoices):
    UNKNOWN = "unknown", "Not yet known"
    YES = "yes", "Yes"
    NO = "no", "No"


class PeerExchangeQuerySet(models.QuerySet["PeerExchange"]):
    """Visible to anyone who can see either the host or the visiting site."""

    def for_user(self, user) -> PeerExchangeQuerySet:  # type: ignore[no-untyped-def]
        visible = Site.objects.for_user(user)
        return self.filter(Q(host_site__in=visible) | Q(visiting_site__in=visible))

    def for_site(self, site: Site) -> PeerExchangeQuerySet:
        return self.filter(Q(host_site=site) | Q(visiting_site=site))

    def follow_up_overdue(self, today: dt.date | None = None) -> PeerExchangeQuerySet:
        today = today or timezone.localdate()
        return self.filter(practice_adopted=PracticeAdopted.UNKNOWN, follow_up_due__lt=today)


class PeerExchange(models.Model):
    """A visiting site learns a practice from a host site; 90 days on we ask if it took hold."""

    host_site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="hosted_exchanges")
    visiting_site = models.ForeignKey(
        Site, on_delete=models.CASCADE, related_name="visiting_exchanges"
    )
    topic = models.CharField(max_length=200)
    date = models.DateField()
    core_areas = models.ManyToManyField("engagements.CoreArea", related_name="peer_exchanges")
    follow_up_due = models.DateField()
    practice_adopted = models.CharField(
        max_length=10, choices=PracticeAdopted.choices, default=PracticeAdopted.UNKNOWN
    )
    follow_up_note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()
    objects = PeerExchangeQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(host_site=models.F("visiting_site")),
                name="peer_exchange_two_sites",
            ),
            models.CheckConstraint(
                condition=Q(follow_up_due__gte=models.F("date")),
                name="peer_exchange_follow_up_after_date",
            ),
            models.CheckConstraint(
                condition=Q(practice_adopted__in=[p.value for p in PracticeAdopted]),
                name="peer_exchange_adopted_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.visiting_site.name} visits {self.host_site.name}: {self.topic}"

    def clean(self) -> None:
        if self.host_site_id and self.host_site_id == self.visiting_site_id:
            raise ValidationError({"visiting_site": "The visiting site must differ from the host."})
        if self.date and self.follow_up_due and self.follow_up_due < self.date:
            raise ValidationError({"follow_up_due": "The follow-up cannot be before the exchange."})

    def follow_up_is_overdue(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.practice_adopted == PracticeAdopted.UNKNOWN and self.follow_up_due < today
