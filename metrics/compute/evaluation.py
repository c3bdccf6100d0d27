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
    SUSPECT,
    MonthLike,
    MonthlySeries,
    as_monthly,
    check_window,
    month_label,
    months_between,
    to_month,
)

# --- P1 prepost_rate_ratio --------------------------------------------------------------

EXACT_MDE_BELOW = 20  # §7.5: the exact power table decides "too few events" below 20 events


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
    df_resid: float = math.inf


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
    return QuasiPoissonFit(
        phi=phi,
        se_log_rr=se,
        beta_post=float(np.asarray(fit.params)[1]),
        df_resid=float(fit.df_resid),
    )


@dataclass(frozen=True)
class PrePostEstimate:
    """The rate ratio of one set of pre and post months with its exact and quasi-Poisson
    intervals, and the displayed one: the wider of the two (docs/metrics.md §7.5)."""

    c_pre: int
    c_post: int
    e_pre: float
    e_post: float
    exact: Any
    qp: QuasiPoissonFit | None
    quasi: tuple[float, float, float] | None  # (low, high, p) with t on the residual df
    ci_lower: float
    ci_upper: float
    p: float
    ci_method: str


def prepost_estimate(
    y: np.ndarray, post: np.ndarray, months: np.ndarray, exposure: np.ndarray, conf: float
) -> PrePostEstimate:
    """Exact conditional RR of the pre (``post`` 0) against the post months, the quasi-Poisson
    GLM's interval (log RR ± t·SE, t on the GLM's residual df) and the displayed interval, the
    wider of the two on the log scale (§7.5; the quasi one is never shown narrower)."""
    pre_mask = post == 0
    c_pre, c_post = int(y[pre_mask].sum()), int(y[~pre_mask].sum())
    e_pre, e_post = float(exposure[pre_mask].sum()), float(exposure[~pre_mask].sum())
    exact = rate_ratio_exact(c_pre, c_post, e_pre, e_post, conf=conf)
    qp = None
    if c_pre > 0 and c_post > 0:
        qp = quasi_poisson_prepost(y, post, months, exposure)
    low, high, p, method = exact.lower, exact.upper, exact.p, "exact"
    quasi = None
    if qp is not None:
        t = float(stats.t.ppf(0.5 + conf / 2, qp.df_resid))
        log_rr = math.log(exact.rr)
        q_low, q_high = math.exp(log_rr - t * qp.se_log_rr), math.exp(log_rr + t * qp.se_log_rr)
        q_p = float(2 * stats.t.sf(abs(log_rr) / qp.se_log_rr, qp.df_resid))
        quasi = (q_low, q_high, q_p)
        if math.log(q_high) - math.log(q_low) > _log_width(exact.lower, exact.upper):
            low, high, p, method = q_low, q_high, q_p, "quasi-poisson"
    return PrePostEstimate(c_pre, c_post, e_pre, e_post, exact, qp, quasi, low, high, p, method)


