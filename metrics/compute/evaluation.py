"""Engagement evaluation P1, P2, P3, P5 and their sentences (METRICS.md §3).

P1 ``prepost_rate_ratio`` (tier 1), P2 ``its_segmented`` (tier 2), P3 ``did_rate_ratio``
(tier 3) and P5 ``minimum_detectable_effect``. Plain-English sentences follow §3.2, §3.3 and
§3.6.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import optimize, stats
from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

from metrics.compute.descriptive import rate_ratio_exact
from metrics.compute.envelope import MetricResult, null_result
from metrics.compute.formatting import (
    format_p_sentence,
    format_pct_headline,
    format_signed_pct,
    round_half_up,
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

Z95 = float(stats.norm.ppf(0.975))
DISPERSION_NOTE_PHI = 1.5
MDE_HEADLINE_MAX = 0.50
RTM_CAUTION = (
    "Caution: sites join PSP after unusually violent periods, so part of any decline is "
    "expected without intervention, and crime also fell nationally. This comparison does not "
    "by itself show that PSP caused the change."
)
TOO_FEW = "too few events to assess change reliably"


# --- P5 minimum detectable effect -------------------------------------------------------


@dataclass(frozen=True)
class MinimumDetectableEffect:
    """P5: smallest true reduction (1 − r) detected with the given power (METRICS.md §3.5).

    ``mde`` is None when no reduction is detectable; ``display_pct`` rounds up to a whole
    percent (conservative), the convention of the §3.5 table.
    """

    mde: float | None
    display_pct: int | None
    method: Literal["exact", "approximation"]
    expected_pre_count: float
    phi: float
    too_few_events: bool


def _exact_power(lam: float, rs: np.ndarray, alpha: float) -> np.ndarray:
    """Power of the two-sided exact conditional test (equal windows) for each true ratio r."""
    mu = lam * (1.0 + rs)
    hi = int(mu.max() + 12.0 * math.sqrt(mu.max()) + 12)
    lo = max(0, int(mu.min() - 12.0 * math.sqrt(mu.max()) - 12))
    n = np.arange(lo, hi + 1)
    # Under π0 = ½ the minlike p is 2·F(k) for the lower tail; reject k ≤ c_n or k ≥ n − c_n.
    c = stats.binom.ppf(alpha / 2.0, n, 0.5).astype(int) - 1
    pi = (rs / (1.0 + rs))[:, None]
    nn, cc = n[None, :], c[None, :]
    tails = np.where(
        cc >= 0, stats.binom.cdf(cc, nn, pi) + stats.binom.sf(nn - cc - 1, nn, pi), 0.0
    )
    weights = stats.poisson.pmf(nn, mu[:, None])
    return np.asarray((weights * tails).sum(axis=1))


@functools.lru_cache(maxsize=256)
def _exact_mde(lam: float, alpha: float, power: float) -> float | None:
    def first_hit(rs: np.ndarray) -> int | None:
        hits = np.nonzero(_exact_power(lam, rs, alpha) >= power)[0]
        return int(hits[0]) if hits.size else None

    if lam <= 500:
        rs = np.round(np.arange(0.999, 0.0, -0.001), 6)
        i = first_hit(rs)
        return None if i is None else round(1.0 - float(rs[i]), 6)
    coarse = np.round(np.arange(0.99, 0.0, -0.01), 6)
    i = first_hit(coarse)
    if i is None:
        return None
    top = 1.0 if i == 0 else float(coarse[i - 1])
    fine = np.round(np.arange(top - 0.001, float(coarse[i]) - 1e-9, -0.001), 6)
    j = first_hit(fine)
    r = float(coarse[i]) if j is None else float(fine[j])
    return round(1.0 - r, 6)


def _approx_mde(lam: float, phi: float, alpha: float, power: float) -> float | None:
    k = float(stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power))

    def g(r: float) -> float:
        return abs(math.log(r)) - k * math.sqrt(phi * (1.0 / lam + 1.0 / (r * lam)))

    grid = np.exp(np.linspace(-1e-9, math.log(1e-4), 4000))  # r from ~1 down to 1e-4
    vals = np.array([g(float(r)) for r in grid])
    idx = np.nonzero(vals >= 0)[0]
    if idx.size == 0:
        return None
    i = int(idx[0])
    if i == 0:
        return 1.0 - float(grid[0])
    root = optimize.brentq(g, float(grid[i]), float(grid[i - 1]))
    return 1.0 - float(root)


def minimum_detectable_effect(
    expected_pre_count: float,
    *,
    phi: float = 1.0,
    alpha: float = 0.05,
    power: float = 0.80,
    method: Literal["auto", "exact", "approximation"] = "auto",
) -> MinimumDetectableEffect:
    """P5 minimum detectable effect for equal pre and post windows (METRICS.md §3.5).

    ``exact``: power of the exact conditional (binomial) test, searched on a 0.001 grid of
    r — this reproduces the §3.5 table. ``approximation``: solve
    |ln r| = (z₁₋α/₂ + z_power)·√(φ(1/λ + 1/(rλ))), valid for λ ≥ 20. ``auto`` uses exact when
    φ ≤ 1 and the approximation (which carries φ) when φ > 1.
    """
    lam = float(expected_pre_count)
    if lam < 0:
        raise ValueError("expected count must not be negative")
    use = method if method != "auto" else ("exact" if phi <= 1.0 else "approximation")
    if lam == 0:
        mde = None
    elif use == "exact":
        mde = _exact_mde(round(lam, 6), alpha, power)
    else:
        mde = _approx_mde(lam, max(phi, 1e-9), alpha, power)
    display = None if mde is None else int(math.ceil(round(100.0 * mde, 6)))
    too_few = mde is None or mde > MDE_HEADLINE_MAX
    return MinimumDetectableEffect(mde, display, use, lam, phi, too_few)


def mde_for_rate(events_per_year: float, n_months: int, **kwargs: Any) -> MinimumDetectableEffect:
    """P5 by events per year and window length N (the §3.5 table's axes): λ = rate × N/12."""
    return minimum_detectable_effect(events_per_year * n_months / 12.0, **kwargs)


# --- P1 prepost_rate_ratio --------------------------------------------------------------


def prepost_windows(
    start: MonthLike, n_months: int = 24, gap: int = 0
) -> tuple[tuple[pd.Period, pd.Period], tuple[pd.Period, pd.Period]]:
    """§3.1 windows: pre = [s−N, s−1], post = [s+g, s+g+N−1]."""
    s = to_month(start)
    return (s - n_months, s - 1), (s + gap, s + gap + n_months - 1)


@dataclass(frozen=True)
class QuasiPoissonFit:
    """P1 quasi-Poisson dispersion fit on the 2N monthly counts (METRICS.md §3.2)."""

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


def _exposure_for(exposure: pd.Series | None, months: pd.PeriodIndex) -> np.ndarray | None:
    if exposure is None:
        return np.ones(len(months))
    ex = exposure.copy()
    if not isinstance(ex.index, pd.PeriodIndex):
        ex.index = pd.PeriodIndex([to_month(v) for v in ex.index], freq="M")
    vals = ex.reindex(months).to_numpy(dtype="float64")
    if np.isnan(vals).any() or (vals <= 0).any():
        return None
    return vals


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
    """P1 prepost_rate_ratio (evidence tier 1, METRICS.md §3.2).

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


def _significant(lower: float, upper: float) -> bool:
    return upper < 1.0 or lower > 1.0


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
    """The P1 sentence of METRICS.md §3.2 (significant and not-significant forms)."""
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
            f"before ({pre} → {post}); {format_p_sentence(p)}. {RTM_CAUTION}"
        )
    few = "with so few events " if too_few_events else ""
    upper = "+∞%" if math.isinf(ci_upper) else format_signed_pct(100 * (ci_upper - 1))
    return (
        f"{offense_label} went from {pre} to {post} ({format_signed_pct(100 * (rr - 1))}), but "
        f"{few}the change cannot be told apart from normal variation "
        f"(95% CI {format_signed_pct(100 * (ci_lower - 1))} to {upper})."
    )


# --- P2 its_segmented -------------------------------------------------------------------


def _design(
    months: pd.PeriodIndex, start: pd.Period, seasonality: str, slope: bool
) -> pd.DataFrame:
    t = np.arange(1, len(months) + 1, dtype=float)
    post = np.array([m >= start for m in months], dtype=float)
    t0 = float(t[post.argmax()]) if post.any() else float(len(months) + 1)
    moy = np.array([m.month for m in months], dtype=float)
    x = pd.DataFrame({"const": 1.0, "time": t, "post": post}, index=months)
    if slope:
        x["post_time"] = (t - t0) * post
    if seasonality == "fourier":
        for k in (1, 2):
            x[f"sin{k}"] = np.sin(2 * np.pi * k * moy / 12)
            x[f"cos{k}"] = np.cos(2 * np.pi * k * moy / 12)
    elif seasonality == "dummies":
        for m in range(2, 13):
            x[f"m{m}"] = (moy == m).astype(float)
    return x


def _lag1_autocorrelation(resid: np.ndarray) -> float:
    r = resid - resid.mean()
    denom = float((r * r).sum())
    return float((r[1:] * r[:-1]).sum() / denom) if denom > 0 else float("nan")


def its_segmented(
    counts: pd.Series | MonthlySeries,
    status: pd.Series | None = None,
    *,
    start: MonthLike,
    series_start: MonthLike | None = None,
    end: MonthLike | None = None,
    exposure: pd.Series | None = None,
    seasonality: Literal["fourier", "dummies", "none"] = "fourier",
    quasi: bool = True,
    min_pre: int = 24,
    min_post_for_slope: int = 24,
    offense_label: str = "Crime",
    conf: float = 0.95,
    site: str | None = None,
    offense: str | None = None,
    breaks: Sequence[MonthLike] = (),
) -> MetricResult:
    """P2 its_segmented (evidence tier 2, METRICS.md §3.3).

    log E[Y_t] = β0 + β1·t + β2·post + β3·(t − t0)·post + seasonality + log(exposure), fitted as
    quasi-Poisson (scale = Pearson χ²/df) by default. β3 is dropped unless there are ≥ 24 post
    months; fewer than ``min_pre`` pre months → null ``insufficient_pre_period``. Outputs the
    level-change RR exp(β2) with CI, slope change per year exp(12β3), trend per year exp(12β1),
    observed and counterfactual post totals, events averted, φ and lag-1 residual
    autocorrelation.
    """
    ms = as_monthly(counts, status)
    s = to_month(start)
    first = to_month(series_start) if series_start is not None else ms.first
    last = to_month(end) if end is not None else ms.last
    window = {
        "start": month_label(first),
        "end": month_label(last),
        "engagement_start": month_label(s),
    }
    method = f"segmented {'quasi-' if quasi else ''}Poisson regression, seasonality={seasonality}"
    flags = structural_break_flags(first, last, breaks)
    common: dict[str, Any] = {
        "site": site,
        "offense": offense,
        "window": window,
        "evidence_tier": 2,
        "method": method,
        "flags": flags,
    }
    n_pre = max(0, (s - first).n)
    n_post = max(0, (last - s).n + 1)
    if n_pre < min_pre:
        return null_result("its_segmented", "insufficient_pre_period", **common)
    if n_post < 1:
        return null_result("its_segmented", "post_window_incomplete", **common)
    chk = check_window(ms, first, last)
    if not chk.ok:
        return null_result("its_segmented", str(chk.reason), missing=chk.missing, **common)
    months = months_between(first, last)
    ex = _exposure_for(exposure, months)
    if ex is None:
        return null_result("its_segmented", "exposure_missing", **common)
    slope = n_post >= min_post_for_slope
    x = _design(months, s, seasonality, slope)
    y = ms.counts.reindex(months).to_numpy(dtype="float64")
    offset = np.log(ex)
    fit = sm.GLM(y, x, family=sm.families.Poisson(), offset=offset).fit(
        scale="X2" if quasi else 1.0
    )
    ci = fit.conf_int(alpha=1 - conf)
    params = fit.params
    phi = float(fit.pearson_chi2 / fit.df_resid)
    post_mask = x["post"].to_numpy() == 1
    x0 = x.copy()
    x0["post"] = 0.0
    if slope:
        x0["post_time"] = 0.0
    counterfactual = float(np.asarray(fit.predict(x0[post_mask], offset=offset[post_mask])).sum())
    observed = float(y[post_mask].sum())
    level_rr = float(np.exp(params["post"]))
    values: dict[str, Any] = {
        "level_rr": level_rr,
        "level_ci_lower": float(np.exp(ci.loc["post", 0])),
        "level_ci_upper": float(np.exp(ci.loc["post", 1])),
        "level_p": float(fit.pvalues["post"]),
        "trend_rr_per_year": float(np.exp(12 * params["time"])),
        "slope_change_per_year": None,
        "slope_ci_lower": None,
        "slope_ci_upper": None,
        "observed_post": observed,
        "counterfactual_post": counterfactual,
        "events_averted": counterfactual - observed,
        "phi": phi,
        "lag1_autocorrelation": _lag1_autocorrelation(np.asarray(fit.resid_pearson)),
        "n_pre": n_pre,
        "n_post": n_post,
        "slope_term": slope,
    }
    if slope:
        values["slope_change_per_year"] = float(np.exp(12 * params["post_time"]))
        values["slope_ci_lower"] = float(np.exp(12 * ci.loc["post_time", 0]))
        values["slope_ci_upper"] = float(np.exp(12 * ci.loc["post_time", 1]))
    if n_pre < 36:
        common["flags"] = flags + ["short_pre_period"]
    values["sentence"] = its_sentence(
        offense_label=offense_label,
        level_rr=level_rr,
        ci_lower=values["level_ci_lower"],
        ci_upper=values["level_ci_upper"],
        n_post=n_post,
    )
    return MetricResult(metric="its_segmented", status="ok", values=values, **common)


def its_sentence(
    *, offense_label: str, level_rr: float, ci_lower: float, ci_upper: float, n_post: int
) -> str:
    """The P2 sentence of METRICS.md §3.3 ("… was X% lower than projected …")."""
    label = offense_label[:1].lower() + offense_label[1:]
    lead = "After accounting for its earlier trend and seasonal pattern"
    if _significant(ci_lower, ci_upper):
        if level_rr < 1:
            word, pct = "lower", 100 * (1 - level_rr)
            lo, hi = 100 * (1 - ci_upper), 100 * (1 - ci_lower)
        else:
            word, pct = "higher", 100 * (level_rr - 1)
            lo, hi = 100 * (ci_lower - 1), 100 * (ci_upper - 1)
        return (
            f"{lead}, {label} was {format_pct_headline(pct)} {word} than projected "
            f"(95% CI {round_half_up(lo):.0f}%–{round_half_up(hi):.0f}%) in the {n_post} months "
            "after engagement."
        )
    return (
        f"{lead}, {label} in the {n_post} months after engagement could not be told apart from "
        f"its projection ({format_signed_pct(100 * (level_rr - 1))}; 95% CI "
        f"{format_signed_pct(100 * (ci_lower - 1))} to {format_signed_pct(100 * (ci_upper - 1))})."
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
    """P3 did_rate_ratio (evidence tier 3, METRICS.md §3.4).

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
