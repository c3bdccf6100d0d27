"""P2 interrupted time series: segmented quasi-Poisson regression (docs/metrics.md §3.3)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from metrics.compute.envelope import MetricResult, null_result
from metrics.compute.formatting import (
    format_pct_headline,
    format_signed_pct,
    round_half_up,
)
from metrics.compute.power import _exposure_for, _significant
from metrics.compute.quality import structural_break_flags
from metrics.compute.series import (
    MonthLike,
    MonthlySeries,
    as_monthly,
    check_window,
    month_label,
    months_between,
    to_month,
)

# --- P2 its_segmented -------------------------------------------------------------------

MIN_PRE_MONTHS = 36  # §7.4: tier 2 needs at least 36 pre months
HAC_MAXLAGS = 12  # §7.4: Newey–West standard errors with 12 lags
MAX_ABS_COEFFICIENT = 20.0  # §7.4: a larger |β| is an unstable fit
COUNTERFACTUAL_RANGE = (0.2, 5.0)  # §7.4: projected level against the observed pre level


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
    min_pre: int = MIN_PRE_MONTHS,
    se_type: Literal["HAC", "model"] = "HAC",
    min_post_for_slope: int = 24,
    offense_label: str = "Crime",
    conf: float = 0.95,
    site: str | None = None,
    offense: str | None = None,
    breaks: Sequence[MonthLike] = (),
) -> MetricResult:
    """P2 its_segmented (evidence tier 2, docs/metrics.md §3.3).

    log E[Y_t] = β0 + β1·t + β2·post + β3·(t − t0)·post + seasonality + log(exposure), fitted as
    quasi-Poisson (scale = Pearson χ²/df) by default. β3 is dropped unless there are ≥ 24 post
    months; fewer than ``min_pre`` (36) pre months → null ``insufficient_pre_period``. Outputs
    the level-change RR exp(β2) with CI, slope change per year exp(12β3), trend per year
    exp(12β1), observed and counterfactual post totals, events averted, φ and lag-1 residual
    autocorrelation.

    §7.4 guards: standard errors are Newey–West (HAC, 12 lags), never narrower than the
    model-based ones with φ floored at 1 (``se_type="model"`` gives the model-based quasi-Poisson
    ones, as the §3.3 oracle states them); φ is reported floored at 1; a fit that does not
    converge, has any |β| > 20, or projects a counterfactual level outside 0.2×–5× the observed
    pre-period level is null ``unstable_fit``.
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
    unstable = dict(common, values={"n_pre": n_pre, "n_post": n_post})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence and separation: judged below
            model = sm.GLM(y, x, family=sm.families.Poisson(), offset=offset)
            fit = model.fit()
            params = fit.params
            if not fit.converged or not np.all(np.isfinite(params)):
                return null_result("its_segmented", "unstable_fit", **unstable)
            hac = None
            if se_type == "HAC":
                hac = model.fit(
                    start_params=params.to_numpy(),
                    cov_type="HAC",
                    cov_kwds={"maxlags": HAC_MAXLAGS},
                )
    except (ValueError, np.linalg.LinAlgError, FloatingPointError):
        return null_result("its_segmented", "unstable_fit", **unstable)
    if (np.abs(params.to_numpy()) > MAX_ABS_COEFFICIENT).any():
        return null_result("its_segmented", "unstable_fit", **unstable)
    phi_raw = float(fit.pearson_chi2 / fit.df_resid)
    phi = max(1.0, phi_raw)
    # Model-based: quasi-Poisson with φ floored at 1 (Pearson φ as estimated when above 1,
    # which is the §3.3 oracle's scale="X2" fit).
    cov = np.asarray(fit.cov_params()) * (phi if quasi else 1.0)
    if hac is not None:
        # Newey–West, never narrower than the model-based interval.
        model_var = np.diag(cov)
        var = np.maximum(np.diag(np.asarray(hac.cov_params())), model_var)
        scale = np.sqrt(var / model_var)
        cov = cov * np.outer(scale, scale)
    se = pd.Series(np.sqrt(np.diag(cov)), index=params.index)
    z = float(stats.norm.ppf(0.5 + conf / 2))
    ci = pd.DataFrame({0: params - z * se, 1: params + z * se})
    pvalues = 2 * stats.norm.sf(np.abs(params / se))
    post_mask = x["post"].to_numpy() == 1
    x0 = x.copy()
    x0["post"] = 0.0
    if slope:
        x0["post_time"] = 0.0
    counterfactual = float(np.asarray(fit.predict(x0[post_mask], offset=offset[post_mask])).sum())
    observed = float(y[post_mask].sum())
    pre_level = float(y[~post_mask].sum()) / max(1, int((~post_mask).sum()))
    projected_level = counterfactual / max(1, int(post_mask.sum()))
    low, high = COUNTERFACTUAL_RANGE
    if pre_level <= 0 or not (low * pre_level <= projected_level <= high * pre_level):
        return null_result("its_segmented", "unstable_fit", **unstable)
    level_rr = float(np.exp(params["post"]))
    values: dict[str, Any] = {
        "level_rr": level_rr,
        "level_ci_lower": float(np.exp(ci.loc["post", 0])),
        "level_ci_upper": float(np.exp(ci.loc["post", 1])),
        "level_p": float(pvalues[list(params.index).index("post")]),
        "trend_rr_per_year": float(np.exp(12 * params["time"])),
        "slope_change_per_year": None,
        "slope_ci_lower": None,
        "slope_ci_upper": None,
        "observed_post": observed,
        "counterfactual_post": counterfactual,
        "events_averted": counterfactual - observed,
        "phi": phi,
        "phi_estimated": phi_raw,
        "se_type": se_type,
        "lag1_autocorrelation": _lag1_autocorrelation(np.asarray(fit.resid_pearson)),
        "n_pre": n_pre,
        "n_post": n_post,
        "slope_term": slope,
    }
    if slope:
        values["slope_change_per_year"] = float(np.exp(12 * params["post_time"]))
        values["slope_ci_lower"] = float(np.exp(12 * ci.loc["post_time", 0]))
        values["slope_ci_upper"] = float(np.exp(12 * ci.loc["post_time", 1]))
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
    """The P2 sentence of docs/metrics.md §3.3 ("… was X% lower than projected …")."""
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
