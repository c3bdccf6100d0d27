"""The portfolio's pooled estimates (docs/metrics.md §8.4): one random-effects meta-analysis
per evidence tier and outcome over the sites' stored results, rewritten after every compute.

Per site and outcome: tier 1 is the 24-month ``prepost_rate_ratio``, tier 2 the
``its_segmented`` level change, tier 3 the ``did_rate_ratio`` of the longest complete window.
The variance of each log ratio comes from its stored 95% CI, (ln hi − ln lo)² / (2·1.96)².
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from django.db import transaction
from django.utils import timezone

from metrics.compute.pooling import random_effects
from metrics.models import MetricResult, PooledEffect

Z95 = 1.959963984540054
MIN_SITES = 2

# tier → (metric, CI fields, ratio field)
TIERS: dict[int, tuple[str, str, str, str]] = {
    1: ("prepost_rate_ratio", "ci_low", "ci_high", "rr"),
    2: ("its_segmented", "level_ci_low", "level_ci_high", "level_rr"),
    3: ("did_rate_ratio", "ci_low", "ci_high", "rrr"),
}


def _usable(value: dict[str, Any], low: str, high: str, ratio: str) -> tuple[float, float] | None:
    try:
        rr, lo, hi = float(value[ratio]), float(value[low]), float(value[high])
    except (KeyError, TypeError, ValueError):
        return None
    if not (rr > 0 and 0 < lo < hi and math.isfinite(hi)):
        return None
    return math.log(rr), ((math.log(hi) - math.log(lo)) / (2 * Z95)) ** 2


def site_effects(tier: int) -> dict[str, list[dict[str, Any]]]:
    """Per outcome, one row per site: its log ratio, variance and label."""
    metric, low, high, ratio = TIERS[tier]
    qs = MetricResult.objects.filter(metric=metric, status="ok").select_related("site")
    if tier == 1:
        qs = qs.filter(params__window_months=24)
    best: dict[tuple[str, int], tuple[int, dict[str, Any]]] = {}
    for r in qs.order_by("site__name", "offense"):
        usable = _usable(r.value, low, high, ratio)
        if usable is None:
            continue
        window = int(r.params.get("window_months", 0) or 0)
        key = (r.offense, r.site_id)
        if key in best and best[key][0] >= window:
            continue
        best[key] = (
            window,
            {
                "site": r.site.name,
                "slug": r.site.slug,
                "log_rr": usable[0],
                "var": usable[1],
                "rr": math.exp(usable[0]),
                "ci_low": float(r.value[low]),
                "ci_high": float(r.value[high]),
                "window_months": window or None,
            },
        )
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for (offense, _), (_, row) in sorted(best.items(), key=lambda kv: (kv[0][0], kv[1][1]["site"])):
        out[offense].append(row)
    return dict(out)


def pooled_effects_update() -> int:
    """Recompute every pooled estimate from the stored site results (one transaction)."""
    now = timezone.now()
    objs = []
    for tier in TIERS:
        for offense, sites in site_effects(tier).items():
            if len(sites) < MIN_SITES:
                objs.append(
                    PooledEffect(
                        tier=tier,
                        offense=offense,
                        status="null",
                        reason="too_few_sites",
                        value={"n_sites": len(sites), "sites": sites},
                        computed_at=now,
                    )
                )
                continue
            dl = random_effects([s["log_rr"] for s in sites], [s["var"] for s in sites], "DL")
            res = random_effects([s["log_rr"] for s in sites], [s["var"] for s in sites], "REML")
            objs.append(
                PooledEffect(
                    tier=tier,
                    offense=offense,
                    method="REML",
                    value={
                        "estimate": math.exp(res.estimate),
                        "ci_low": math.exp(res.ci_low),
                        "ci_high": math.exp(res.ci_high),
                        "log_estimate": res.estimate,
                        "se": res.se,
                        "p": res.p,
                        "tau2": res.tau2,
                        "i2": res.i2,
                        "q": res.q,
                        "n_sites": res.k,
                        "dl_estimate": math.exp(dl.estimate),
                        "dl_tau2": dl.tau2,
                        "sites": sites,
                    },
                    computed_at=now,
                )
            )
    keys = {(o.tier, o.offense) for o in objs}
    with transaction.atomic():
        # An upsert, not delete-then-insert: two workers finishing at once both succeed.
        PooledEffect.objects.bulk_create(
            objs,
            update_conflicts=True,
            unique_fields=["tier", "offense"],
            update_fields=["method", "status", "reason", "value", "computed_at"],
        )
        stale = [
            pk
            for pk, tier, offense in PooledEffect.objects.values_list("pk", "tier", "offense")
            if (tier, offense) not in keys
        ]
        PooledEffect.objects.filter(pk__in=stale).delete()
    return len(objs)
