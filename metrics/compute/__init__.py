"""Pure statistics layer for PSP Portfolio metrics (docs/metrics.md). No Django, no ORM.

Inputs are a monthly count ``pd.Series`` indexed by ``pd.Period`` ('M') plus an optional
parallel status series (``reported``/``missing``/``provisional``/``suspect``), or a
:class:`MonthlySeries` built once with :func:`complete_monthly`. Window metrics return a
:class:`MetricResult` envelope (``to_dict()`` is JSON-safe); a null always carries a reason.

Series (§1, D1)
    complete_monthly(counts, status=None, *, start, end) -> MonthlySeries
    incident_monthly_counts(dates, *, coverage_start, coverage_end) -> MonthlySeries
    derive_violent(components_df, status_df=None) -> MonthlySeries   (component_missing)
    check_window(ms, start, end)
Descriptive (§2)
    monthly_count (D1), ytd_change (D2), rolling_12m / rolling_12m_series (D3),
    rate_per_100k / person_years (D4), yoy_change (D5), compstat_windows /
    compstat_date_windows (D6), poisson_z (D7), percent_change, rate_ratio_exact,
    compare_counts
Evaluation (§3)
    prepost_rate_ratio (P1), its_segmented (P2), did_rate_ratio (P3),
    minimum_detectable_effect / mde_for_rate (P5), prepost_sentence, its_sentence,
    tier_sentence, prepost_windows
Spatial (§4)
    project_equirectangular, grid_counts, concentration / gini / generalized_gini /
    top_share / cells_holding (S1), gi_star / hot_spots / benjamini_hochberg (S2),
    density_surface (S3), hot_spot_stability (S4), near_repeat_knox (S5),
    weighted_displacement_difference (S6)
Data quality (§5) — each returns list[Flag]
    dq1_missing_months, dq2_implausible_zero, dq2_all_offenses_zero, dq3_outliers,
    dq4_provisional, dq5_structural_break / structural_break_flags, dq6_revisions,
    dq7_consistency, dq8_population, dq9_incident_hygiene, apply_status_flags
Formatting (§1 display rounding)
    format_pct_headline, format_pct_table, format_signed_pct, format_rate_ratio, format_p,
    format_p_sentence, round_half_up
"""

from metrics.compute.descriptive import (
    PercentChange,
    RateRatio,
    compare_counts,
    compstat_date_windows,
    compstat_windows,
    monthly_count,
    percent_change,
    person_years,
    poisson_z,
    rate_per_100k,
    rate_ratio_exact,
    rolling_12m,
    rolling_12m_series,
    yoy_change,
    ytd_change,
)
from metrics.compute.envelope import MetricResult, null_result, package_versions
from metrics.compute.evaluation import (
    MinimumDetectableEffect,
    did_rate_ratio,
    its_segmented,
    its_sentence,
    mde_for_rate,
    minimum_detectable_effect,
    prepost_rate_ratio,
    prepost_sentence,
    prepost_windows,
    tier_sentence,
)
from metrics.compute.formatting import (
    format_p,
    format_p_sentence,
    format_pct_headline,
    format_pct_table,
    format_rate_ratio,
    format_signed_pct,
    round_half_up,
)
from metrics.compute.quality import (
    Flag,
    apply_status_flags,
    dq1_missing_months,
    dq2_all_offenses_zero,
    dq2_implausible_zero,
    dq3_outliers,
    dq4_provisional,
    dq5_structural_break,
    dq6_revisions,
    dq7_consistency,
    dq8_population,
    dq9_incident_hygiene,
    structural_break_flags,
)
from metrics.compute.series import (
    MonthlySeries,
    check_window,
    complete_monthly,
    derive_violent,
    incident_monthly_counts,
)
from metrics.compute.spatial import (
    benjamini_hochberg,
    cells_holding,
    concentration,
    density_surface,
    generalized_gini,
    gi_star,
    gini,
    grid_counts,
    hot_spot_stability,
    hot_spots,
    near_repeat_knox,
    project_equirectangular,
    top_share,
    weighted_displacement_difference,
)

__all__ = [
    "Flag",
    "MetricResult",
    "MinimumDetectableEffect",
    "MonthlySeries",
    "PercentChange",
    "RateRatio",
    "apply_status_flags",
    "benjamini_hochberg",
    "cells_holding",
    "check_window",
    "compare_counts",
    "complete_monthly",
    "compstat_date_windows",
    "compstat_windows",
    "concentration",
    "density_surface",
    "derive_violent",
    "did_rate_ratio",
    "dq1_missing_months",
    "dq2_all_offenses_zero",
    "dq2_implausible_zero",
    "dq3_outliers",
    "dq4_provisional",
    "dq5_structural_break",
    "dq6_revisions",
    "dq7_consistency",
    "dq8_population",
    "dq9_incident_hygiene",
    "format_p",
    "format_p_sentence",
    "format_pct_headline",
    "format_pct_table",
    "format_rate_ratio",
    "format_signed_pct",
    "generalized_gini",
    "gi_star",
    "gini",
    "grid_counts",
    "hot_spot_stability",
    "hot_spots",
    "incident_monthly_counts",
    "its_segmented",
    "its_sentence",
    "mde_for_rate",
    "minimum_detectable_effect",
    "monthly_count",
    "near_repeat_knox",
    "null_result",
    "package_versions",
    "percent_change",
    "person_years",
    "poisson_z",
    "prepost_rate_ratio",
    "prepost_sentence",
    "prepost_windows",
    "project_equirectangular",
    "rate_per_100k",
    "rate_ratio_exact",
    "rolling_12m",
    "rolling_12m_series",
    "round_half_up",
    "structural_break_flags",
    "tier_sentence",
    "top_share",
    "weighted_displacement_difference",
    "yoy_change",
    "ytd_change",
]
