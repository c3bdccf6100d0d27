"""Tier 3 on the pages (docs/metrics.md §8, §9.6): each outcome's stored synthetic control and
difference in differences for a site, and the portfolio's pooled estimates with a forest plot.
Reads stored results only; figures are plain plotly dicts."""

from __future__ import annotations

from typing import Any

from metrics.compute.formatting import format_p, format_pct_table, format_rate_ratio
from metrics.models import MetricResult, PooledEffect
from metrics.offenses import offense_label
from sites.models import Site

TIER_NAMES = {1: "Tier 1, before and after", 2: "Tier 2, trend-adjusted", 3: "Tier 3, comparative"}
REASONS = {
    "too_few_donors": "fewer than 5 places of similar size (¼× to 4× its population) with at "
    "least 20 events before engagement are in the comparison pool",
    "poor_pre_fit": "no combination of comparison places tracked it closely enough before "
    "engagement (the pre-period error is more than twice the noise expected at its level)",
    "post_window_incomplete": "the comparison data do not cover the months after engagement "
    "yet (the national pool runs to March 2018)",
    "coverage_undeclared": "its incident data do not declare which months they cover",
    "insufficient_pre_period": "there are fewer than 12 months of data before engagement",
    "missing_months": "a month of the window has no data",
    "no_engagement_start": "no engagement start date is recorded",
    "population_missing": "its population is not recorded",
}
CAUTION_TEXT = (
    "A comparison with similar places is the strongest evidence this dashboard shows, but it is "
    "not an experiment: places differ in ways the comparison cannot see, the pool's own records "
    "change over time, and one site's result can be chance. Read it with the placebo p-value "
    "and the pre-period fit; a pooled estimate carried by few sites is fragile."
)
# The outcomes the portfolio pools (the headline offenses of docs/metrics.md §7.5).
POOLED_OUTCOMES = (
    "violent_crime",
    "homicide",
    "fatal_shooting_incidents",
    "nonfatal_shooting_incidents",
)
COLORS = {"site": "#005ea2", "synthetic": "#d54309", "band": "rgba(113,118,122,0.25)"}


def _layout(title: str, y_title: str, height: int = 320) -> dict[str, Any]:
    return {
        "title": {"text": title, "font": {"size": 16}},
        "height": height,
        "margin": {"l": 60, "r": 20, "t": 50, "b": 50},
        "yaxis": {"title": {"text": y_title}, "rangemode": "tozero", "gridcolor": "#dfe1e2"},
        "legend": {"orientation": "h", "y": -0.2},
        "plot_bgcolor": "white",
        "paper_bgcolor": "white",
    }


def _num(value: Any, digits: int = 1) -> str:
    return "—" if value is None else f"{float(value):,.{digits}f}"


def synthetic_chart(site: Site, offense: str, value: dict[str, Any]) -> dict[str, Any]:
    """Site against its synthetic control, quarterly rates, with the placebo band (the 5th–95th
    percentile of the placebos' gaps around the synthetic path)."""
    series = value.get("series") or []
    x = [p["period_start"] for p in series]
    label = offense_label(offense)
    data: list[dict[str, Any]] = []
    if series and series[0].get("band_low") is not None:
        data += [
            {
                "type": "scatter",
                "x": x,
                "y": [p["band_high"] for p in series],
                "mode": "lines",
                "line": {"width": 0},
                "showlegend": False,
                "hoverinfo": "skip",
            },
            {
                "type": "scatter",
                "x": x,
                "y": [p["band_low"] for p in series],
                "mode": "lines",
                "line": {"width": 0},
                "fill": "tonexty",
                "fillcolor": COLORS["band"],
                "name": "placebo band (5th–95th percentile)",
            },
        ]
    data += [
        {
            "type": "scatter",
            "x": x,
            "y": [p["synthetic"] for p in series],
            "mode": "lines",
            "name": "synthetic comparison",
            "line": {"color": COLORS["synthetic"], "dash": "dash"},
        },
        {
            "type": "scatter",
            "x": x,
            "y": [p["observed"] for p in series],
            "mode": "lines+markers",
            "name": site.name,
            "line": {"color": COLORS["site"]},
        },
    ]
    layout = _layout(f"{label}: {site.name} and its synthetic comparison", "per 100,000 a quarter")
    layout["xaxis"] = {"title": {"text": "quarter starting"}, "type": "category"}
    start = value.get("post_start")
    if start in x:
        layout["shapes"] = [
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": start,
                "x1": start,
                "y0": 0,
                "y1": 1,
                "line": {"dash": "dot", "width": 1},
            }
        ]
    return {
        "id": f"tier3-{offense}",
        "figure": {"data": data, "layout": layout},
        "title": f"{label}: {site.name} and its synthetic comparison, per 100,000 a quarter",
        "caption": "Quarterly rates per 100,000 (three-month blocks from the engagement start). "
        "The shaded band is where the placebo places' gaps fall (5th–95th percentile) around "
        "the synthetic path; the dotted line marks the engagement start. "
        "Incident data: Gun Violence Archive (gunviolencearchive.org).",
        "headers": ["Quarter starting", site.name, "Synthetic", "Band low", "Band high"],
        "rows": [
            [
                p["period_start"],
                _num(p["observed"]),
                _num(p["synthetic"]),
                _num(p.get("band_low")),
                _num(p.get("band_high")),
            ]
            for p in series
        ],
    }


