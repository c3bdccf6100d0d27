"""Jurisdiction search: offline, ranked, and never inventing a fact the gazetteer lacks."""

from __future__ import annotations

import pytest

from sites.onboarding import gazetteer
from sites.onboarding.gazetteer import Gazetteer, Place


def test_spring_suggests_springfield_massachusetts_with_population_and_coordinates():
    results = gazetteer.search("spring")
    springfield_ma = next(p for p in results if p.label == "Springfield, MA")
    assert springfield_ma.kind == "city"
    assert springfield_ma.population and springfield_ma.population > 100_000
    assert round(springfield_ma.latitude, 1) == 42.1
    assert round(springfield_ma.longitude, 1) == -72.6


def test_counties_come_with_fips_and_no_invented_population_or_coordinates():
    dekalb = gazetteer.lookup("DeKalb County", "GA")
    assert dekalb is not None
    assert (dekalb.kind, dekalb.fips) == ("county", "13089")
    assert dekalb.population is None
    assert dekalb.latitude is None and dekalb.longitude is None
    assert dekalb.as_json()["population_source"] == ""


def test_a_trailing_state_code_narrows_the_search():
    results = gazetteer.search("Springfield, MA")
    assert results[0].label == "Springfield, MA"
    assert {p.state for p in results} == {"MA"}


def test_search_ignores_case_and_accents_and_needs_two_letters():
    g = Gazetteer(
        [
            Place("city:1", "Cañon City", "city", "CO", 16_000, 38.4, -105.2),
            Place("city:2", "Canton", "city", "OH", 70_000, 40.8, -81.4),
        ]
    )
    assert [p.name for p in g.search("CANON")] == ["Cañon City"]
    assert g.search("c") == []


def test_prefix_matches_rank_before_word_and_substring_matches_then_by_population():
    g = Gazetteer(
        [
            Place("city:1", "West Springfield", "city", "MA", 28_000, 42.1, -72.6),
            Place("city:2", "Springfield", "city", "OH", 59_000, 39.9, -83.8),
            Place("city:3", "Springfield", "city", "MO", 170_000, 37.2, -93.3),
            Place("county:1", "Springfield County", "county", "XX", None, None, None),
        ]
    )
    labels = [p.label for p in g.search("spring")]
    assert labels[:2] == ["Springfield, MO", "Springfield, OH"]
    assert labels.index("West Springfield, MA") > labels.index("Springfield, OH")


def test_the_index_is_built_once_per_process():
    assert gazetteer.gazetteer() is gazetteer.gazetteer()
    assert len(gazetteer.gazetteer()) > 6_000  # US cities (≥ 15,000 people) and all counties


# Queries the way people type them (issue 17): the expected top hit for each.
REAL_QUERIES = [
    ("memph", "Memphis, TN"),
    ("Memphis, Tennessee", "Memphis, TN"),
    ("memphis tn", "Memphis, TN"),
    ("saint louis", "St. Louis, MO"),
    ("st louis", "St. Louis, MO"),
    ("St. Louis, MO", "St. Louis, MO"),
    ("ft worth", "Fort Worth, TX"),
    ("Ft. Myers", "Fort Myers, FL"),
    ("mt vernon ny", "Mount Vernon, NY"),
    ("baton rouge la", "Baton Rouge, LA"),
    ("kansas city missouri", "Kansas City, MO"),
    ("kansas city ks", "Kansas City, KS"),
    ("dekalb county ga", "DeKalb County, GA"),
    ("springfield massachusetts", "Springfield, MA"),
    ("pueblo co", "Pueblo, CO"),
    ("seattle wa", "Seattle, WA"),
    ("port st lucie", "Port Saint Lucie, FL"),
    ("st. paul mn", "Saint Paul, MN"),
    ("winston salem", "Winston-Salem, NC"),
    ("oxford al", "Oxford, AL"),
    ("Washington, DC", "Washington, DC"),
    ("milwaukee wisconsin", "Milwaukee, WI"),
    ("coeur d alene", "Coeur d'Alene, ID"),
    ("cook county il", "Cook County, IL"),
]


@pytest.mark.parametrize(("query", "expected"), REAL_QUERIES)
def test_real_phrasings_find_the_place_first(query, expected):
    results = gazetteer.search(query)
    assert results, f"nothing found for {query!r}"
    assert results[0].label == expected


def test_a_trailing_state_that_matches_nothing_falls_back_to_the_whole_text():
    # "co" is Colorado, but there is no "Cook" in Colorado: the user meant a county.
    labels = [p.label for p in gazetteer.search("cook co")]
    assert "Cook County, IL" in labels


def test_a_state_name_alone_is_a_place_query_not_a_filter():
    assert gazetteer.split_state("Kansas") == ("Kansas", "")
    assert gazetteer.split_state("new york new york") == ("new york", "NY")
    assert gazetteer.split_state("Memphis, Tennessee") == ("Memphis", "TN")


def test_lookup_accepts_either_spelling_of_an_abbreviation():
    place = gazetteer.lookup("Saint Louis", "MO", "city")
    assert place is not None and place.label == "St. Louis, MO"
