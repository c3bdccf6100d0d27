"""S1–S6 against the docs/metrics.md §4 fixtures."""

import numpy as np
import pytest

from metrics.compute import (
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
    weighted_displacement_difference,
)

GI_GRID = np.array([[0, 1, 0, 0], [2, 8, 6, 0], [1, 7, 9, 1], [0, 0, 1, 0]])


def test_concentration_top_five_percent_and_half_of_incidents() -> None:
    c = concentration([10, 5, 3, 1, 1, 0, 0, 0, 0, 0], seed=7)
    assert c.top5_share == pytest.approx(0.50)
    assert c.cells_for_50pct == pytest.approx(0.10)
    assert c.seed == 7 and c.draws == 200
    assert c.excess_top5_share == pytest.approx(c.top5_share - c.random_top5_share)


def test_gini_and_generalized_gini_for_sparse_counts() -> None:
    counts = [5, 2, 1] + [0] * 7
    assert gini(counts) == pytest.approx(0.80)
    assert generalized_gini(counts) == pytest.approx(0.75)


def test_random_placement_is_reproducible_with_seed() -> None:
    a = concentration([10, 5, 3, 1, 1, 0, 0, 0, 0, 0], seed=3)
    b = concentration([10, 5, 3, 1, 1, 0, 0, 0, 0, 0], seed=3)
    assert a.random_top5_share == b.random_top5_share


def test_gi_star_fixture_cell() -> None:
    assert GI_GRID.mean() == pytest.approx(2.25)
    assert GI_GRID.std() == pytest.approx(3.1325, abs=5e-5)
    # (34 − 2.25·9) / (3.1325 · √((16·9 − 81)/15))
    assert gi_star(GI_GRID)[1, 1] == pytest.approx(2.142, abs=5e-4)


def test_hot_spots_report_bh_threshold() -> None:
    hs = hot_spots(GI_GRID, q=0.05)
    assert hs.q == 0.05
    assert np.all(hs.p[hs.significant] <= hs.p_threshold)
    assert hs.z.shape == GI_GRID.shape


def test_density_surface_keeps_mass_and_bandwidth() -> None:
    rng = np.random.default_rng(0)
    x, y = rng.uniform(0, 1000, 300), rng.uniform(0, 1000, 300)
    d = density_surface(x, y, bandwidth_m=100)
    assert d.bandwidth_m == 100 and d.cell_size_m == 50
    assert d.surface.sum() * (0.05**2) == pytest.approx(300, rel=1e-6)


def test_grid_counts_include_zero_cells() -> None:
    g = grid_counts([0, 10, 320], [0, 5, 0], cell_size_m=150)
    assert g.counts.tolist() == [[2, 0, 1]]
    assert g.unit == "m" and g.cell_size_m == 150


def test_projection_is_metric_around_centroid() -> None:
    x, y, _ = project_equirectangular([0.0, 0.0], [0.0, 1.0], origin=(0.0, 0.0))
    assert x[1] == pytest.approx(111_195, rel=1e-4)


def test_stability_identical_is_one_and_disjoint_is_zero() -> None:
    a = np.zeros(40, dtype=int)
    a[[1, 2]] = [9, 8]
    b = np.zeros(40, dtype=int)
    b[[30, 31]] = [9, 8]
    st = hot_spot_stability([a, a, b])
    assert st.jaccard == [1.0, 0.0]
    assert st.persistence == [1.0, 0.0]


def test_stability_ties_break_by_cell_id() -> None:
    a = np.zeros(20, dtype=int)
    a[[3, 5]] = 4  # top 5% of 20 cells = 1 cell; tie → lower id 3
    assert hot_spot_stability([a]).top_sets == [{3}]


def test_knox_band_edges_are_inclusive_as_documented() -> None:
    x = [0.0, 100.0, 1000.0, 1150.0]
    y = [0.0, 0.0, 0.0, 0.0]
    days = [0, 7, 0, 8]
    k = near_repeat_knox(x, y, days, permutations=19, seed=1)
    assert k.observed[0, 0] == 1  # exactly 100 m and 7 days: first bands
    assert k.observed[1, 1] == 1  # 150 m, 8 days
    assert k.observed.sum() == 2
    assert k.seed == 1 and k.permutations == 19
    assert np.all((k.p >= 1 / 20) & (k.p <= 1))


def test_knox_is_reproducible_with_seed() -> None:
    rng = np.random.default_rng(5)
    x, y, d = rng.uniform(0, 2000, 150), rng.uniform(0, 2000, 150), rng.integers(0, 365, 150)
    a = near_repeat_knox(x, y, d, seed=11)
    b = near_repeat_knox(x, y, d, seed=11)
    assert np.array_equal(a.expected, b.expected) and np.array_equal(a.p, b.p)


def test_wdd_fixture() -> None:
    w = weighted_displacement_difference(
        treated=(207, 110),
        control=(308, 318),
        displacement=(178, 157),
        displacement_control=(150, 140),
    )
    assert w.wdd == -118
    assert w.variance == 1568
    assert w.se == pytest.approx(39.60, abs=5e-3)
    assert w.z == pytest.approx(-2.98, abs=5e-3)
    assert (w.ci_lower, w.ci_upper) == pytest.approx((-195.6, -40.4), abs=0.05)
