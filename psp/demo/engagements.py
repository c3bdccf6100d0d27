"""Demo engagements, plans and TA: the second step of ``psp.demo.seed.seed_demo``.

Every record goes through the app's services. Deterministic (one seeded random generator per
site) and idempotent: engagements are got-or-created, and a site's recommendations, activities and
TA requests are only added while it has none, so a second run changes nothing. Standard milestones
(assessment, strategic plan, symposium, end) belong to site onboarding; this adds capability and
peer-exchange milestones only.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from engagements import services
from engagements.models import (
    Activity,
    CoreArea,
    Engagement,
    Milestone,
    PeerExchange,
    TARequest,
)
from psp.accounts.models import User
from psp.demo.sites import SeedReport
from sites.models import Agency, Phase, Site


@dataclass
class Recurring:
    """A recurring practice: ``every`` days over the year, with these core areas and agencies."""

    kind: str
    every: int
    hours: str
    mode: str
    areas: list[str]
    agency_kinds: list[str]
    summary: str
    audience: str = ""
    participants: tuple[int, int] = (6, 20)
    engagement: str = ""


@dataclass
class SitePlan:
    """What a site's year of PSP work looks like in the demo."""

    engagements: dict[str, str]  # core area code -> goal
    recs: dict[str, list[str]] = field(default_factory=dict)
    items: dict[str, list[tuple[str, str, int, str]]] = field(default_factory=dict)
    recurring: list[Recurring] = field(default_factory=list)
    capabilities: list[tuple[str, int, bool]] = field(default_factory=list)  # title, day, reached


GENERIC = [
    ("site_visit", "8", "onsite", "Liaison site visit: met command staff on plan progress."),
    ("virtual_meeting", "1", "virtual", "Monthly check-in with the site team on the action plan."),
    ("training", "6", "onsite", "Training delivered to supervisors and analysts."),
    ("sme_consultation", "2", "virtual", "Subject-matter expert consultation on current practice."),
    ("webinar", "1.5", "virtual", "PSP webinar attended by site staff."),
    ("mentoring", "2", "hybrid", "Mentoring session for the site's project lead."),
]

