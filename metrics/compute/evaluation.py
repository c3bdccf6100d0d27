"""Engagement evaluation P1, P2, P3, P5 and their sentences (docs/metrics.md §3).

P1 ``prepost_rate_ratio`` (tier 1), P2 ``its_segmented`` (tier 2), P3 ``did_rate_ratio``
(tier 3) and P5 ``minimum_detectable_effect``. Plain-English sentences follow §3.2, §3.3 and
§3.6.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

from metrics.compute.descriptive import rate_ratio_exact
from metrics.compute.envelope import MetricResult, null_result
from metrics.compute.formatting import (
    format_count,
    format_p_sentence,
    format_pct_headline,
    format_signed_pct,
    round_half_up,
)
from metrics.compute.its import its_segmented, its_sentence  # noqa: F401  (re-exported)
from metrics.compute.power import (  # noqa: F401  (re-exported)
    DISPERSION_NOTE_PHI,
    MDE_HEADLINE_MAX,
    RTM_CAUTION,
    TOO_FEW,
    Z95,
    MinimumDetectableEffect,
    _exposure_for,
    _significant,
    mde_for_rate,
    minimum_detectable_effect,
)
from metrics.compute.quality import structural_break_flags
from metrics.compute.series import (
    PROVISIONAL,
    REPORTED,
    MonthLike,
    MonthlySeries,
    as_monthly,
    check_window,
    month_label,
    months_between,
    to_month,
)

# --- P1 prepost_rate_ratio --------------------------------------------------------------


def prepost_windows(
    start: MonthLike, n_months: int = 24, gap: int = 0
) -> tuple[tuple[pd.Period, pd.Period], tuple[pd.Period, pd.Period]]:
    """§3.1 windows: pre = [s−N, s−1], post = [s+g, s+g+N−1]."""
    s = to_month(start)
    return (s - n_months, s - 1), (s + gap, s + gap + n_months - 1)


@dataclass(frozen=True)
class QuasiPoissonFit:
    """P1 quasi-Poisson dispersion fit on the 2N monthly counts (docs/metrics.md §3.2)."""

    phi: float
    se_log_rr: float
    beta_post: float


def quasi_poisson_prepost(
    counts: np.ndarray, post: np.ndarray, months: np.ndarray, exposure: np.ndarray
) -> QuasiPoissonFit | None:
    """Quasi-Poisson GLM: post indicator, calendar-month effects when there are ≥ 12 of each
    window and N is a multiple of 12, log-exposure offset; φ = Pearson χ²/df (§3.2 P1)."""
    n = len(counts)
    cols: dict[str, np.ndarray] = {"const": np.ones(n), "post": post.astype(float)}
    half = n // 2
    if half % 12 == 0 and half >= 12:
        for m in range(2, 13):
            cols[f"m{m}"] = (months == m).astype(float)
    x = np.column_stack(list(cols.values()))
    if n - x.shape[1] < 1:
        return None
    try:
        with warnings.catch_warnings():
            # Months with zero counts can trigger statsmodels' separation warning; φ is
            # still the Pearson χ²/df we want.
            warnings.simplefilter("ignore", PerfectSeparationWarning)
            fit = sm.GLM(counts, x, family=sm.families.Poisson(), offset=np.log(exposure)).fit(
                scale="X2"
            )
    except (ValueError, np.linalg.LinAlgError):  # pragma: no cover - degenerate data
        return None
    phi = float(fit.scale)
    se = float(np.asarray(fit.bse)[1])
    if not (math.isfinite(phi) and math.isfinite(se)):
        return None
    return QuasiPoissonFit(phi=phi, se_log_rr=se, beta_post=float(np.asarray(fit.params)[1]))


def prepost_rate_ratio(
    counts: pd.Series | MonthlySeries,
    status: pd.Series | None = None,
    *,
    start: MonthLike,
    n_months: int = 24,
    gap: int = 0,
    exposure: pd.Series | None = None,
    offense_label: str = "Crime",
    conf: float = 0.95,
    site: str | None = None,
    offense: str | None = None,
    breaks: Sequence[MonthLike] = (),
) -> MetricResult:
    """P1 prepost_rate_ratio (evidence tier 1, docs/metrics.md §3.2).

    RR = (C_post/E_post)/(C_pre/E_pre) with the exact conditional test (Clopper–Pearson CI,
    minlike p), plus a quasi-Poisson dispersion φ. When φ > 1 the displayed CI and p are the
    quasi-Poisson Wald ones (log RR ± z·SE, SE from the GLM, centred on the observed RR);
    otherwise the exact ones. ``exposure`` is person-years per month (default: equal).
    Always attaches P5 and the regression-to-the-mean caution.
    """
    ms = as_monthly(counts, status)
    (pre_s, pre_e), (post_s, post_e) = prepost_windows(start, n_months, gap)
    s = to_month(start)
    window = {
        "pre_start": month_label(pre_s),
        "pre_end": month_label(pre_e),
        "post_start": month_label(post_s),
        "post_end": month_label(post_e),
        "engagement_start": month_label(s),
    }
    method = "exact conditional Poisson test (Clopper–Pearson); quasi-Poisson GLM (scale=X2)"
    flags = structural_break_flags(pre_s, post_e, breaks)
    common: dict[str, Any] = {
        "site": site,
        "offense": offense,
        "window": window,
        "evidence_tier": 1,
        "method": method,
        "flags": flags,
    }
    post_status = ms.status.reindex(months_between(post_s, post_e))
    if post_e > ms.last or (post_status == PROVISIONAL).any():
        return null_result("prepost_rate_ratio", "post_window_incomplete", **common)
    for a, b in ((pre_s, pre_e), (post_s, post_e)):
        chk = check_window(ms, a, b)
        if not chk.ok:
            missing = (
                check_window(ms, pre_s, pre_e).missing + check_window(ms, post_s, post_e).missing
            )
            return null_result("prepost_rate_ratio", str(chk.reason), missing=missing, **common)
    pre_m, post_m = months_between(pre_s, pre_e), months_between(post_s, post_e)
    all_m = pre_m.append(post_m)
    ex = _exposure_for(exposure, all_m)
    if ex is None:
        return null_result("prepost_rate_ratio", "exposure_missing", **common)
    y = ms.counts.reindex(all_m).to_numpy(dtype="float64")
    c_pre, c_post = int(y[:n_months].sum()), int(y[n_months:].sum())
    e_pre, e_post = float(ex[:n_months].sum()), float(ex[n_months:].sum())
    exact = rate_ratio_exact(c_pre, c_post, e_pre, e_post, conf=conf)
    qp = None
    if c_pre > 0 and c_post > 0:
        post_ind = np.r_[np.zeros(n_months), np.ones(n_months)]
        qp = quasi_poisson_prepost(y, post_ind, np.array([m.month for m in all_m]), ex)
    values: dict[str, Any] = {
        "pre_count": c_pre,
        "post_count": c_post,
        "pre_exposure": e_pre,
        "post_exposure": e_post,
        "n_months": n_months,
        "gap": gap,
        "rate_ratio": exact.rr,
        "pct_change": None if math.isinf(exact.rr) else 100.0 * (exact.rr - 1.0),
        "exact_ci_lower": exact.lower,
        "exact_ci_upper": exact.upper,
        "exact_p": exact.p,
        "phi": None,
        "dispersion_note": None,
    }
    ci_lower, ci_upper, p, ci_method = exact.lower, exact.upper, exact.p, "exact"
    if qp is not None:
        z = float(stats.norm.ppf(0.5 + conf / 2))
        log_rr = math.log(exact.rr)
        q_low, q_high = math.exp(log_rr - z * qp.se_log_rr), math.exp(log_rr + z * qp.se_log_rr)
        q_p = float(2 * stats.norm.sf(abs(log_rr) / qp.se_log_rr))
        values.update(
            {"phi": qp.phi, "quasi_ci_lower": q_low, "quasi_ci_upper": q_high, "quasi_p": q_p}
        )
        if qp.phi > 1.0:
            ci_lower, ci_upper, p, ci_method = q_low, q_high, q_p, "quasi-poisson"
        if qp.phi > DISPERSION_NOTE_PHI:
            values["dispersion_note"] = (
                f"Monthly counts vary more than chance alone explains (φ = {qp.phi:.2f}); "
                "the wider quasi-Poisson interval is shown."
            )
    mde = minimum_detectable_effect(c_pre, phi=max(1.0, values["phi"] or 1.0))
    values.update(
        {
            "ci_lower": ci_lower,
            "ci_upper": ci_upper,
            "p_value": p,
            "ci_method": ci_method,
            "mde": mde.mde,
            "mde_display_pct": mde.display_pct,
            "too_few_events": mde.too_few_events,
            "caution": RTM_CAUTION,
        }
    )
    sentence = prepost_sentence(
        offense_label=offense_label,
        pre=c_pre,
        post=c_post,
        rr=exact.rr,
        ci_lower=ci_lower,
        ci_upper=ci_upper,
        p=p,
        n_months=n_months,
        start=s,
        too_few_events=mde.too_few_events,
    )
    values["sentence"] = sentence
    values["headline"] = TOO_FEW if mde.too_few_events else sentence
    if mde.too_few_events:
        common["flags"] = flags + ["too_few_events"]
    return MetricResult(metric="prepost_rate_ratio", status="ok", values=values, **common)


def prepost_sentence(
    *,
    offense_label: str,
    pre: int,
    post: int,
    rr: float,
    ci_lower: float,
    ci_upper: float,
    p: float,
    n_months: int,
    start: pd.Period,
    too_few_events: bool,
) -> str:
    """The P1 sentence of docs/metrics.md §3.2 (significant and not-significant forms)."""
    if pre == 0:
        return (
            f"{offense_label} went up from 0 to {post}; with no events before, a percent change "
            "cannot be given."
        )
    if _significant(ci_lower, ci_upper):
        if rr < 1:
            verb, pct = "fell", 100 * (1 - rr)
            lo, hi = 100 * (1 - ci_upper), 100 * (1 - ci_lower)
        else:
            verb, pct = "rose", 100 * (rr - 1)
            lo, hi = 100 * (ci_lower - 1), 100 * (ci_upper - 1)
        hi_text = "∞" if math.isinf(hi) else f"{round_half_up(hi):.0f}"
        return (
            f"{offense_label} {verb} {format_pct_headline(pct)} "
            f"(95% CI {round_half_up(lo):.0f}%–{hi_text}%) in the {n_months} months after PSP "
            f"engagement began ({start.strftime('%b %Y')}) compared with the {n_months} months "
            f"before ({format_count(pre)} → {format_count(post)}); {format_p_sentence(p)}. "
            f"{RTM_CAUTION}"
        )
    few = "with so few events " if too_few_events else ""
    upper = "+∞%" if math.isinf(ci_upper) else format_signed_pct(100 * (ci_upper - 1))
    return (
        f"{offense_label} went from {format_count(pre)} to {format_count(post)} "
        f"({format_signed_pct(100 * (rr - 1))}), but "
        f"{few}the change cannot be told apart from normal variation "
        f"(95% CI {format_signed_pct(100 * (ci_lower - 1))} to {upper})."
    )


# --- P3 did_rate_ratio ------------------------------------------------------------------


def did_rate_ratio(
    site_pre: int,
    site_post: int,
    comparison_pre: int,
    comparison_post: int,
    *,
    phi: float = 1.0,
    conf: float = 0.95,
    comparison_label: str = "the comparison jurisdictions",
    site: str | None = None,
    offense: str | None = None,
) -> MetricResult:
    """P3 did_rate_ratio (evidence tier 3, docs/metrics.md §3.4).

    RRR = (T1/T0)/(C1/C0); Var(ln RRR) = φ(1/T0 + 1/T1 + 1/C0 + 1/C1); Wald CI and p.
    """
    method = "ratio of rate ratios, Wald on log scale"
    common: dict[str, Any] = {
        "site": site,
        "offense": offense,
        "evidence_tier": 3,
        "method": method,
    }
    cells = (site_pre, site_post, comparison_pre, comparison_post)
    if min(cells) < 0:
        raise ValueError("counts must not be negative")
    if min(cells) == 0:
        return null_result("did_rate_ratio", "zero_count", values={"counts": list(cells)}, **common)
    rrr = (site_post / site_pre) / (comparison_post / comparison_pre)
    se = math.sqrt(phi * sum(1.0 / c for c in cells))
    z = float(stats.norm.ppf(0.5 + conf / 2))
    lower, upper = rrr * math.exp(-z * se), rrr * math.exp(z * se)
    p = float(2 * stats.norm.sf(abs(math.log(rrr)) / se))
    pct = 100 * (rrr - 1)
    verb = "fell" if rrr < 1 else "rose"
    sentence = (
        f"Relative to {comparison_label}, it {verb} {format_pct_headline(abs(pct))} "
        f"(95% CI {format_signed_pct(100 * (lower - 1))} to "
        f"{format_signed_pct(100 * (upper - 1))}); "
        f"{format_p_sentence(p)}."
    )
    values = {
        "site_pre": site_pre,
        "site_post": site_post,
        "comparison_pre": comparison_pre,
        "comparison_post": comparison_post,
        "rrr": rrr,
        "ci_lower": lower,
        "ci_upper": upper,
        "p_value": p,
        "se_log_rrr": se,
        "phi": phi,
        "pct_change": pct,
        "sentence": sentence,
    }
    return MetricResult(metric="did_rate_ratio", status="ok", values=values, **common)


# --- §3.6 evidence tier wording ---------------------------------------------------------


def tier_sentence(tier: int, pct_change: float, comparison: str | None = None) -> str:
    """§3.6 evidence-tier wording printed with every claim (tiers 1, 2, 3)."""
    pct = format_pct_headline(abs(pct_change))
    down = pct_change < 0
    if tier == 1:
        return f"{'fell' if down else 'rose'} {pct} … does not isolate PSP's effect"
    if tier == 2:
        return f"was {pct} {'lower' if down else 'higher'} than projected from its prior trend"
    if tier == 3:
        return f"relative to {comparison or 'the comparison'}, {'fell' if down else 'rose'} {pct}"
    raise ValueError("tier must be 1, 2 or 3")


__all__ = [
    "REPORTED",
    "MinimumDetectableEffect",
    "QuasiPoissonFit",
    "did_rate_ratio",
    "its_segmented",
    "its_sentence",
    "mde_for_rate",
    "minimum_detectable_effect",
    "prepost_rate_ratio",
    "prepost_sentence",
    "prepost_windows",
    "quasi_poisson_prepost",
    "tier_sentence",
]
