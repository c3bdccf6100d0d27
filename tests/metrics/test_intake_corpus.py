"""Every input of the intake test corpus, run the whole way (receive → check → confirm →
import), ends in a named outcome — refused with a message, listed problems with row and column,
imported, or failed with a stated reason — and never in an unexpected error (a traceback)."""

from __future__ import annotations

import logging

import pytest
from django.core.exceptions import ValidationError

from metrics import services
from tests.metrics.conftest import as_file
from tests.metrics.test_bad_input import INVALID, REFUSED

pytestmark = pytest.mark.django_db

INC = "id,date,offense\n"

# Inputs beyond test_bad_input's: (case, kind, file name, content).
MORE = [
    (
        "offsets and local times mixed",
        "incidents",
        "i.csv",
        INC + "A,2018-01-01T10:00-08:00,robbery\nB,2018-01-02 10:00,robbery\n",
    ),
    (
        "two different offsets (a DST change)",
        "incidents",
        "i.csv",
        INC + "A,2018-03-10T10:00-08:00,robbery\nB,2018-03-12T10:00-07:00,robbery\n",
    ),
    (
        "offset without minutes and with a space",
        "incidents",
        "i.csv",
        INC + "A,2018-01-01 10:00:00 -08,robbery\n",
    ),
    (
        "a zone name instead of an offset",
        "incidents",
        "i.csv",
        INC + "A,2018-01-01 10:00 EST,robbery\n",
    ),
    ("an impossible offset", "incidents", "i.csv", INC + "A,2018-01-01T10:00+99:99,robbery\n"),
    (
        "a local time that does not exist (spring forward)",
        "incidents",
        "i.csv",
        INC + "A,2018-03-11 02:30,robbery\n",
    ),
    (
        "a local time that happens twice (fall back)",
        "incidents",
        "i.csv",
        INC + "A,2018-11-04 01:30,robbery\n",
    ),
    ("an offset date in the future", "incidents", "i.csv", INC + "A,2999-01-01T00:00Z,robbery\n"),
    ("only a header of incidents", "incidents", "i.csv", INC),
    ("no date column", "incidents", "i.csv", "id,offense\nA,robbery\n"),
    ("every cell empty", "incidents", "i.csv", INC + ",,\n,,\n"),
    (
        "an absurd killed count",
        "incidents",
        "i.csv",
        "id,date,n_killed,n_injured\nA,2018-01-01,99999999999999999999,0\n",
    ),
    (
        "text as coordinates",
        "incidents",
        "i.csv",
        "id,date,offense,latitude,longitude\nA,2018-01-01,robbery,north,west\n",
    ),
    (
        "a month far in the past",
        "monthly_counts",
        "c.csv",
        "month,offense,count\n1850-01,robbery,3\n",
    ),
    ("a huge count", "monthly_counts", "c.csv", "month,offense,count\n2018-01,robbery,1e30\n"),
    ("a header of blanks", "monthly_counts", "c.csv", ",,\n2018-01,robbery,3\n"),
    ("unbalanced quotes", "monthly_counts", "c.csv", 'month,offense,count\n"2018-01,robbery,3\n'),
    ("a trust survey with nothing in it", "trust_survey", "t.csv", "period,measure,value\n"),
    (
        "a NUL byte in a cell",
        "monthly_counts",
        "c.csv",
        b"month,offense,count\n2018-01,rob\x00bery,3\n",
    ),
]

CORPUS = [(c[0], c[1], c[2], c[3]) for c in INVALID]
CORPUS += [(c[0], "monthly_counts", c[1], c[2]) for c in REFUSED]
CORPUS += MORE


@pytest.mark.parametrize(
    ("kind", "name", "content"), [c[1:] for c in CORPUS], ids=[c[0] for c in CORPUS]
)
def test_every_corpus_input_ends_in_a_named_outcome_never_a_traceback(
    site_a, liaison_a, kind, name, content, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.ERROR)
    try:
        upload = services.upload_receive(
            site=site_a, kind=kind, file=as_file(content, name), acting_user=liaison_a
        )
    except ValidationError as exc:
        assert exc.messages and all(m.strip() for m in exc.messages)
        return
    if upload.status == "invalid":
        assert upload.errors
        for problem in upload.errors:
            assert isinstance(problem["row"], int)
            assert isinstance(problem["column"], str)
            assert problem["message"].strip()
        return
    assert upload.status == "validated", upload.status
    with django_capture_on_commit_callbacks(execute=True):
        services.upload_confirm(upload=upload, acting_user=liaison_a)
    upload.refresh_from_db()
    assert upload.status in ("imported", "failed")
    if upload.status == "failed":
        assert upload.failure.strip()
        assert "unexpected error" not in upload.failure
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
