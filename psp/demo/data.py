"""The ten publicly named PSP sites as demo data.

Populations are the 2020 decennial census counts (U.S. Census Bureau); coordinates are the
jurisdictions' approximate centres. Cohort assignments, dates, phases and people are plausible
demo values, not BJA's records.
"""

from __future__ import annotations

import datetime as dt

CENSUS_2020 = "U.S. Census Bureau, 2020 Census"

COHORTS = [
    # year, name, announced_on
    (2017, "2017 cohort", dt.date(2017, 6, 20)),
    (2019, "2019 cohort", dt.date(2019, 5, 1)),
    (2021, "2021 cohort", dt.date(2021, 9, 15)),
    (2024, "2024 cohort", dt.date(2024, 10, 1)),
]

# slug, name, kind, state, population, lat, lon, cohort year, start, phase, program manager key
SITES = [
    (
        "milwaukee",
        "Milwaukee",
        "city",
        "WI",
        577_222,
        43.0389,
        -87.9065,
        2017,
        dt.date(2017, 7, 1),
        "alumni",
        "pm1",
    ),
    (
        "baton-rouge",
        "Baton Rouge",
        "city",
        "LA",
        227_470,
        30.4515,
        -91.1871,
        2017,
        dt.date(2017, 7, 1),
        "alumni",
        "pm1",
    ),
    (
        "wichita",
        "Wichita",
        "city",
        "KS",
        397_532,
        37.6872,
        -97.3301,
        2019,
        dt.date(2019, 10, 1),
        "alumni",
        "pm2",
    ),
    (
        "baltimore",
        "Baltimore",
        "city",
        "MD",
        585_708,
        39.2904,
        -76.6122,
        2021,
        dt.date(2022, 1, 3),
        "sustainment",
        "pm2",
    ),
    (
        "oxford",
        "Oxford",
        "city",
        "AL",
        22_069,
        33.6143,
        -85.8350,
        2021,
        dt.date(2022, 1, 3),
        "sustainment",
        "pm1",
    ),
    (
        "dekalb-county",
        "DeKalb County",
        "county",
        "GA",
        764_382,
        33.7710,
        -84.2264,
        2024,
        dt.date(2025, 1, 6),
        "implementation",
        "pm1",
    ),
    (
        "pueblo",
        "Pueblo",
        "city",
        "CO",
        111_876,
        38.2544,
        -104.6091,
        2024,
        dt.date(2025, 1, 6),
        "implementation",
        "pm2",
    ),
    (
        "seattle",
        "Seattle",
        "city",
        "WA",
        737_015,
        47.6062,
        -122.3321,
        2024,
        dt.date(2025, 1, 6),
        "planning",
        "pm2",
    ),
    (
        "springfield",
        "Springfield",
        "city",
        "MA",
        155_929,
        42.1015,
        -72.5898,
        2024,
        dt.date(2025, 1, 6),
        "planning",
        "pm1",
    ),
    (
        "tampa",
        "Tampa",
        "city",
        "FL",
        384_959,
        27.9506,
        -82.4572,
        2024,
        dt.date(2025, 1, 6),
        "assessment",
        "pm2",
    ),
]

# Phases walked through, in order, to reach each site's current phase (recorded as history).
PHASE_PATH = ["onboarding", "assessment", "planning", "implementation", "sustainment", "alumni"]

# key, email, full name, title, staff-wide role
USERS = [
    ("admin", "admin@psp.example", "Avery Admin", "PSP Administrator", "admin"),
    ("pm1", "pm@psp.example", "Morgan Patel", "BJA Program Manager", "bja_staff"),
    ("pm2", "pm2@psp.example", "Jordan Reyes", "BJA Program Manager", "bja_staff"),
    ("auditor", "auditor@psp.example", "Casey Auditor", "OIG Reviewer", "auditor"),
    ("liaison", "liaison@psp.example", "Riley Chen", "Strategic Site Liaison", ""),
    ("liaison2", "liaison2@psp.example", "Sam Okafor", "Strategic Site Liaison", ""),
    ("analyst", "analyst@psp.example", "Dana Brooks", "TTA Crime Analyst", ""),
    ("partner", "partner@psp.example", "Chief Taylor Grant", "Assistant Chief of Police", ""),
]

