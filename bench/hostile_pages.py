"""The pages a hostile file leads to: time and memory (issue 21, M3 and acceptance 1).

``python -m bench.hostile_pages``: a liaison sends each file of the hostile corpus
(``tests/metrics/test_hostile_files.py``) through the upload form, then opens the page of the
upload (when a refusal was stored) and the site's Data page, which lists it. Before issue 21 the
100,000-column CSV was stored and its page took 213 s and 77 MB. Prints, per file, the seconds
and peak Python allocation (tracemalloc) of the form post, the upload's page and the Data page,
and the size of the upload's page, as a Markdown table for docs/benchmarks.md.

Runs in one process with the test settings on the test database of ``DATABASE_URL`` (kept as it
is, as ``pytest --reuse-db`` does: ``test_<name>``, migrated when new), inside a transaction
rolled back at the end, with a temporary uploads folder: it leaves nothing behind.
"""

from __future__ import annotations

import os
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

HEADER = "| file | form post | upload's page | page size | Data page |"


def measure(action: Callable[[], Any]) -> tuple[Any, float, float]:
    """(result, seconds, peak MB allocated by Python while it ran)."""
    tracemalloc.start()
    start = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return result, seconds, peak


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "psp.settings.test")
    import django

    django.setup()
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import override_settings, setup_test_environment
    from django.urls import reverse

    setup_test_environment()
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=True)

    from metrics.models import Upload
    from tests.factories import MembershipFactory, SiteFactory, UserFactory
    from tests.metrics.test_hostile_files import CORPUS

    rows = [HEADER, "| --- | --- | --- | --- | --- |"]
    with tempfile.TemporaryDirectory() as folder, override_settings(PSP_UPLOAD_DIR=folder):
        with transaction.atomic():
            site = SiteFactory(slug="hostile-pages")
            liaison = UserFactory(email="hostile.pages@example.gov")
            MembershipFactory(user=liaison, site=site, role="liaison")
            client = Client()
            client.force_login(liaison, backend="django.contrib.auth.backends.ModelBackend")
            data_url = reverse("metrics:data", args=[site.slug])
            last = 0
            for case, name, build, _ in CORPUS:
                path = Path(folder) / "corpus" / name
                path.parent.mkdir(exist_ok=True)
                path.write_bytes(build())
                with path.open("rb") as fh:
                    response, post_s, post_mb = measure(
                        lambda fh=fh: client.post(
                            reverse("metrics:upload_create", args=[site.slug]),
                            {"kind": "monthly_counts", "file": fh},
                        )
                    )
                if response.status_code not in (200, 302):
                    raise SystemExit(f"{case}: the form answered {response.status_code}")
                upload = Upload.objects.filter(site=site, pk__gt=last).first()
                last = upload.pk if upload is not None else last
                page = "not stored"
                size = "—"
                if upload is not None:
                    shown, page_s, page_mb = measure(
                        lambda u=upload: client.get(u.get_absolute_url())
                    )
                    if shown.status_code != 200:
                        raise SystemExit(f"{case}: its page answered {shown.status_code}")
                    page = f"{page_s:.2f} s, {page_mb:.0f} MB"
                    size = f"{len(shown.content) / 1024:.0f} KB"
                listed, data_s, data_mb = measure(lambda: client.get(data_url))
                if listed.status_code != 200:
                    raise SystemExit(f"{case}: the Data page answered {listed.status_code}")
                rows.append(
                    f"| {case} | {post_s:.2f} s, {post_mb:.0f} MB | {page} | {size} "
                    f"| {data_s:.2f} s, {data_mb:.0f} MB |"
                )
                path.unlink()
            transaction.set_rollback(True)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print("\n".join(rows))
    print(f"\nload average at the end: {load}")


if __name__ == "__main__":
    main()
