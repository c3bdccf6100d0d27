"""Engagement evaluation rows (docs/metrics.md §3): P1 pre/post rate ratio for 12/24/36-month
windows, P2 interrupted time series, and the site's headline sentence."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from metrics.compute import its_segmented, prepost_rate_ratio
from metrics.compute.envelope import MetricResult, null_result
from metrics.compute.evaluation import prepost_windows, sensitivity_sentence
from metrics.compute.population import monthly_exposure
from metrics.compute.power import RTM_CAUTION, TOO_FEW
from metrics.engine.build.rows import Row, month_date, row_from
from metrics.engine.build.series import OffenseSeries
from metrics.engine.loaders import SiteInfo
from metrics.offenses import offense_label

WINDOWS = (24, 12, 36)
HEADLINE_WINDOW = 24
ITS_MAX_PRE = 60

REASON_TEXT = {
    "post_window_incomplete": "the {n} months after engagement began are not complete yet",
    "missing_months": "some months in the comparison windows have no data",
    "provisional_months": "some months in the windows are still provisional",
    "suspect_months": "some months in the windows failed a data-quality check",
    "coverage_undeclared": (
        "the incident source's coverage was not declared, so months without incidents cannot be "
        "told from months without data"
    ),
    "insufficient_pre_period": "fewer than 36 months of data before engagement",
    "unstable_fit": "the trend model does not give a stable projection",
    "model_did_not_fit": "the model could not be fitted to these counts",
    "component_missing": "a component of violent crime is missing for some months",
    "exposure_missing": "the site's population is not recorded",
    "no_engagement_start": "the engagement start date is not recorded",
    "no_data": "no outcome data has been imported",
}


def exposure_series(site: SiteInfo, ms_index: pd.PeriodIndex) -> pd.Series | None:
    """Person-years per month: population / 12, the population of the month's year
    (docs/metrics.md §1 Exposure, §7.6)."""
    return monthly_exposure(site.populations, ms_index)


def _engagement_month(site: SiteInfo) -> pd.Period | None:
    return None if site.engagement_start is None else pd.Period(site.engagement_start, freq="M")


def prepost_row(
    s: OffenseSeries,
    site: SiteInfo,
    n_months: int,
    gap: int = 0,
    *,
    breaks: list[dt.date] | None = None,
) -> Row:
    """P1 for one window length: exact and dispersion-adjusted intervals and the MDE."""
    params = {"source": s.source, "window_months": n_months, "gap_months": gap}
    start = _engagement_month(site)
    through = month_date(s.data_through)
    if start is None:
        return Row(
            metric="prepost_rate_ratio",
            offense=s.offense,
            params=params,
            status="null",
            reason="no_engagement_start",
            evidence_tier=1,
            value={},
            data_through=through,
        )
    index = pd.period_range(min(s.ms.first, start - n_months), start + gap + n_months, freq="M")
    (pre_s, _), (_, post_e) = prepost_windows(start, n_months, gap)
    if s.undeclared_months(pre_s, post_e):
        res: MetricResult = _undeclared("prepost_rate_ratio", 1, start, pre_s, post_e)
    else:
        res = prepost_rate_ratio(
            s.ms,
            start=start,
            n_months=n_months,
            gap=gap,
            exposure=exposure_series(site, index),
            offense_label=offense_label(s.offense),
            offense=s.offense,
            breaks=breaks or [],
        )
    w = res.window or {}
    v = res.values
    value: dict[str, Any] = {
        "pre_start": w.get("pre_start"),
        "pre_end": w.get("pre_end"),
        "post_start": w.get("post_start"),
        "post_end": w.get("post_end"),
        "engagement_start": w.get("engagement_start"),
    }
    if res.ok:
        value.update(
            c_pre=v["pre_count"],
            c_post=v["post_count"],
            e_pre=v["pre_exposure"],
            e_post=v["post_exposure"],
            rr=v["rate_ratio"],
            pct_change=v["pct_change"],
            ci_exact_low=v["exact_ci_lower"],
            ci_exact_high=v["exact_ci_upper"],
            p_exact=v["exact_p"],
            phi=v["phi"],
            ci_quasi_low=v.get("quasi_ci_lower"),
            ci_quasi_high=v.get("quasi_ci_upper"),
            p_quasi=v.get("quasi_p"),
            ci_low=v["ci_lower"],
            ci_high=v["ci_upper"],
            p=v["p_value"],
            ci_method=v["ci_method"],
            mde_pct=v["mde_display_pct"],
            mde_with_dispersion_pct=v["mde_with_dispersion_pct"],
            too_few_events=v["too_few_events"],
            dispersion_note=v["dispersion_note"],
            sentence=v["sentence"],
            headline=v["headline"],
            caution=v["caution"],
            significant=v["significant"],
            sensitivity=v["sensitivity"],
        )
    return row_from(res, offense=s.offense, params=params, value=value, data_through=through)


def _undeclared(
    metric: str, tier: int, start: pd.Period, first: pd.Period, last: pd.Period
) -> MetricResult:
    """§7.3: an incident series whose window is not inside declared coverage gets no estimate."""
    window = {"start": str(first), "end": str(last), "engagement_start": str(start)}
    if metric == "prepost_rate_ratio":
        window = {"engagement_start": str(start)}
    return null_result(metric, "coverage_undeclared", evidence_tier=tier, window=window)


def its_row(s: OffenseSeries, site: SiteInfo, breaks: list[dt.date] | None = None) -> Row:
    """P2: segmented quasi-Poisson regression around the engagement start (≥ 36 pre months,
    HAC standard errors, null ``unstable_fit`` when the projection runs away; §7.4)."""
    params = {"source": s.source}
    start = _engagement_month(site)
    through = month_date(s.data_through)
    if start is None:
        return Row(
            metric="its_segmented",
            offense=s.offense,
            params=params,
            status="null",
            reason="no_engagement_start",
            evidence_tier=2,
            value={},
            data_through=through,
        )
    end = s.ms.latest_reported()
    first = max(s.ms.first, start - ITS_MAX_PRE)
    if end is None or end < start:
        end = s.ms.last
    index = pd.period_range(min(first, start), max(end, start), freq="M")
    if s.undeclared_months(first, end):
        res: MetricResult = _undeclared("its_segmented", 2, start, first, end)
    else:
        res = its_segmented(
            s.ms,
            start=start,
            series_start=first,
            end=end,
            exposure=exposure_series(site, index),
            offense_label=offense_label(s.offense),
            offense=s.offense,
            breaks=breaks or [],
        )
    v = res.values
    value: dict[str, Any] = dict(res.window or {})
    if res.ok:
        value.update(
            level_rr=v["level_rr"],
            level_ci_low=v["level_ci_lower"],
            level_ci_high=v["level_ci_upper"],
            level_p=v["level_p"],
            phi=v["phi"],
            phi_estimated=v["phi_estimated"],
            se_type=v["se_type"],
            counterfactual_total=v["counterfactual_post"],
            observed_total=v["observed_post"],
            events_averted=v["events_averted"],
            trend_rr_per_year=v["trend_rr_per_year"],
            slope_change_per_year=v["slope_change_per_year"],
            slope_ci_low=v["slope_ci_lower"],
            slope_ci_high=v["slope_ci_upper"],
            lag1_autocorrelation=v["lag1_autocorrelation"],
            n_pre=v["n_pre"],
            n_post=v["n_post"],
            sentence=v["sentence"],
        )
    return row_from(res, offense=s.offense, params=params, value=value, data_through=through)


HEADLINE_OFFENSES = (
    "violent_crime",
    "homicide",
    "fatal_shooting_incidents",
    "nonfatal_shooting_victims",
    "nonfatal_shooting_incidents",
    "robbery",
    "aggravated_assault",
)


def headline_rows(prepost: dict[str, Row], its: dict[str, Row]) -> list[Row]:
    """One headline per headline offense the site has (docs/metrics.md §3.2, §3.5, §3.6): the
    24-month pre/post sentence with its CI and evidence tier, or "Too few events to assess
    change reliably." when the MDE exceeds 50%, or — when the comparison cannot be made — why.
    """
    return [headline_row(prepost[o], its.get(o)) for o in HEADLINE_OFFENSES if o in prepost]


def headline_row(pp: Row, trend: Row | None) -> Row:
    """The headline of one offense from its 24-month pre/post result (and ITS when tier 2)."""
    offense = pp.offense
    label = offense_label(offense)
    value: dict[str, Any] = {
        "offense_label": label,
        "window_months": HEADLINE_WINDOW,
        "engagement_start": pp.value.get("engagement_start"),
        "caution": RTM_CAUTION,
    }
    if pp.status != "ok":
        why = REASON_TEXT.get(pp.reason, pp.reason.replace("_", " ")).format(n=HEADLINE_WINDOW)
        value["sentence"] = f"No pre/post comparison for {label.lower()} yet: {why}."
        return Row(
            metric="headline",
            offense=offense,
            params={},
            status="null",
            reason=pp.reason,
            flags=pp.flags,
            evidence_tier=1,
            value=value,
            data_through=pp.data_through,
        )
    too_few = bool(pp.value["too_few_events"])
    # §7.5: the caution is printed once, apart from the sentence (the P1 sentence of §3.2
    # carries it; a headline shows it on its own line).
    plain = str(pp.value["sentence"]).replace(f" {RTM_CAUTION}", "")
    value.update(
        {
            "too_few_events": too_few,
            "sentence": TOO_FEW[:1].upper() + TOO_FEW[1:] + "." if too_few else plain,
            "detail": plain,
            "c_pre": pp.value["c_pre"],
            "c_post": pp.value["c_post"],
            "pct_change": pp.value["pct_change"],
            "ci_low": pp.value["ci_low"],
            "ci_high": pp.value["ci_high"],
            "p": pp.value["p"],
            "mde_pct": pp.value["mde_pct"],
            "significant": pp.value["significant"],
            "sensitivity": pp.value.get("sensitivity"),
            "sensitivity_sentence": sensitivity_sentence(pp.value.get("sensitivity")),
        }
    )
    if trend is not None and trend.status == "ok":
        value["trend_sentence"] = trend.value["sentence"]
    return Row(
        metric="headline",
        offense=offense,
        params={},
        status="ok",
        flags=pp.flags,
        evidence_tier=1,
        value=value,
        method="P1 prepost_rate_ratio, 24-month windows; P5 minimum detectable effect",
        data_through=pp.data_through,
    )