def _pick(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The longest window with a result, else the headline (12-month) null."""
    ok = [r for r in rows if r["status"] == "ok"]
    if ok:
        return max(ok, key=lambda r: r["params"].get("window_months", 0))
    with_fit = [r for r in rows if r["value"].get("series")]
    if with_fit:
        return max(with_fit, key=lambda r: r["params"].get("window_months", 0))
    twelve = [r for r in rows if r["params"].get("window_months") == 12]
    return (twelve or rows)[0] if rows else None


def site_comparisons(site: Site) -> list[dict[str, Any]]:
    """One entry per outcome with tier-3 results: sentence or the reason there is none, chart,
    donors, pre-period fit, the DiD, and the caution."""
    stored: list[dict[str, Any]] = [
        dict(r)
        for r in MetricResult.objects.filter(
            site=site, metric__in=["synthetic_control", "did_rate_ratio"]
        )
        .order_by("offense")
        .values("metric", "offense", "status", "reason", "value", "params")
    ]
    out = []
    for offense in sorted({r["offense"] for r in stored}):
        sc = _pick(
            [r for r in stored if r["offense"] == offense and r["metric"] == "synthetic_control"]
        )
        if sc is None:
            continue
        v = sc["value"]
        window = sc["params"].get("window_months")
        did = next(
            (
                r
                for r in stored
                if r["offense"] == offense
                and r["metric"] == "did_rate_ratio"
                and r["params"].get("window_months") == window
            ),
            None,
        )
        entry: dict[str, Any] = {
            "offense": offense,
            "label": offense_label(offense),
            "status": sc["status"],
            "reason": sc["reason"],
            "reason_text": REASONS.get(sc["reason"], sc["reason"].replace("_", " ")),
            "window": window,
            "value": v,
            "did": did,
        }
        if v.get("series"):
            entry["chart"] = synthetic_chart(site, offense, v)
            entry["donors"] = [
                {"place": d["place"], "weight": format_pct_table(100 * d["weight"])}
                for d in v.get("donors", [])
            ]
            entry["counts_text"] = (
                f"{_num(v['observed_post'], 0)} observed against {_num(v['synthetic_post'])} "
                f"for the synthetic comparison ({_num(v['gap_events'])} events) over "
                f"{v['post_start']} to {v['post_end']}"
            )
            entry["fit_text"] = (
                f"Pre-period fit ({v['pre_start']} to {v['pre_end']}): error "
                f"{_num(v['pre_rmspe'], 2)} per 100,000 a quarter; poor above "
                f"{_num(v['pre_noise_limit'], 2)}."
            )
            p_time = v.get("p_placebo_time")
            entry["placebo_text"] = (
                f"Placebos in space: {v['n_as_extreme']} of {v['n_placebos']} places as extreme "
                f"(p = {format_p(v['p_placebo_space']) if v.get('p_placebo_space') else '—'}). "
                f"Placebos in time: {v.get('n_placebos_time', 0)} earlier fake start"
                f"{'s' if v.get('n_placebos_time') != 1 else ''}"
                f"{f' (p = {format_p(p_time)})' if p_time is not None else ''}."
            )
        out.append(entry)
    return out


def forest_chart(effect: PooledEffect, visible: set[str]) -> dict[str, Any]:
    v = effect.value
    sites = v.get("sites", [])
    # A site the reader may not see is counted in the pool but not named.
    names = [
        s["site"] if s["slug"] in visible else f"Another site ({i})" for i, s in enumerate(sites, 1)
    ] + ["Pooled (random effects)"]
    rr = [s["rr"] for s in sites] + [v["estimate"]]
    lo = [s["ci_low"] for s in sites] + [v["ci_low"]]
    hi = [s["ci_high"] for s in sites] + [v["ci_high"]]
    label = offense_label(effect.offense)
    figure = {
        "data": [
            {
                "type": "scatter",
                "mode": "markers",
                "x": rr,
                "y": names,
                "name": "rate ratio",
                "marker": {
                    "color": ["#005ea2"] * len(sites) + ["#d54309"],
                    "size": 9,
                    "symbol": ["square"] * len(sites) + ["diamond"],
                },
                "error_x": {
                    "type": "data",
                    "symmetric": False,
                    "array": [h - r for h, r in zip(hi, rr, strict=True)],
                    "arrayminus": [r - low for r, low in zip(rr, lo, strict=True)],
                },
            },
        ],
        "layout": {
            **_layout(f"{label}: {TIER_NAMES[effect.tier]}", "", 120 + 36 * len(names)),
            "xaxis": {"type": "log", "title": {"text": "rate ratio (log scale; 1 = no change)"}},
            "yaxis": {"autorange": "reversed", "type": "category"},
            "shapes": [
                {
                    "type": "line",
                    "x0": 1,
                    "x1": 1,
                    "yref": "paper",
                    "y0": 0,
                    "y1": 1,
                    "line": {"dash": "dot", "width": 1},
                }
            ],
            "showlegend": False,
        },
    }
    return {
        "id": f"forest-{effect.tier}-{effect.offense}",
        "figure": figure,
        "title": f"{label}, {TIER_NAMES[effect.tier].lower()}: each site's rate ratio and the "
        "pooled estimate",
        "caption": "Each site's rate ratio with its 95% CI, and the random-effects (REML) pooled "
        "estimate. Below 1 means fewer events than the comparison.",
        "headers": ["Site", "Rate ratio", "95% CI"],
        "rows": [
            [n, format_rate_ratio(r), f"{format_rate_ratio(low)}–{format_rate_ratio(h)}"]
            for n, r, low, h in zip(names, rr, lo, hi, strict=True)
        ],
    }


def portfolio_pooled(visible: set[str]) -> list[dict[str, Any]]:
    """The pooled estimates by tier and outcome, with their forest plots."""
    out = []
    effects = PooledEffect.objects.filter(offense__in=POOLED_OUTCOMES).order_by("tier", "offense")
    for effect in effects:
        v = effect.value
        entry: dict[str, Any] = {
            "tier": effect.tier,
            "tier_name": TIER_NAMES.get(effect.tier, f"Tier {effect.tier}"),
            "label": offense_label(effect.offense),
            "status": effect.status,
            "n_sites": v.get("n_sites", 0),
            "value": v,
            "computed_at": effect.computed_at,
        }
        if effect.status == "ok":
            entry["chart"] = forest_chart(effect, visible)
            entry["text"] = (
                f"Pooled rate ratio {format_rate_ratio(v['estimate'])} (95% CI "
                f"{format_rate_ratio(v['ci_low'])}–{format_rate_ratio(v['ci_high'])}) across "
                f"{v['n_sites']} sites; τ² = {v['tau2']:.3f}, I² = {v['i2']:.0f}%."
            )
        out.append(entry)
    return out
