"""Writes of pre-registration (docs/metrics.md §8.5) and of what onboarding sets up for the
evaluation.

:func:`preregistration_record` keeps a new version of a site's plan — primary outcome, windows,
comparison rule, pre-engagement MDE — and never edits an old one: the first is recorded at
onboarding; every later change needs a reason, kept on the version it creates and shown beside
every result computed under it. :func:`site_onboarded` is the onboarding hook
(:mod:`sites.onboarding.hooks`, registered in ``MetricsConfig.ready``): a new site gets the
default reporting schedule and its first pre-registration in the onboarding transaction.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from metrics.compute.power import minimum_detectable_effect
from metrics.engine.comparison import OUTCOMES as POOL_OUTCOMES
from metrics.models import (
    DEFAULT_DUE_DAYS,
    POOL_RULES,
    ComparisonRule,
    MonthlyCount,
    Offense,
    Preregistration,
    ReportingSchedule,
)
from metrics.offenses import OFFENSE_ORDER, VIOLENT_COMPONENTS, offense_name
from metrics.services.stewardship import schedule_save

if TYPE_CHECKING:
    from psp.accounts.models import User
    from sites.models import Site

WINDOWS = (12, 24, 36)
MAX_GAP = 12
DEFAULT_OUTCOME = "violent_crime"
DEFAULT_WINDOW = 24  # docs/metrics.md §3.1
DEFAULT_RULE = ComparisonRule.TREND_ADJUSTED
FIELDS = ("primary_outcome", "window_months", "gap_months", "comparison_rule", "mde_pct")


def _add_months(month: dt.date, n: int) -> dt.date:
    idx = month.year * 12 + month.month - 1 + n
    return dt.date(idx // 12, idx % 12 + 1, 1)


def pre_engagement_mde(site: Site, outcome: str, window_months: int) -> tuple[float | None, str]:
    """The MDE (percent, §3.5, Poisson) that the ``window_months`` before the engagement's start
    give ``outcome``, and a sentence saying what it rests on; ``None`` when those months are not
    all stored yet (the MDE is then entered by hand or recorded with a later version)."""
    if site.engagement_start is None:
        return None, "No engagement start date: no pre-engagement window to measure."
    start = site.engagement_start.replace(day=1)
    first = _add_months(start, -window_months)
    codes = set(VIOLENT_COMPONENTS) if outcome == "violent_crime" else {outcome}
    by_month: dict[dt.date, dict[str, int]] = defaultdict(dict)
    for month, code, count in MonthlyCount.objects.filter(
        site=site, offense__code__in=codes, month__gte=first, month__lt=start
    ).values_list("month", "offense__code", "count"):
        by_month[month][code] = count
    complete = [m for m in by_month.values() if set(m) == codes]
    if len(complete) < window_months:
        return None, (
            f"Not computed: the {window_months} months before the start "
            f"({first:%b %Y}–{_add_months(start, -1):%b %Y}) are not all stored yet."
        )
    total = sum(sum(m.values()) for m in complete)
    mde = minimum_detectable_effect(float(total))
    basis = (
        f"From {total:,} events of {offense_name(outcome).lower()} in the {window_months} months "
        f"before the start ({first:%b %Y}–{_add_months(start, -1):%b %Y}), Poisson, 80% power."
    )
    if mde.display_pct is None:
        return None, basis + " No reduction is detectable with these counts."
    return float(mde.display_pct), basis


def _validate(
    primary_outcome: str,
    window_months: int,
    gap_months: int,
    comparison_rule: str,
    mde_pct: float | None,
) -> None:
    errors: dict[str, str] = {}
    if primary_outcome not in OFFENSE_ORDER:
        errors["primary_outcome"] = f"“{primary_outcome}” is not an offense code."
    if window_months not in WINDOWS:
        errors["window_months"] = f"{window_months} is not a window: choose 12, 24 or 36 months."
    if not 0 <= gap_months <= MAX_GAP:
        errors["gap_months"] = f"{gap_months} is not a gap: between 0 and {MAX_GAP} months."
    if comparison_rule not in ComparisonRule.values:
        errors["comparison_rule"] = f"“{comparison_rule}” is not a comparison rule."
    elif comparison_rule in POOL_RULES and primary_outcome not in POOL_OUTCOMES:
        errors["comparison_rule"] = (
            "The comparison pool holds fatal and nonfatal shooting incidents only: "
            f"{offense_name(primary_outcome)} cannot be compared with its places."
        )
    if mde_pct is not None and not 0 < mde_pct <= 100:
        errors["mde_pct"] = f"{mde_pct} is not a percent between 0 and 100."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def preregistration_record(
    *,
    site: Site,
    acting_user: User | None,
    primary_outcome: str,
    window_months: int,
    comparison_rule: str,
    gap_months: int = 0,
    mde_pct: float | None = None,
    reason: str = "",
) -> Preregistration:
    """Record a version of ``site``'s pre-registration. ``mde_pct`` empty: computed from the
    pre-engagement counts (:func:`pre_engagement_mde`), or left empty when they are missing.
    A version after the first needs ``reason``; a version identical to the one in force is
    refused (nothing would change)."""
    _validate(primary_outcome, window_months, gap_months, comparison_rule, mde_pct)
    reason = (reason or "").strip()
    current = (
        Preregistration.objects.select_for_update().filter(site=site).order_by("-version").first()
    )
    if mde_pct is None:
        mde_pct, basis = pre_engagement_mde(site, primary_outcome, window_months)
    else:
        basis = "Entered by hand."
    if current is not None:
        wanted = (primary_outcome, window_months, gap_months, comparison_rule, mde_pct)
        if wanted == tuple(getattr(current, f) for f in FIELDS):
            raise ValidationError(
                {"__all__": f"Nothing changed: this is version {current.version} as recorded."}
            )
        if not reason:
            raise ValidationError(
                {
                    "reason": f"Version {current.version} was recorded on "
                    f"{timezone.localdate(current.recorded_at):%b %-d, %Y}: say why it changes "
                    "(the reason is kept and shown beside every result computed under it)."
                }
            )
    today = timezone.localdate()
    prereg = Preregistration(
        site=site,
        version=(current.version + 1) if current else 1,
        primary_outcome=primary_outcome,
        window_months=window_months,
        gap_months=gap_months,
        comparison_rule=comparison_rule,
        mde_pct=mde_pct,
        mde_basis=basis[:300],
        reason=reason[:2000],
        after_start=bool(site.engagement_start and site.engagement_start <= today),
        recorded_by=acting_user,
        recorded_at=timezone.now(),
    )
    prereg.full_clean()
    prereg.save()
    return prereg


def default_rule(site: Site) -> ComparisonRule:
    """The default comparison rule: the trend-adjusted comparison (the default outcome, violent
    crime, is not in the national pool of shootings)."""
    return DEFAULT_RULE


def site_onboarded(site: Site, acting_user: User | None) -> None:
    """The onboarding hook: the default reporting schedule (the violent-crime components due 30
    days after month end from the engagement's start, no incident records) and the first
    pre-registration (violent crime, 24-month windows, no gap, trend-adjusted), unless the site
    already has them. An administrator changes both on the reporting set-up page."""
    if not ReportingSchedule.objects.filter(site=site).exists():
        known = set(
            Offense.objects.filter(code__in=VIOLENT_COMPONENTS).values_list("code", flat=True)
        )
        schedule_save(
            site=site,
            acting_user=acting_user,  # type: ignore[arg-type]
            due_days=DEFAULT_DUE_DAYS,
            offenses=[c for c in VIOLENT_COMPONENTS if c in known],
            incidents_expected=False,
            reporting_from=None,
        )
    if not Preregistration.objects.filter(site=site).exists():
        preregistration_record(
            site=site,
            acting_user=acting_user,
            primary_outcome=DEFAULT_OUTCOME,
            window_months=DEFAULT_WINDOW,
            comparison_rule=default_rule(site),
        )
