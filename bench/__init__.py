"""Program-scale benchmarks (issue 8, docs/design.md §8).

``python -m bench [--scale small|reference]``.

Generates a deterministic dataset into a dedicated PostgreSQL database, measures incident import,
metrics recompute and pages against floors measured in the same run, and writes
``bench/results/latest-<scale>.json`` plus the tables in ``docs/benchmarks.md``.
"""
