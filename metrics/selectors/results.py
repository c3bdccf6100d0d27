"""Reads of computed metrics for pages, exports and commands (results are never computed here).

Every read starts from a site the caller already resolved with ``get_site_for_user`` (or, for
command-line tools, by slug), and results are read with ``for_user`` where a user asks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Max, QuerySet

from metrics.engine.build.evaluation import HEADLINE_OFFENSES
from metrics.engine.fingerprint import inputs_fingerprint
from metrics.models import MetricResult, MetricRun
from metrics.selectors.preregistration import PreregistrationNote, preregistration_note
from metrics.selectors.review import approved_through
from sites.models import Site

if TYPE_CHECKING:
    from psp.accounts.models import User

TIER_TEXT = {
    1: "Evidence tier 1 — descriptive (pre/post only): does not isolate PSP's effect.",
    2: "Evidence tier 2 — trend-adjusted (interrupted time series).",
    3: "Evidence tier 3 — comparative (against comparison jurisdictions).",
}


def site_results(site: Site, *, user: User | None = None) -> QuerySet[MetricResult]:
    """The stored results of ``site`` (scoped to ``user`` when one asks), in a stable order."""
    qs = MetricResult.objects.all() if user is None else MetricResult.objects.for_user(user)
    return qs.filter(site=site).order_by("metric", "offense", "params_key")


@dataclass(frozen=True)
class SiteMetricsSummary:
    """What the site page shows about the metrics: the headline, freshness and the last run."""

    headlines: list[MetricResult]
    computed_at: dt.datetime | None
    data_through: dt.date | None
    fingerprint: str | None
    is_fresh: bool
    latest_run: MetricRun | None
    tier_text: str
    # The last month of the unbroken run of months BJA approved (docs/metrics.md §10).
    approved_through: dt.date | None = None
    # The pre-registration the results were computed under, shown beside them (§8.5).
    preregistration: PreregistrationNote | None = None

    @property
    def has_results(self) -> bool:
        return self.computed_at is not None


def site_metrics_summary(site: Site, *, user: User) -> SiteMetricsSummary:
    """Headline, data-through, computed-at and fresh/stale for ``site`` (a constant number of
    queries whatever the data size: the fingerprint reads aggregates)."""
    results = site_results(site, user=user)
    agg = results.aggregate(computed=Max("computed_at"), through=Max("data_through"))
    order = {code: i for i, code in enumerate(HEADLINE_OFFENSES)}
    headlines = sorted(
        results.filter(metric="headline"), key=lambda r: order.get(r.offense, len(order))
    )
    stored = results.values_list("inputs_fingerprint", flat=True).first()
    current = inputs_fingerprint(site) if stored else None
    run = MetricRun.objects.for_user(user).filter(site=site).select_related("requested_by").first()
    for h in headlines:
        sentence = h.value.get("sentence") or ""
        caution = h.value.get("caution") or ""
        # The significant-result sentence already ends with the caution; others get it apart.
        h.caution_separate = bool(caution) and caution not in sentence
    return SiteMetricsSummary(
        headlines=headlines,
        computed_at=agg["computed"],
        data_through=agg["through"],
        fingerprint=stored,
        is_fresh=bool(stored) and stored == current,
        latest_run=run,
        tier_text=TIER_TEXT[1],
        approved_through=approved_through(site),
        preregistration=preregistration_note(site, agg["computed"]),
    )
