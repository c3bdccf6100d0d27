"""Honest inference, measured (docs/metrics.md §8.2, §9.6): tier 3 run on 20 places of the
real national pool that are not PSP sites, each with a random fake engagement date, calls at
most 3 of them significant (p_placebo_space < 0.05) for each outcome — there is nothing to
find. The same computation prints the figure in docs/benchmarks.md (``python -m bench.tier3``).
"""

from __future__ import annotations

from bench.tier3 import fake_sites


def test_no_more_than_3_of_20_non_sites_look_significant():
    results = fake_sites()
    for offense in ("fatal_shooting_incidents", "nonfatal_shooting_incidents"):
        mine = [r for r in results if r["offense"] == offense]
        assert len(mine) == 20
        tested = [r for r in mine if r.get("p_placebo_space") is not None]
        assert len(tested) >= 15, offense  # most places have a fit to test
        significant = [r for r in tested if r["p_placebo_space"] < 0.05]
        assert len(significant) <= 3, offense
