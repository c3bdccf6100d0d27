"""Demo notifications: the TA requests and data the demo writes through the services already
notified people; the hourly task's run for today adds the overdue and due-soon ones, so each
demo liaison's bell has something in it."""

from __future__ import annotations

from django.utils import timezone

from notifications.services.due import notifications_due
from psp.demo.sites import SeedReport


def seed(report: SeedReport) -> None:
    created = [p for p in notifications_due(timezone.localdate()) if p.created]
    if created:
        report.created.append(f"{len(created)} overdue and due-soon notifications")