PLANS: dict[str, SitePlan] = {
    "wichita": SitePlan(
        engagements={
            "gun_violence": "Cut nonfatal and fatal shootings by reviewing every shooting within "
            "two weeks with federal and local partners.",
            "federal_partnerships": "Make ATF NIBIN leads part of every shooting investigation.",
            "investigations": "Raise the clearance rate of nonfatal shootings.",
        },
        recs={
            "gun_violence": [
                "Hold a biweekly shooting review with WPD, ATF and the District Attorney.",
                "Track every shooting from incident to case outcome in one log.",
            ],
            "federal_partnerships": ["Station an ATF NIBIN liaison with the WPD gun unit."],
            "investigations": ["Assign nonfatal shootings to a dedicated investigative squad."],
        },
        items={
            "gun_violence": [
                ("Start biweekly shooting reviews", "WPD Crime Analysis Unit", -300, "complete"),
                ("Publish the shooting review protocol", "Lt. Demo Harper", -120, "complete"),
                ("Add case outcomes to the review log", "Sedgwick County DA", -20, "lagging"),
            ],
            "federal_partnerships": [
                ("Sign the NIBIN information-sharing MOU", "ATF Kansas City", -200, "complete"),
                ("Train detectives on NIBIN lead follow-up", "WPD Training", 25, "on_target"),
            ],
            "investigations": [
                (
                    "Stand up the nonfatal shooting squad",
                    "WPD Investigations",
                    -45,
                    "insufficient_progress",
                ),
            ],
        },
        recurring=[
            Recurring(
                "case_review",
                14,
                "2",
                "hybrid",
                ["gun_violence", "federal_partnerships", "investigations"],
                ["police", "atf", "prosecutor"],
                "Biweekly shooting review: every shooting of the last two weeks reviewed with ATF "
                "NIBIN leads and DA case status; follow-up assignments made.",
                audience="WPD, ATF, Sedgwick County DA",
                participants=(10, 18),
                engagement="gun_violence",
            ),
        ],
        capabilities=[("Biweekly shooting reviews running", -330, True)],
    ),
    "baton-rouge": SitePlan(
        engagements={
            "crime_analysis": "Drive weekly accountability with a CompStat process.",
            "technology": "Open a Real Time Crime Center that supports patrol and detectives.",
            "community_engagement": "Rebuild trust where violence hits hardest.",
        },
        recs={
            "crime_analysis": [
                "Adopt a CompStat-style weekly accountability meeting.",
                "Hire two crime analysts to support district commanders.",
            ],
            "technology": [
                "Plan a Real Time Crime Center with camera and ShotSpotter integration.",
            ],
            "community_engagement": ["Hold quarterly community listening sessions."],
        },
        items={
            "crime_analysis": [
                ("Visit a peer site running CompStat", "BRPD Chief's Office", -260, "complete"),
                ("Pilot CompStat in two districts", "BRPD Operations", -150, "complete"),
                ("Extend CompStat department-wide", "BRPD Operations", 40, "on_target"),
            ],
            "technology": [
                (
                    "Fund the Real Time Crime Center build-out",
                    "City of Baton Rouge",
                    -180,
                    "complete",
                ),
                ("Staff the RTCC on two shifts", "BRPD Technology", -10, "lagging"),
            ],
            "community_engagement": [
                (
                    "Schedule quarterly listening sessions",
                    "BRPD Community Affairs",
                    -60,
                    "not_started",
                ),
            ],
        },
        recurring=[
            Recurring(
                "strategic_planning",
                30,
                "3",
                "onsite",
                ["crime_analysis"],
                ["police"],
                "CompStat pilot working session: district commanders present weekly trends; "
                "analysts refine the briefing deck.",
                audience="BRPD district commanders",
                engagement="crime_analysis",
            ),
            Recurring(
                "sme_consultation",
                45,
                "2",
                "virtual",
                ["technology"],
                ["police", "city_government"],
                "Real Time Crime Center consultation: camera integration, staffing model and "
                "standard operating procedures.",
                audience="BRPD Technology Division",
                engagement="technology",
            ),
        ],
        capabilities=[
            ("CompStat pilot launched in two districts", -150, True),
            ("Real Time Crime Center opened", -40, True),
        ],
    ),
    "milwaukee": SitePlan(
        engagements={
            "crime_analysis": "Focus patrol on the few blocks where most violence happens.",
            "gun_violence": "Reduce shootings in the city's hot spots.",
        },
        recs={
            "crime_analysis": [
                "Produce a monthly hot-spot analysis for district captains.",
                "Evaluate hot-spot patrol with a before/after comparison.",
            ],
            "gun_violence": ["Coordinate hot-spot work with the Office of Violence Prevention."],
        },
        items={
            "crime_analysis": [
                ("Build the hot-spot map product", "MPD Crime Analysis", -240, "complete"),
                ("Deliver the first monthly hot-spot packet", "Demo Walker", -200, "complete"),
                ("Write the hot-spot evaluation plan", "MPD Crime Analysis", -30, "lagging"),
            ],
            "gun_violence": [
                (
                    "Joint hot-spot walk with OVP outreach",
                    "Office of Violence Prevention",
                    15,
                    "on_target",
                ),
            ],
        },
        recurring=[
            Recurring(
                "data_support",
                21,
                "4",
                "virtual",
                ["crime_analysis", "gun_violence"],
                ["police"],
                "Crime-analysis support for hot-spot work: refreshed the hot-spot map, reviewed "
                "patrol dosage and shooting trends with MPD analysts.",
                audience="MPD crime analysts",
                participants=(3, 8),
                engagement="crime_analysis",
            ),
        ],
        capabilities=[("Monthly hot-spot packets delivered to districts", -200, True)],
    ),
    "baltimore": SitePlan(
        engagements={
            "community_engagement": "Bring residents into the violence-reduction strategy.",
            "constitutional_policing": "Support consent-decree reforms with training.",
        },
        recs={
            "community_engagement": [
                "Hold monthly community engagement sessions in each district.",
                "Report back to residents on what changed after each session.",
            ],
            "constitutional_policing": ["Train supervisors on stop documentation."],
        },
        items={
            "community_engagement": [
                ("Recruit community co-hosts for sessions", "MONSE", -150, "complete"),
                ("Publish a you-said-we-did summary", "BPD Community Affairs", -15, "lagging"),
                ("Add youth listening sessions", "MONSE", 45, "not_started"),
            ],
            "constitutional_policing": [
                (
                    "Deliver stop-documentation training",
                    "BPD Education and Training",
                    -90,
                    "on_target",
                ),
            ],
        },
        recurring=[
            Recurring(
                "training",
                30,
                "2.5",
                "onsite",
                ["community_engagement"],
                ["police", "city_government", "community"],
                "Community engagement session: residents, district command and MONSE outreach "
                "discussed safety priorities and follow-up actions.",
                audience="Residents and district command",
                participants=(25, 80),
                engagement="community_engagement",
            ),
        ],
        capabilities=[("Monthly community sessions held in every district", -60, True)],
    ),
}
DEFAULT_AREAS = [
    ("crime_analysis", "Strengthen crime analysis to target violence."),
    ("gun_violence", "Reduce gun violence through focused deterrence."),
    ("federal_partnerships", "Coordinate with federal partners on violent offenders."),
    ("technology", "Use technology to support investigations."),
]


