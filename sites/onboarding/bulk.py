"""Onboarding several sites from one CSV: validate every row first, then create all or none.

The web page (upload → report → confirm) and ``manage.py onboard_sites FILE`` both call
:func:`parse_onboarding_csv` and :func:`sites_onboard_bulk`. Rows are numbered the way a
spreadsheet shows them (the header is row 1, the first site is row 2); columns are named by the
header as written in the file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction

from sites.models import Site, SiteKind
from sites.onboarding import gazetteer
from sites.onboarding.services import site_onboard
from sites.services import cohort_ensure
from sites.states import STATE_NAMES
from sites.timezones import is_time_zone

if TYPE_CHECKING:
    from engagements.models import CoreArea
    from psp.accounts.models import User

MAX_BYTES = 1_000_000
MAX_ROWS = 500
REQUIRED_COLUMNS = (
    "name",
    "state",
    "kind",
    "cohort",
    "start_date",
    "program_manager_email",
    "liaison_email",
    "core_areas",
)
OPTIONAL_COLUMNS = (
    "end_date",
    "population",
    "population_year",
    "population_source",
    "time_zone",
    "confirm_role_change",
)
# What ``confirm_role_change`` must say for a row to make a read-only person a liaison.
CONFIRM_VALUES = frozenset({"yes", "y", "true", "1"})
DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y")


@dataclass(frozen=True)
class RowError:
    """One problem, located the way a spreadsheet user would look for it."""

    row: int
    column: str
    value: str
    message: str

    def __str__(self) -> str:
        where = f"Row {self.row}" + (f", column “{self.column}”" if self.column else "")
        shown = f" (value “{self.value}”)" if self.value else ""
        return f"{where}{shown}: {self.message}"


@dataclass
class OnboardRow:
    """A validated row, ready for :func:`site_onboard`."""

    row: int
    name: str
    state: str
    kind: str
    cohort_year: int
    start: dt.date
    end: dt.date | None
    program_manager: User
    liaisons: list[User]
    core_areas: list[CoreArea]
    population: int | None = None
    population_year: int | None = None
    population_source: str = ""
    latitude: float | None = None
    longitude: float | None = None
    time_zone: str = ""

    confirm_role_change: bool = False


@dataclass
class BulkReport:
    rows: list[OnboardRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)


def _normalise_header(name: str) -> str:
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def _parse_date(value: str) -> dt.date | None:
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


def _decode(data: bytes) -> tuple[str | None, str]:
    """The text of the file, or None and why it is not a CSV we can read."""
    if not data or not data.strip():
        return None, "The file is empty."
    if data[:4] == b"PK\x03\x04":
        return None, "This is a spreadsheet (XLSX) file, not CSV. Save it as “CSV UTF-8” first."
    if b"\x00" in data[:4096]:
        return None, "This file is not a CSV text file."
    try:
        return data.decode("utf-8-sig"), ""  # a byte-order mark is accepted and dropped
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252"), ""  # Excel's "CSV" on Windows
        except UnicodeDecodeError:
            return None, "This file is not a CSV text file (it is not UTF-8 text)."


def parse_onboarding_csv(data: bytes) -> BulkReport:
    """Validate a whole onboarding CSV; every problem is reported, none stops the check early."""
    from engagements.models import CoreArea
    from psp.accounts.models import StaffRole, User
    from sites.selectors import people_with_roles, read_only_reason

    report = BulkReport()
    if len(data) > MAX_BYTES:
        report.errors.append(RowError(1, "", "", "The file is larger than 1 MB."))
        return report
    text, problem = _decode(data)
    if text is None:
        report.errors.append(RowError(1, "", "", problem))
        return report
    try:
        # newline="" lets the csv module handle Windows (CRLF) and old Mac line endings.
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        table = list(reader)
    except csv.Error as exc:
        report.errors.append(RowError(1, "", "", f"This file is not valid CSV: {exc}."))
        return report
    header = table[0] if table else []
    columns = {_normalise_header(h): (i, h.strip()) for i, h in enumerate(header)}
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        report.errors.append(
            RowError(
                1,
                "",
                "",
                "The header row is missing these columns: "
                + ", ".join(missing)
                + ". Expected: "
                + ", ".join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)
                + ".",
            )
        )
        return report
    body = [(n, r) for n, r in enumerate(table[1:], start=2) if any(c.strip() for c in r)]
    if not body:
        report.errors.append(RowError(1, "", "", "The file has a header but no sites."))
        return report
    if len(body) > MAX_ROWS:
        report.errors.append(RowError(1, "", "", f"At most {MAX_ROWS} sites per file."))
        return report

    users = {u.email.lower(): u for u in people_with_roles(User.objects.all())}
    areas: dict[str, CoreArea] = {}
    for known in CoreArea.objects.all():
        areas[known.code.lower()] = known
        areas[known.name.lower()] = known
    existing = {(n.casefold(), s) for n, s in Site.objects.values_list("name", "state")}
    seen: dict[tuple[str, str], int] = {}

    for row_number, cells in body:

        def cell(col: str, cells: list[str] = cells) -> str:
            index = columns.get(col, (None, ""))[0]
            return cells[index].strip() if index is not None and index < len(cells) else ""

        def err(col: str, message: str, row_number: int = row_number) -> None:
            label = columns[col][1] if col in columns else col
            report.errors.append(RowError(row_number, label, cell(col), message))

        before = len(report.errors)
        if len(cells) > len(header):
            report.errors.append(
                RowError(
                    row_number,
                    "",
                    "",
                    f"The row has {len(cells)} cells; the header has "
                    f"{len(header)}. Quote values that contain commas.",
                )
            )
        name = cell("name")
        if not name:
            err("name", "A site name is required.")
        state = cell("state").upper()
        if state not in STATE_NAMES:
            err("state", "Use the two-letter postal code of a U.S. state or territory.")
        kind = (cell("kind") or "").lower()
        if kind not in SiteKind.values:
            err("kind", f"Use one of: {', '.join(SiteKind.values)}.")
        cohort_year = None
        if cell("cohort").isdigit() and 2010 <= int(cell("cohort")) <= 2100:
            cohort_year = int(cell("cohort"))
        else:
            err("cohort", "Give the cohort's year, e.g. 2024.")
        start = _parse_date(cell("start_date"))
        if start is None:
            err("start_date", "Not a date; use YYYY-MM-DD (e.g. 2025-01-06) or MM/DD/YYYY.")
        end = None
        if cell("end_date"):
            end = _parse_date(cell("end_date"))
            if end is None:
                err("end_date", "Not a date; use YYYY-MM-DD (e.g. 2028-01-06) or MM/DD/YYYY.")
            elif start is not None and end <= start:
                err("end_date", "The engagement must end after it starts.")
        pm = users.get(cell("program_manager_email").lower())
        if pm is None:
            err("program_manager_email", "No user has this email address.")
        elif not pm.is_active:
            err("program_manager_email", "This account is deactivated.")
        elif pm.role not in (StaffRole.BJA_STAFF, StaffRole.ADMIN):
            err("program_manager_email", "Program managers must be BJA staff.")
        confirmed = cell("confirm_role_change").lower() in CONFIRM_VALUES
        liaisons: list[User] = []
        for email in filter(None, (e.strip() for e in cell("liaison_email").split(";"))):
            user = users.get(email.lower())
            if user is None:
                err("liaison_email", f"No user has the email address {email}.")
            elif not user.is_active:
                err("liaison_email", f"The account {email} is deactivated.")
            elif (refusal := read_only_reason(user)) and not confirmed:
                err(
                    "liaison_email",
                    f"{refusal}; as a liaison they could edit the site and log work. To do "
                    "this on purpose, add a confirm_role_change column saying “yes” on this row.",
                )
            else:
                liaisons.append(user)
        core_areas: list[CoreArea] = []
        for token in filter(None, (t.strip() for t in cell("core_areas").split(";"))):
            area = areas.get(token.lower()) or areas.get(token.lower().replace(" ", "_"))
            if area is None:
                err(
                    "core_areas",
                    f"“{token}” is not a core area. Use: "
                    + "; ".join(sorted({a.name for a in areas.values()}))
                    + ".",
                )
            elif area not in core_areas:
                core_areas.append(area)
        population = population_year = None
        if cell("population"):
            digits = cell("population").replace(",", "")
            if digits.isdigit() and int(digits) > 0:
                population = int(digits)
            else:
                err("population", "Give a whole number above zero, or leave it blank.")
        if cell("population_year"):
            if cell("population_year").isdigit() and 1990 <= int(cell("population_year")) <= 2100:
                population_year = int(cell("population_year"))
            else:
                err("population_year", "Give a year such as 2020, or leave it blank.")
        time_zone = cell("time_zone")
        if time_zone and not is_time_zone(time_zone):
            err(
                "time_zone",
                "Not an IANA time zone: write it as America/Chicago, or leave it blank for "
                "the state's zone.",
            )
        if name and state:
            key = (name.casefold(), state)
            if key in existing:
                err("name", f"{name}, {state} is already in the portfolio.")
            elif key in seen:
                err("name", f"{name}, {state} is also on row {seen[key]} of this file.")
            seen.setdefault(key, row_number)
        if len(report.errors) > before:
            continue
        assert cohort_year is not None and start is not None and pm is not None
        place = gazetteer.lookup(name, state, kind)
        population_source = cell("population_source")
        if population is None and place is not None and place.population is not None:
            population, population_source = place.population, gazetteer.GEONAMES_SOURCE
        report.rows.append(
            OnboardRow(
                row=row_number,
                name=name,
                state=state,
                kind=kind,
                cohort_year=cohort_year,
                start=start,
                end=end,
                program_manager=pm,
                liaisons=liaisons,
                core_areas=core_areas,
                population=population,
                population_year=population_year,
                population_source=population_source,
                latitude=place.latitude if place else None,
                longitude=place.longitude if place else None,
                time_zone=time_zone,
                confirm_role_change=confirmed,
            )
        )
    if report.errors:
        report.rows = []
    return report


@transaction.atomic
def sites_onboard_bulk(*, acting_user: User | None, rows: list[OnboardRow]) -> list[Site]:
    """Onboard every validated row in one transaction: all sites are created, or none."""
    created: list[Site] = []
    for r in rows:
        cohort = cohort_ensure(year=r.cohort_year, name=f"{r.cohort_year} cohort")
        try:
            created.append(
                site_onboard(
                    acting_user=acting_user,
                    name=r.name,
                    state=r.state,
                    kind=r.kind,
                    cohort=cohort,
                    engagement_start=r.start,
                    engagement_end=r.end,
                    program_manager=r.program_manager,
                    liaisons=r.liaisons,
                    core_areas=r.core_areas,
                    population=r.population,
                    population_year=r.population_year,
                    population_source=r.population_source,
                    latitude=r.latitude,
                    longitude=r.longitude,
                    time_zone=r.time_zone,
                    confirm_role_change=r.confirm_role_change,
                )
            )
        except ValidationError as exc:
            raise ValidationError(f"Row {r.row}: {'; '.join(exc.messages)}") from exc
    return created