def _log_width(lower: float, upper: float) -> float:
    if lower <= 0 or math.isinf(upper):
        return math.inf
    return math.log(upper) - math.log(lower)


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
    minlike p), plus a quasi-Poisson dispersion φ. The displayed CI and p are the wider of the
    exact and the quasi-Poisson ones (log RR ± t·SE on the GLM's residual df, centred on the
    observed RR; §7.5). Suspect months stay in; ``sensitivity`` repeats the estimate without
    them (§7.3). ``exposure`` is person-years per month (default: equal). Always attaches P5
    and the regression-to-the-mean caution.
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
    post_ind = np.r_[np.zeros(n_months), np.ones(n_months)]
    moy = np.array([m.month for m in all_m])
    est = prepost_estimate(y, post_ind, moy, ex, conf)
    exact, qp = est.exact, est.qp
    c_pre, c_post = est.c_pre, est.c_post
    values: dict[str, Any] = {
        "pre_count": c_pre,
        "post_count": c_post,
        "pre_exposure": est.e_pre,
        "post_exposure": est.e_post,
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
    if qp is not None and est.quasi is not None:
        q_low, q_high, q_p = est.quasi
        values.update(
            {"phi": qp.phi, "quasi_ci_lower": q_low, "quasi_ci_upper": q_high, "quasi_p": q_p}
        )
        if qp.phi > DISPERSION_NOTE_PHI:
            values["dispersion_note"] = (
                f"Monthly counts vary more than chance alone explains (φ = {qp.phi:.2f}); "
                "the interval shown allows for it."
            )
    significant = _significant(est.ci_lower, est.ci_upper)
    # §7.5: "too few events" is decided by the expected count alone (the exact power table
    # below 20 events, the approximation above), never by φ, and never beside a significant
    # result; the MDE with φ is kept for the reader.
    by_counts = minimum_detectable_effect(
        c_pre, method="exact" if c_pre < EXACT_MDE_BELOW else "approximation"
    )
    with_phi = minimum_detectable_effect(c_pre, phi=max(1.0, values["phi"] or 1.0))
    too_few = by_counts.too_few_events and not significant
    suspect = [month_label(m) for m, st in ms.status.reindex(all_m).items() if st == SUSPECT]
    values.update(
        {
            "ci_lower": est.ci_lower,
            "ci_upper": est.ci_upper,
            "p_value": est.p,
            "ci_method": est.ci_method,
            "significant": significant,
            "mde": by_counts.mde,
            "mde_display_pct": by_counts.display_pct,
            "mde_with_dispersion_pct": with_phi.display_pct,
            "too_few_events": too_few,
            "caution": RTM_CAUTION,
            "sensitivity": _sensitivity(y, post_ind, moy, ex, all_m, suspect, conf),
        }
    )
    sentence = prepost_sentence(
        offense_label=offense_label,
        pre=c_pre,
        post=c_post,
        rr=exact.rr,
        ci_lower=est.ci_lower,
        ci_upper=est.ci_upper,
        p=est.p,
        n_months=n_months,
        start=s,
        too_few_events=too_few,
    )
    values["sentence"] = sentence
    values["headline"] = TOO_FEW if too_few else sentence
    if too_few:
        common["flags"] = flags + ["too_few_events"]
    return MetricResult(metric="prepost_rate_ratio", status="ok", values=values, **common)


def _sensitivity(
    y: np.ndarray,
    post: np.ndarray,
    moy: np.ndarray,
    exposure: np.ndarray,
    months: pd.PeriodIndex,
    suspect: list[str],
    conf: float,
) -> dict[str, Any] | None:
    """§7.3 sensitivity: the same estimate without the suspect (flagged) months, or None when
    no month of the windows is flagged. Null figures when a whole window is flagged."""
    if not suspect:
        return None
    keep = np.array([month_label(m) not in suspect for m in months])
    out: dict[str, Any] = {
        "excluded_months": suspect,
        "rr": None,
        "ci_low": None,
        "ci_high": None,
        "pct_change": None,
    }
    if not (keep & (post == 0)).any() or not (keep & (post == 1)).any():
        return out
    est = prepost_estimate(y[keep], post[keep], moy[keep], exposure[keep], conf)
    rr = est.exact.rr
    out.update(
        rr=rr,
        ci_low=est.ci_lower,
        ci_high=est.ci_upper,
        pct_change=None if math.isinf(rr) or est.c_pre == 0 else 100.0 * (rr - 1.0),
        c_pre=est.c_pre,
        c_post=est.c_post,
    )
    return out


def sensitivity_sentence(sensitivity: dict[str, Any] | None) -> str:
    """The sensitivity line of a headline (§7.3, §7.5), e.g. "Without the 2 flagged months:
    −18% (−30% to −4%)."; empty when no month is flagged."""
    if not sensitivity:
        return ""
    n = len(sensitivity["excluded_months"])
    lead = f"Without the {n} flagged month{'s' if n != 1 else ''}"
    if sensitivity.get("rr") is None:
        return f"{lead} no comparison is left."
    if sensitivity.get("pct_change") is None:
        return f"{lead}: {_counts_change(sensitivity['c_pre'], sensitivity['c_post'])}."
    upper = sensitivity["ci_high"]
    hi = "+∞%" if math.isinf(upper) else format_signed_pct(100 * (upper - 1))
    return (
        f"{lead}: {format_signed_pct(sensitivity['pct_change'])} "
        f"({format_signed_pct(100 * (sensitivity['ci_low'] - 1))} to {hi})."
    )


def _counts_change(pre: int, post: int) -> str:
    """A change from a zero base (§1): "no change (0 → 0)" or "up from 0 to X"."""
    if post == 0:
        return "no change (0 → 0)"
    return f"up from 0 to {format_count(post)}"


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
    with_caution: bool = True,
) -> str:
    """The P1 sentence of docs/metrics.md §3.2 (significant and not-significant forms); a
    headline prints the caution once on its own (§7.5), so it asks ``with_caution=False``."""
    if pre == 0:
        if post == 0:
            return f"{offense_label}: no change (0 → 0) between the two windows."
        return (
            f"{offense_label} went up from 0 to {format_count(post)}; with no events before, a "
            "percent change cannot be given."
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
            f"before ({format_count(pre)} → {format_count(post)}); {format_p_sentence(p)}."
            + (f" {RTM_CAUTION}" if with_caution else "")
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
    "prepost_estimate",
    "prepost_sentence",
    "sensitivity_sentence",
    "prepost_windows",
    "quasi_poisson_prepost",
    "tier_sentence",
]