def _window(site: Site, today: dt.date) -> tuple[dt.date, dt.date]:
    """The demo year: the last 12 months of the engagement, or of the past if it continues."""
    end = today
    if site.phase == Phase.ALUMNI and site.engagement_end and site.engagement_end < today:
        end = site.engagement_end
    return end - dt.timedelta(days=364), end


def _plan_for(slug: str, rng: random.Random) -> SitePlan:
    if slug in PLANS:
        return PLANS[slug]
    picks = rng.sample(DEFAULT_AREAS, 2)
    return SitePlan(
        engagements=dict(picks),
        recs={code: [f"Adopt a written plan: {goal.lower()}"] for code, goal in picks},
        items={
            code: [
                ("Agree the plan with command staff", "Police department", -120, "complete"),
                ("Name a project lead", "Police department", -20, "insufficient_progress"),
                ("First progress report to BJA", "Liaison", 30, "not_started"),
            ]
            for code, _ in picks
        },
        capabilities=[("Crime-gun intelligence process running", -30, False)],
    )


@transaction.atomic
def seed(report: SeedReport) -> None:
    """Engagements, plans, a year of activities, TA requests and peer exchanges per demo site."""
    areas = {a.code: a for a in CoreArea.objects.all()}
    admin = User.objects.filter(email="admin@psp.example").first()
    today = timezone.localdate()
    for site in Site.objects.filter(slug__in=_DEMO_SLUGS).order_by("slug"):
        rng = random.Random(f"psp-demo-{site.slug}")
        plan = _plan_for(site.slug, rng)
        liaison = (
            User.objects.filter(memberships__site=site, memberships__role="liaison")
            .order_by("email")
            .first()
        ) or admin
        start, end = _window(site, today)
        engagements = _seed_plan(site, plan, areas, liaison, start, end, report)
        _seed_milestones(site, plan, liaison, end, report)
        if not Activity.objects.filter(site=site).exists():
            _seed_activities(site, plan, areas, engagements, liaison, rng, start, end, report)
        if not TARequest.objects.filter(site=site).exists():
            _seed_requests(site, areas, liaison, end, report)
    _seed_exchanges(areas, admin, today, report)


_DEMO_SLUGS = [
    "wichita",
    "milwaukee",
    "baltimore",
    "baton-rouge",
    "oxford",
    "dekalb-county",
    "pueblo",
    "seattle",
    "springfield",
    "tampa",
]


def _seed_plan(
    site: Site,
    plan: SitePlan,
    areas: dict[str, CoreArea],
    liaison: User | None,
    start: dt.date,
    end: dt.date,
    report: SeedReport,
) -> dict[str, Engagement]:
    engagements: dict[str, Engagement] = {}
    status = "completed" if site.phase == Phase.ALUMNI else "active"
    for code, goal in plan.engagements.items():
        engagement, created = services.engagement_ensure(
            site=site,
            core_area=areas[code],
            acting_user=liaison,
            lead=liaison,
            goal=goal,
            priority="high",
            status=status,
            started_on=site.engagement_start,
        )
        if created:
            report.created.append(f"engagement {site.slug} {code}")
        elif not engagement.goal:
            # Opened by onboarding without a plan yet: give it the demo goal and lead.
            services.engagement_update(
                engagement=engagement,
                acting_user=liaison,
                changes={"goal": goal, "lead": liaison, "status": status, "priority": "high"},
            )
            report.created.append(f"engagement plan {site.slug} {code}")
        engagements[code] = engagement
        if engagement.recommendations.exists():
            continue
        source = f"{(site.engagement_start or start).year} assessment"
        recs = [
            services.recommendation_add(
                engagement=engagement,
                acting_user=liaison,
                text=text,
                source=source,
                status="in_progress",
            )
            for text in plan.recs.get(code, [])
        ]
        for i, (title, owner, due_offset, item_status) in enumerate(plan.items.get(code, [])):
            due = end + dt.timedelta(days=due_offset)
            services.action_item_add(
                engagement=engagement,
                acting_user=liaison,
                title=title,
                owner=owner,
                due_on=due,
                recommendation=recs[i % len(recs)] if recs else None,
                status=item_status,
                completed_on=min(due, end) if item_status == "complete" else None,
            )
        report.created.append(f"plan {site.slug} {code}")
    return engagements


