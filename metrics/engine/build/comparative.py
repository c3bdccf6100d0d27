"""Tier 3 rows (docs/metrics.md §8, §9.6): each GVA outcome of a site against a synthetic
control built from the national comparison pool, its placebos, and the difference in
differences against the donor pool. Frames in, rows out; the statistics are in
:mod:`metrics.compute.synthetic` and :mod:`metrics.compute.evaluation`.

Windows are counted in three-month blocks aligned on the engagement's first month (quarterly
rates, §8.2): the post window is ``window_months`` (6, 12 or 24) from the start; the pre window
is the up to 36 months before it that the site's series and the pool both cover, in whole
blocks, at least 12.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from metrics.compute.evaluation import did_rate_ratio
from metrics.compute.formatting import format_p, format_pct_headline
from metrics.compute.series import MonthlySeries, complete_monthly
from metrics.compute.synthetic import (
    PlaceboTest,
    eligible_donors,
    placebo_in_time,
    poor_pre_fit,
    space_placebo_fits,
    synthetic_control,
)
from metrics.engine.build.rows import Row, month_date
from metrics.engine.comparison import OUTCOMES, ComparisonInput
from metrics.engine.loaders import SiteInputs
from metrics.offenses import OFFENSE_NAMES

WINDOWS = (6, 12, 24)
HEADLINE_WINDOW = 12
MAX_PRE_MONTHS = 36
MIN_PRE_MONTHS = 12
MIN_DONORS = 5
MAX_DONORS = 200
MIN_PRE_EVENTS = 20
TIME_PLACEBO_MIN_PRE = 4  # quarters before a fake start
SITE = "__site__"
METHOD = (
    "synthetic control (Abadie, Diamond & Hainmueller 2010) on quarterly rates per 100,000; "
    "placebos in space and in time (docs/metrics.md §8.2)"
)
CAUTION = (
    "A comparison with similar places is the strongest evidence this dashboard shows, but it is "
    "not an experiment: places differ in ways the comparison cannot see, the pool's own records "
    "change over time, and a single site's result can be chance. Read it with the placebo "
    "p-value and the pre-period fit."
)


def coverage_undeclared(inputs: SiteInputs, source: str) -> bool:
    """§7.3: an incident series whose coverage no upload declares gets no tier-3 result (the
    coverage was inferred from the incidents). The pool declares its own coverage."""
    return source == "incidents" and not any(declared for *_, declared in inputs.coverage)


def pool_series(inputs: SiteInputs) -> dict[str, MonthlySeries]:
    """The linked place's monthly counts of each outcome over the pool's coverage (a month
    without a row is a true zero): the site's series where its own uploads have none."""
    comp = inputs.comparison
    if comp is None or comp.site_place is None:
        return {}
    months = pd.period_range(comp.coverage_start, comp.coverage_end, freq="M")
    mine = comp.counts[comp.counts["place_id"] == comp.site_place]
    out = {}
    for code in OUTCOMES:
        rows = mine[mine["offense"] == code].groupby("month")["count"].sum()
        counts = rows.reindex(months, fill_value=0).astype("float64")
        out[code] = complete_monthly(counts, start=months[0], end=months[-1])
    return out


def _site_counts(ms: MonthlySeries | None, pool: MonthlySeries | None) -> pd.Series:
    """The site's usable monthly counts (NaN = unusable): its own reported (or suspect) months
    first, the pool's for the other months."""
    parts = []
    if ms is not None:
        usable = ms.status.isin(["reported", "suspect"])
        parts.append(ms.counts.where(usable))
    if pool is not None:
        parts.append(pool.counts)
    if not parts:
        return pd.Series(dtype="float64")
    index = parts[0].index
    for p in parts[1:]:
        index = index.union(p.index)
    out = parts[0].reindex(index)
    for p in parts[1:]:
        out = out.fillna(p.reindex(index))
    return out.sort_index()