# user key, site slug, role
MEMBERSHIPS = [
    ("liaison", "wichita", "liaison"),
    ("liaison", "tampa", "liaison"),
    ("liaison", "pueblo", "liaison"),
    ("liaison", "baton-rouge", "liaison"),
    ("liaison2", "milwaukee", "liaison"),
    ("liaison2", "baltimore", "liaison"),
    ("liaison2", "dekalb-county", "liaison"),
    ("liaison2", "seattle", "liaison"),
    ("liaison2", "springfield", "liaison"),
    ("liaison2", "oxford", "liaison"),
    ("analyst", "milwaukee", "liaison"),
    ("analyst", "tampa", "liaison"),
    ("partner", "tampa", "partner"),
]

# Local agencies per site: (name, kind). Federal partners are added from FEDERAL below.
LOCAL_AGENCIES = {
    "milwaukee": [
        ("Milwaukee Police Department", "police"),
        ("Milwaukee County District Attorney's Office", "prosecutor"),
        ("Milwaukee Office of Violence Prevention", "city_government"),
    ],
    "baton-rouge": [
        ("Baton Rouge Police Department", "police"),
        ("East Baton Rouge Parish Sheriff's Office", "sheriff"),
        ("East Baton Rouge Parish District Attorney's Office", "prosecutor"),
    ],
    "wichita": [
        ("Wichita Police Department", "police"),
        ("Sedgwick County Sheriff's Office", "sheriff"),
        ("Sedgwick County District Attorney's Office", "prosecutor"),
    ],
    "baltimore": [
        ("Baltimore Police Department", "police"),
        ("Baltimore City State's Attorney's Office", "prosecutor"),
        ("Mayor's Office of Neighborhood Safety and Engagement", "city_government"),
    ],
    "oxford": [
        ("Oxford Police Department", "police"),
        ("Calhoun County Sheriff's Office", "sheriff"),
        ("Calhoun and Cleburne Counties District Attorney", "prosecutor"),
    ],
    "dekalb-county": [
        ("DeKalb County Police Department", "police"),
        ("DeKalb County Sheriff's Office", "sheriff"),
        ("DeKalb County District Attorney's Office", "prosecutor"),
    ],
    "pueblo": [
        ("Pueblo Police Department", "police"),
        ("Pueblo County Sheriff's Office", "sheriff"),
        ("10th Judicial District Attorney's Office", "prosecutor"),
    ],
    "seattle": [
        ("Seattle Police Department", "police"),
        ("King County Prosecuting Attorney's Office", "prosecutor"),
        ("Seattle Community Safety and Communications Center", "city_government"),
    ],
    "springfield": [
        ("Springfield Police Department", "police"),
        ("Hampden County District Attorney's Office", "prosecutor"),
        ("Hampden County Sheriff's Department", "corrections"),
    ],
    "tampa": [
        ("Tampa Police Department", "police"),
        ("Hillsborough County Sheriff's Office", "sheriff"),
        ("Office of the State Attorney, 13th Judicial Circuit", "prosecutor"),
    ],
}

# Federal partners per site: USAO district, ATF/FBI/DEA field division (USMS district follows USAO).
FEDERAL = {
    "milwaukee": ("Eastern District of Wisconsin", "Chicago", "Milwaukee", "Chicago"),
    "baton-rouge": ("Middle District of Louisiana", "New Orleans", "New Orleans", "New Orleans"),
    "wichita": ("District of Kansas", "Kansas City", "Kansas City", "St. Louis"),
    "baltimore": ("District of Maryland", "Baltimore", "Baltimore", "Washington"),
    "oxford": ("Northern District of Alabama", "Nashville", "Birmingham", "Atlanta"),
    "dekalb-county": ("Northern District of Georgia", "Atlanta", "Atlanta", "Atlanta"),
    "pueblo": ("District of Colorado", "Denver", "Denver", "Rocky Mountain"),
    "seattle": ("Western District of Washington", "Seattle", "Seattle", "Seattle"),
    "springfield": ("District of Massachusetts", "Boston", "Boston", "New England"),
    "tampa": ("Middle District of Florida", "Tampa", "Tampa", "Miami"),
}

CONTACTS = {
    # site slug: (agency name, contact name, title)
    "wichita": ("Wichita Police Department", "Lt. Demo Harper", "Crime Analysis Unit Commander"),
    "tampa": ("Tampa Police Department", "Capt. Demo Ruiz", "Strategic Operations"),
    "milwaukee": ("Milwaukee Police Department", "Demo Walker", "Crime Analyst Supervisor"),
}