def _seed_milestones(
    site: Site, plan: SitePlan, liaison: User | None, end: dt.date, report: SeedReport
) -> None:
    for title, offset, reached in plan.capabilities:
        if Milestone.objects.filter(site=site, title=title).exists():
            continue
        day = end + dt.timedelta(days=offset)
        services.milestone_create(
            site=site,
            kind="capability",
            title=title,
            acting_user=liaison,
            due_on=day,
            completed_on=day if reached else None,
        )
        report.created.append(f"milestone {site.slug} {title}")


def _seed_activities(
    site: Site,
    plan: SitePlan,
    areas: dict[str, CoreArea],
    engagements: dict[str, Engagement],
    liaison: User | None,
    rng: random.Random,
    start: dt.date,
    end: dt.date,
    report: SeedReport,
) -> None:
    agencies = list(Agency.objects.filter(site=site))
    by_kind: dict[str, list[Agency]] = {}
    for agency in agencies:
        by_kind.setdefault(agency.kind, []).append(agency)
    milestones = {m.title: m for m in Milestone.objects.filter(site=site)}
    codes = list(plan.engagements)
    count = 0
    for r in plan.recurring:
        day = start + dt.timedelta(days=rng.randrange(0, 7))
        while day <= end:
            services.activity_log(
                site=site,
                acting_user=liaison,
                kind=r.kind,
                date=day,
                duration_hours=Decimal(r.hours),
                mode=r.mode,
                core_areas=[areas[c] for c in r.areas],
                engagement=engagements.get(r.engagement),
                agencies=[a for k in r.agency_kinds for a in by_kind.get(k, [])[:1]],
                audience=r.audience,
                participants_count=rng.randint(*r.participants),
                summary=r.summary,
                next_steps="Assignments tracked in the review log.",
            )
            count += 1
            day += dt.timedelta(days=r.every)
    # Around two other pieces of TA a month, spread over the year.
    for month in range(12):
        for _ in range(rng.choice((1, 2, 2, 3))):
            kind, hours, mode, summary = rng.choice(GENERIC)
            day = start + dt.timedelta(days=month * 30 + rng.randrange(0, 30))
            if day > end:
                continue
            code = rng.choice(codes)
            chosen = rng.sample(agencies, k=min(len(agencies), rng.randint(1, 3)))
            services.activity_log(
                site=site,
                acting_user=liaison,
                kind=kind,
                date=day,
                duration_hours=Decimal(hours),
                mode=mode,
                core_areas=[areas[code]],
                engagement=engagements.get(code),
                agencies=chosen,
                participants_count=rng.randint(2, 30),
                summary=f"{summary} Focus: {areas[code].name.lower()}.",
            )
            count += 1
    # Milestone-linked activities: the work that led to each capability.
    for title, milestone in milestones.items():
        if milestone.kind != "capability" or milestone.completed_on is None:
            continue
        day = milestone.completed_on
        if not (start <= day <= end):
            continue
        code = codes[0]
        services.activity_log(
            site=site,
            acting_user=liaison,
            kind="site_visit",
            date=day,
            duration_hours=Decimal("6"),
            mode="onsite",
            core_areas=[areas[code]],
            engagement=engagements.get(code),
            agencies=by_kind.get("police", [])[:1],
            participants_count=rng.randint(8, 25),
            summary=f"On site for the launch: {title}.",
            milestones=[milestone],
        )
        count += 1
    report.created.append(f"{count} activities at {site.slug}")