def _quarters(values: np.ndarray) -> np.ndarray:
    """Sums of consecutive three-month blocks of the rows of ``values``."""
    return np.asarray(values.reshape(len(values) // 3, 3, *values.shape[1:]).sum(axis=1))


def _null(offense: str, params: dict[str, Any], reason: str, **value: Any) -> Row:
    return Row(
        metric="synthetic_control",
        offense=offense,
        params=params,
        status="null",
        reason=reason,
        value=value,
        evidence_tier=3,
        method=METHOD,
    )


def _windows(
    site: pd.Series, start: pd.Period, n_post: int, comp: ComparisonInput
) -> tuple[pd.PeriodIndex, pd.PeriodIndex] | str:
    """(pre months, post months) or the reason there are none."""
    pool_first = pd.Period(comp.coverage_start, freq="M")
    pool_last = pd.Period(comp.coverage_end, freq="M")
    post = pd.period_range(start, periods=n_post, freq="M")
    have = site.dropna()
    last = min(pool_last, have.index.max()) if len(have) else pool_last
    if post[-1] > last:
        return "post_window_incomplete"
    if site.reindex(post).isna().any():
        return "missing_months"
    n_pre = 0
    month = start - 1
    while n_pre < MAX_PRE_MONTHS and month >= pool_first and not pd.isna(site.get(month)):
        n_pre += 1
        month -= 1
    n_pre -= n_pre % 3
    if n_pre < MIN_PRE_MONTHS:
        return "insufficient_pre_period"
    return pd.period_range(end=start - 1, periods=n_pre, freq="M"), post


def _sentence(offense: str, n_donors: int, pct: float, test: PlaceboTest) -> str:
    label = OFFENSE_NAMES.get(offense, offense).lower()
    direction = "lower" if pct < 0 else "higher"
    p = test.p
    p_text = f"placebo p = {format_p(p)}" if p is not None else "no placebos"
    return (
        f"Relative to a synthetic comparison of {n_donors} similar "
        f"{'place' if n_donors == 1 else 'places'}, {label} were "
        f"{format_pct_headline(abs(pct))} {direction} ({p_text}; {test.n_as_extreme} of "
        f"{test.n} placebos as extreme)"
    )


def _donors(
    comp: ComparisonInput, offense: str, pre: pd.PeriodIndex, post: pd.PeriodIndex, population: int
) -> tuple[list[int], pd.DataFrame]:
    """§8.1 eligible donors and their monthly counts over pre + post (places × months, zeros
    filled: the pool's coverage declares them)."""
    months = pre.append(post)
    counts = comp.counts[(comp.counts["offense"] == offense) & comp.counts["month"].isin(months)]
    table = (
        counts.pivot_table(index="month", columns="place_id", values="count", aggfunc="sum")
        .reindex(months)
        .fillna(0.0)
    )
    pre_events = table.loc[pre].sum().astype(int).to_dict()
    populations = comp.places.dropna(subset=["population"]).set_index("id")["population"]
    donors = eligible_donors(
        {int(k): float(v) for k, v in populations.items()},
        {int(k): int(v) for k, v in pre_events.items()},
        site_population=population,
        exclude=[*comp.excluded, *([comp.site_place] if comp.site_place else [])],
        min_events=MIN_PRE_EVENTS,
        limit=MAX_DONORS,
    )
    return donors, table.reindex(columns=donors, fill_value=0.0)


def synthetic_rows(
    inputs: SiteInputs, offense: str, site_counts: pd.Series, source: str
) -> list[Row]:
    """``synthetic_control`` and ``did_rate_ratio`` for every window of one outcome."""
    rows: list[Row] = []
    for n_post in WINDOWS:
        params = {"window_months": n_post, "source": source}
        did_params = {**params, "comparison": "donor_pool"}
        found = _prepare(inputs, offense, source, site_counts, n_post)
        if isinstance(found, tuple) and len(found[2]) < MIN_DONORS:
            rows += [
                _null(offense, params, "too_few_donors", n_donors=len(found[2])),
                _did_null(offense, did_params, "too_few_donors"),
            ]
            continue
        if isinstance(found, str):
            rows += [_null(offense, params, found), _did_null(offense, did_params, found)]
            continue
        rows += _fit_rows(inputs, offense, params, did_params, site_counts, *found)
    return rows


def _prepare(
    inputs: SiteInputs, offense: str, source: str, site_counts: pd.Series, n_post: int
) -> str | tuple[pd.PeriodIndex, pd.PeriodIndex, list[int], pd.DataFrame]:
    """The windows, donors and donor counts of one fit, or the reason there is no fit."""
    comp = inputs.comparison
    assert comp is not None
    site = inputs.site
    if coverage_undeclared(inputs, source):
        return "coverage_undeclared"
    if site.engagement_start is None:
        return "no_engagement_start"
    if not site.population:
        return "population_missing"
    windows = _windows(site_counts, pd.Period(site.engagement_start, freq="M"), n_post, comp)
    if isinstance(windows, str):
        return windows
    pre, post = windows
    return pre, post, *_donors(comp, offense, pre, post, site.population)


def _fit_rows(
    inputs: SiteInputs,
    offense: str,
    params: dict[str, Any],
    did_params: dict[str, Any],
    site_counts: pd.Series,
    pre: pd.PeriodIndex,
    post: pd.PeriodIndex,
    donors: list[int],
    table: pd.DataFrame,
) -> list[Row]:
    comp = inputs.comparison
    assert comp is not None
    population = float(inputs.site.population or 0)
    months = pre.append(post)
    site_monthly = site_counts.reindex(months).to_numpy(dtype=float)
    pops = comp.places.set_index("id").loc[donors, "population"].to_numpy(dtype=float)
    labels = comp.places.set_index("id").loc[donors, "label"].tolist()
    site_q = _quarters(site_monthly)
    donor_q = _quarters(table.to_numpy(dtype=float))
    rates = pd.DataFrame(1e5 * donor_q / pops, columns=[str(d) for d in donors])
    rates.insert(0, SITE, 1e5 * site_q / population)
    n_pre = len(pre) // 3
    # Each unit's Poisson noise as a rate: a pre-period fit closer than that is overfitting
    # (many donors, few quarters) and must not inflate a placebo's RMSPE ratio.
    mean_counts = np.concatenate([[site_q[:n_pre].mean()], donor_q[:n_pre].mean(axis=0)])
    floors = dict(
        zip(
            rates.columns,
            1e5 * np.sqrt(mean_counts) / np.concatenate([[population], pops]),
            strict=True,
        )
    )
    fit = synthetic_control(rates, SITE, n_pre, floors)
    placebos = space_placebo_fits(rates, SITE, n_pre, floors)
    space = PlaceboTest(fit.ratio_rmspe, [p.ratio_rmspe for p in placebos])
    time_test = placebo_in_time(rates, SITE, n_pre, min_pre=TIME_PLACEBO_MIN_PRE)
    by_id = dict(zip([str(d) for d in donors], labels, strict=True))
    weighted = fit.donor_weights()
    synthetic_events = fit.synthetic * population / 1e5
    observed_post = float(site_q[n_pre:].sum())
    synthetic_post = float(synthetic_events[n_pre:].sum())
    ratio = fit.effect_ratio
    pct = 100 * (ratio - 1) if math.isfinite(ratio) else None
    gaps = np.array([p.gap for p in placebos]) if placebos else np.zeros((0, len(site_q)))
    starts = [months[3 * i] for i in range(len(site_q))]
    series = [
        {
            "period_start": str(m),
            "observed": float(o),
            "synthetic": float(s),
            "band_low": float(s + np.percentile(gaps[:, i], 5)) if len(gaps) else None,
            "band_high": float(s + np.percentile(gaps[:, i], 95)) if len(gaps) else None,
        }
        for i, (m, o, s) in enumerate(zip(starts, fit.observed, fit.synthetic, strict=True))
    ]
    mean_pre = float(site_q[:n_pre].mean())
    value: dict[str, Any] = {
        "donors": [{"place": by_id[d], "weight": w} for d, w in weighted],
        "n_donors": len(weighted),
        "n_donor_pool": len(donors),
        "pre_start": str(pre[0]),
        "pre_end": str(pre[-1]),
        "post_start": str(post[0]),
        "post_end": str(post[-1]),
        "pre_rmspe": fit.pre_rmspe,
        "post_rmspe": fit.post_rmspe,
        "pre_noise_limit": 2e5 * math.sqrt(mean_pre) / population,
        "ratio": ratio,
        "pct_change": pct,
        "observed_post": observed_post,
        "synthetic_post": synthetic_post,
        "gap_events": observed_post - synthetic_post,
        "p_placebo_space": space.p,
        "n_placebos": space.n,
        "n_as_extreme": space.n_as_extreme,
        "placebo_ratios": sorted(space.placebo_statistics),
        "rmspe_ratio": space.statistic,
        "p_placebo_time": time_test.p,
        "n_placebos_time": time_test.n,
        "series": series,
        "population": population,
        "pool_source": comp.source,
        "site_place": comp.site_place_label,
        "caution": CAUTION,
    }
    through = month_date(post[-1])
    if poor_pre_fit(fit.pre_rmspe, mean_pre, population):
        sc = Row(
            metric="synthetic_control",
            offense=offense,
            params=params,
            status="null",
            reason="poor_pre_fit",
            value=value,
            evidence_tier=3,
            method=METHOD,
            data_through=through,
        )
    else:
        if pct is not None:
            value["sentence"] = _sentence(offense, len(weighted), pct, space)
        sc = Row(
            metric="synthetic_control",
            offense=offense,
            params=params,
            status="ok",
            value=value,
            evidence_tier=3,
            method=METHOD,
            data_through=through,
        )
    return [sc, _did_row(offense, did_params, site_monthly, table, len(pre), through)]


def _did_row(
    offense: str,
    params: dict[str, Any],
    site_monthly: np.ndarray,
    table: pd.DataFrame,
    n_pre: int,
    through: Any,
) -> Row:
    """P3 (§3.4, §8.3) against the donor pool's total over the same windows; φ from the
    site's pre-window months (variance/mean, at least 1)."""
    pre_months = site_monthly[:n_pre]
    mean = float(pre_months.mean())
    phi = max(1.0, float(pre_months.var(ddof=1)) / mean) if mean > 0 else 1.0
    donors = table.to_numpy(dtype=float).sum(axis=1)
    cells = [
        int(site_monthly[:n_pre].sum()),
        int(site_monthly[n_pre:].sum()),
        int(donors[:n_pre].sum()),
        int(donors[n_pre:].sum()),
    ]
    # The pre and post windows may differ in length: the site and the comparison share them
    # (and their populations), so the exposures cancel in (T1/T0)/(C1/C0).
    res = did_rate_ratio(*cells, phi=phi, comparison_label="the donor pool", offense=offense)
    v = res.values
    value = {
        "site_pre": cells[0],
        "site_post": cells[1],
        "comparison_pre": cells[2],
        "comparison_post": cells[3],
        "phi": phi,
    }
    if res.ok:
        value |= {
            "rrr": v["rrr"],
            "ci_low": v["ci_lower"],
            "ci_high": v["ci_upper"],
            "p": v["p_value"],
            "se_log_rrr": v["se_log_rrr"],
            "pct_change": v["pct_change"],
            "sentence": v["sentence"],
        }
    return Row(
        metric="did_rate_ratio",
        offense=offense,
        params=params,
        status=res.status,
        reason=res.reason or "",
        value=value,
        evidence_tier=3,
        method="ratio of rate ratios against the donor pool, Wald on the log scale "
        "(docs/metrics.md §3.4, §8.3)",
        data_through=through,
    )


def _did_null(offense: str, params: dict[str, Any], reason: str) -> Row:
    return Row(
        metric="did_rate_ratio",
        offense=offense,
        params=params,
        status="null",
        reason=reason,
        value={},
        evidence_tier=3,
        method="ratio of rate ratios against the donor pool (docs/metrics.md §3.4, §8.3)",
    )


def comparative_rows(inputs: SiteInputs, series: dict[str, Any]) -> list[Row]:
    """Tier-3 rows of every outcome the site has a series for (its own or the pool's); none
    when no pool is loaded. ``series`` maps offense codes to the engine's gated series."""
    if inputs.comparison is None:
        return []
    pooled = pool_series(inputs)
    rows: list[Row] = []
    for offense in OUTCOMES:
        own = series.get(offense)
        if own is None and offense not in pooled:
            continue
        source = own.source if own is not None else "comparison_pool"
        counts = _site_counts(own.ms if own is not None else None, pooled.get(offense))
        rows += synthetic_rows(inputs, offense, counts, source)
    return rows
