"""A site's IANA time zone: the default for each state or territory, and the zones offered.

Where a state spans two zones, the default is the zone where most of its people live (census
2020 counts by county); a site in the other part sets its zone on the site's edit page:

- Florida: Eastern; the western panhandle (Pensacola) is Central.
- Indiana: Eastern (Indianapolis); the north-west and south-west corners are Central.
- Kentucky: Eastern (Louisville, Lexington); the western half is Central.
- Tennessee: Central (Nashville, Memphis); East Tennessee (Knoxville, Chattanooga) is Eastern.
- Michigan: Eastern (America/Detroit); four Upper Peninsula counties are Central.
- Texas: Central; El Paso and Hudspeth counties are Mountain.
- Kansas, Nebraska, North Dakota, South Dakota: Central; their western parts are Mountain.
- Idaho: Mountain (America/Boise); the panhandle is Pacific.
- Oregon: Pacific; most of Malheur County is Mountain.
- Arizona keeps standard time all year (America/Phoenix); the Navajo Nation observes daylight
  saving time (America/Denver).
- Alaska: America/Anchorage; the western Aleutians are America/Adak.
"""

from __future__ import annotations

import zoneinfo

from sites.states import US_STATES

STATE_TIME_ZONES: dict[str, str] = {
    "AL": "America/Chicago",
    "AK": "America/Anchorage",
    "AZ": "America/Phoenix",
    "AR": "America/Chicago",
    "CA": "America/Los_Angeles",
    "CO": "America/Denver",
    "CT": "America/New_York",
    "DE": "America/New_York",
    "DC": "America/New_York",
    "FL": "America/New_York",
    "GA": "America/New_York",
    "HI": "Pacific/Honolulu",
    "ID": "America/Boise",
    "IL": "America/Chicago",
    "IN": "America/Indiana/Indianapolis",
    "IA": "America/Chicago",
    "KS": "America/Chicago",
    "KY": "America/New_York",
    "LA": "America/Chicago",
    "ME": "America/New_York",
    "MD": "America/New_York",
    "MA": "America/New_York",
    "MI": "America/Detroit",
    "MN": "America/Chicago",
    "MS": "America/Chicago",
    "MO": "America/Chicago",
    "MT": "America/Denver",
    "NE": "America/Chicago",
    "NV": "America/Los_Angeles",
    "NH": "America/New_York",
    "NJ": "America/New_York",
    "NM": "America/Denver",
    "NY": "America/New_York",
    "NC": "America/New_York",
    "ND": "America/Chicago",
    "OH": "America/New_York",
    "OK": "America/Chicago",
    "OR": "America/Los_Angeles",
    "PA": "America/New_York",
    "RI": "America/New_York",
    "SC": "America/New_York",
    "SD": "America/Chicago",
    "TN": "America/Chicago",
    "TX": "America/Chicago",
    "UT": "America/Denver",
    "VT": "America/New_York",
    "VA": "America/New_York",
    "WA": "America/Los_Angeles",
    "WV": "America/New_York",
    "WI": "America/Chicago",
    "WY": "America/Denver",
    "AS": "Pacific/Pago_Pago",
    "GU": "Pacific/Guam",
    "MP": "Pacific/Saipan",
    "PR": "America/Puerto_Rico",
    "VI": "America/St_Thomas",
}
assert set(STATE_TIME_ZONES) == {code for code, _ in US_STATES}

# The zones a site's form offers: every state default and the zones of the split states' other
# parts. Any other valid IANA name is accepted from the bulk CSV and the admin.
US_TIME_ZONES: tuple[str, ...] = tuple(
    sorted(
        set(STATE_TIME_ZONES.values())
        | {
            "America/Adak",
            "America/Juneau",
            "America/Indiana/Knox",
            "America/Indiana/Tell_City",
            "America/Kentucky/Louisville",
            "America/Menominee",
            "America/North_Dakota/Center",
            "America/Boise",
        }
    )
)


def default_time_zone(state: str) -> str:
    """The zone of a state's larger population (the project's zone for an unknown code)."""
    from django.conf import settings

    return STATE_TIME_ZONES.get(state, settings.TIME_ZONE)


def is_time_zone(name: str) -> bool:
    """Whether ``name`` is an IANA time zone this machine knows."""
    return bool(name) and name in zoneinfo.available_timezones()