def _seed_requests(
    site: Site, areas: dict[str, CoreArea], liaison: User | None, end: dt.date, report: SeedReport
) -> None:
    """One TA request in each status, so every step of the workflow shows in the demo."""
    requester = (
        User.objects.filter(memberships__site=site, memberships__role="partner").first() or liaison
    )
    decider = site.program_manager or User.objects.filter(role="admin").first()
    if requester is None or decider is None or liaison is None:
        return
    delivered_by = Activity.objects.filter(site=site).order_by("-date", "-id").first()
    needs = [
        ("technology", "Help choosing a records-management upgrade that supports NIBRS."),
        ("crime_analysis", "Training for two new analysts on problem-oriented analysis."),
        ("investigations", "Peer review of our homicide case-management practices."),
        ("community_engagement", "Facilitator for a community town hall on violence reduction."),
        ("federal_partnerships", "Introductions to the USAO's Project Safe Neighborhoods team."),
        ("gun_violence", "Guidance on standing up a crime-gun intelligence center."),
    ]
    steps = ["submitted", "under_review", "approved", "scheduled", "delivered", "declined"]
    for (code, need), target in zip(needs, steps, strict=True):
        ta = services.ta_request_submit(
            site=site, acting_user=requester, core_area=areas[code], need=need
        )
        path = {
            "submitted": [],
            "under_review": ["under_review"],
            "approved": ["under_review", "approved"],
            "scheduled": ["under_review", "approved", "scheduled"],
            "delivered": ["under_review", "approved", "scheduled", "delivered"],
            "declined": ["under_review", "declined"],
        }[target]
        for step in path:
            if step == "delivered" and delivered_by is None:
                break
            actor = decider if step in ("under_review", "approved", "declined") else liaison
            services.ta_request_transition(
                request=ta,
                acting_user=actor,
                to_status=step,
                note={
                    "approved": "Approved: fits the site's strategic plan.",
                    "declined": "Declined: another federal program already covers this need.",
                }.get(step, ""),
                scheduled_for=end + dt.timedelta(days=21) if step == "scheduled" else None,
                activity=delivered_by if step == "delivered" else None,
            )
    report.created.append(f"TA requests at {site.slug}")


def _seed_exchanges(
    areas: dict[str, CoreArea], admin: User | None, today: dt.date, report: SeedReport
) -> None:
    sites = {s.slug: s for s in Site.objects.filter(slug__in=_DEMO_SLUGS)}
    exchanges = [
        # host, visitor, topic, core areas, date
        (
            "milwaukee",
            "baton-rouge",
            "CompStat and analyst-led accountability meetings",
            ["crime_analysis"],
            "baton-rouge",
            -260,
        ),
        (
            "wichita",
            "tampa",
            "Biweekly shooting reviews with ATF",
            ["gun_violence", "federal_partnerships"],
            "tampa",
            -120,
        ),
    ]
    for host, visitor, topic, codes, anchor_slug, offset in exchanges:
        if host not in sites or visitor not in sites:
            continue
        if PeerExchange.objects.filter(
            host_site=sites[host], visiting_site=sites[visitor], topic=topic
        ).exists():
            continue
        _, end = _window(sites[anchor_slug], today)
        date = end + dt.timedelta(days=offset)
        exchange = services.peer_exchange_record(
            host_site=sites[host],
            visiting_site=sites[visitor],
            topic=topic,
            date=date,
            core_areas=[areas[c] for c in codes],
            acting_user=admin,
        )
        # The visiting site logs the trip as TA, and it marks a peer-exchange milestone.
        milestone = services.milestone_create(
            site=sites[visitor],
            kind="peer_exchange",
            title=f"Peer exchange with {sites[host].name}",
            acting_user=admin,
            due_on=date,
            completed_on=date,
        )
        police = Agency.objects.filter(site=sites[visitor], kind="police")[:1]
        services.activity_log(
            site=sites[visitor],
            acting_user=admin,
            kind="peer_exchange",
            date=date,
            end_date=date + dt.timedelta(days=1),
            duration_hours=Decimal("14"),
            mode="onsite",
            core_areas=[areas[c] for c in codes],
            engagement=Engagement.objects.filter(
                site=sites[visitor], core_area=areas[codes[0]]
            ).first(),
            agencies=list(police),
            audience=f"{sites[visitor].name} command staff and analysts",
            participants_count=6,
            summary=f"Peer exchange at {sites[host].name}: {topic}.",
            next_steps="Draft a pilot plan and report back at the next check-in.",
            milestones=[milestone],
        )
        if exchange.follow_up_due < today and visitor == "baton-rouge":
            services.peer_exchange_follow_up(
                exchange=exchange,
                acting_user=admin,
                practice_adopted="yes",
                follow_up_note="CompStat piloted in two districts within five months.",
            )
        report.created.append(f"peer exchange {visitor} at {host}")
