"""The offense vocabulary is defined once (metrics/offenses.py): the database rows, the intake,
the engine and the pages list the same codes, names and order."""

from __future__ import annotations

import subprocess
import sys

import pytest

from metrics.intake.vocab import offense_code
from metrics.models import Offense
from metrics.offenses import OFFENSE_ORDER, VOCABULARY, offense_label, offense_sort_key
from metrics.templatetags.metrics_display import offense_name


@pytest.mark.django_db
def test_the_offense_rows_follow_the_vocabulary_in_its_order():
    rows = list(Offense.objects.order_by("order").values_list("code", "name", "is_derived"))
    assert rows == [(t.code, t.name, t.derived) for t in VOCABULARY]


def test_names_and_labels_read_as_before():
    assert offense_name("shots_fired") == "Shots fired"
    assert offense_name("other") == "Other gun incident"
    assert offense_label("nonfatal_shooting_incidents") == "Nonfatal shootings"
    assert offense_label("homicide") == "Homicides"
    assert offense_label("carjacking") == "Carjacking"
    assert all(offense_code(t.name) == t.code for t in VOCABULARY)


def test_one_order_with_unknown_codes_last():
    assert OFFENSE_ORDER[:2] == ("violent_crime", "homicide")
    assert sorted(["zeta", "rape", "violent_crime"], key=offense_sort_key) == [
        "violent_crime",
        "rape",
        "zeta",
    ]


def test_the_vocabulary_imports_without_django():
    code = "import sys, metrics.offenses; assert 'django' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
