"""Random-effects pooling (docs/metrics.md §8.4): the BCG oracle, statsmodels as an
independent DL computation, and no heterogeneity invented where there is none."""

from __future__ import annotations

import math

import numpy as np
import pytest
from statsmodels.stats.meta_analysis import combine_effects

from metrics.compute.pooling import random_effects

# metafor's dat.bcg: tpos, tneg, cpos, cneg of the 13 BCG vaccine trials.
BCG = [
    (4, 119, 11, 128),
    (6, 300, 29, 274),
    (3, 228, 11, 209),
    (62, 13536, 248, 12619),
    (33, 5036, 47, 5761),
    (180, 1361, 372, 1079),
    (8, 2537, 10, 619),
    (505, 87886, 499, 87892),
    (29, 7470, 45, 7232),
    (17, 1699, 65, 1600),
    (186, 50448, 141, 27197),
    (5, 2493, 3, 2338),
    (27, 16886, 29, 17825),
]


def _bcg() -> tuple[list[float], list[float]]:
    y = [math.log((a / (a + b)) / (c / (c + d))) for a, b, c, d in BCG]
    v = [1 / a - 1 / (a + b) + 1 / c - 1 / (c + d) for a, b, c, d in BCG]
    return y, v


def test_bcg_dersimonian_laird() -> None:
    res = random_effects(*_bcg(), method="DL")
    assert round(res.estimate, 4) == -0.7141
    assert round(res.se, 4) == 0.1787
    assert round(res.tau2, 4) == 0.3088
    assert round(res.q, 2) == 152.23
    assert round(res.i2, 2) == 92.12
    assert res.k == 13


def test_bcg_reml() -> None:
    res = random_effects(*_bcg(), method="REML")
    assert round(res.estimate, 4) == -0.7145
    assert round(res.se, 4) == 0.1798
    assert round(res.tau2, 4) == 0.3132


def test_dl_agrees_with_statsmodels() -> None:
    y, v = _bcg()
    ours = random_effects(y, v, method="DL")
    theirs = combine_effects(np.array(y), np.array(v), method_re="dl")
    assert ours.tau2 == pytest.approx(theirs.tau2, rel=1e-9)
    assert ours.estimate == pytest.approx(theirs.mean_effect_re, rel=1e-9)
    assert ours.se == pytest.approx(theirs.sd_eff_w_re, rel=1e-9)


@pytest.mark.parametrize("method", ["DL", "REML"])
def test_identical_sites_show_no_heterogeneity(method: str) -> None:
    res = random_effects([-0.2] * 5, [0.04] * 5, method=method)  # type: ignore[arg-type]
    assert res.tau2 == 0
    assert res.i2 == 0
    assert res.estimate == pytest.approx(-0.2)
    assert res.se == pytest.approx(math.sqrt(0.04 / 5))
    assert res.ci_low < -0.2 < res.ci_high


def test_one_site_is_its_own_estimate() -> None:
    res = random_effects([0.1], [0.25], method="REML")
    assert (res.estimate, res.se, res.tau2, res.k) == (0.1, 0.5, 0.0, 1)


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError):
        random_effects([0.1, 0.2], [0.1], method="DL")
    with pytest.raises(ValueError):
        random_effects([0.1], [0.0], method="DL")
