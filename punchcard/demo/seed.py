"""The demo studio: realistic, deterministic data so every screen has something true to show.

Each part is a function so later features add their own part without touching the others.
"""

import random
from datetime import UTC, datetime, time, timedelta

from django.db import transaction

from punchcard.clients import services as client_services
from punchcard.clients.models import Client
from punchcard.demo.names import FIRST, LAST
from punchcard.packages import services as packages
from punchcard.packages.imports import run_import
from punchcard.packages.models import Package, PackageType
from punchcard.studios import services as studio_services
from punchcard.studios.models import Membership, Studio
from punchcard.training import counts
from punchcard.training import services as training
from punchcard.training.models import TrainingSession

DEMO_STUDIO = "Demo Studio"
DEMO_OWNER = ("owner@demo.punchcard.test", "train-hard-2026")
DEMO_TRAINER = ("trainer@demo.punchcard.test", "train-hard-2026")


def _client_rows(rng: random.Random, count: int) -> list[dict]:
    names = set()
    while len(names) < count:
        names.add(f"{rng.choice(FIRST)} {rng.choice(LAST)}")
    rows = []
    for name in sorted(names):
        local = name.lower().replace(" ", ".")
        rows.append(
            {
                "name": name,
                "email": f"{local}@example.com",
                "phone": f"+1 555 {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
                "notes": rng.choice(
                    [
                        "",
                        "",
                        "Knee rehab, avoid deep squats.",
                        "Marathon in spring.",
                        "Prefers early mornings.",
                        "Post-natal strength.",
                    ]
                ),
                "is_active": rng.random() > 0.1,
            }
        )
    return rows


@transaction.atomic
def seed_demo(seed: int = 42) -> tuple[Studio, bool]:
    """Build the demo studio once; return it and whether it was created now."""
    existing = Studio.objects.filter(name=DEMO_STUDIO).first()
    if existing is not None:
        return existing, False
    rng = random.Random(seed)
    owner = studio_services.studio_signup(
        studio_name=DEMO_STUDIO, email=DEMO_OWNER[0], password=DEMO_OWNER[1]
    )
    studio = owner.studio
    studio_services.member_create(
        studio=studio, email=DEMO_TRAINER[0], password=DEMO_TRAINER[1], role=Membership.Role.TRAINER
    )
    Client.objects.bulk_create(Client(studio=studio, **row) for row in _client_rows(rng, 40))
    _seed_packages_and_sessions(studio, owner.user, rng)
    return studio, True


VALIDITY = {"Starter": 60, "Standard": 120, "Premium": 180, "Elite": 365}
STATUS_WEIGHTS = [("completed", 86), ("no_show", 5), ("late_cancel", 4), ("cancelled", 5)]


def _sessions_for(package, client, start, today, per_week, limit, rng, trainer):
    """A realistic rhythm: per_week sessions from the start date until today, at most `limit`."""
    rows, day = [], start
    statuses = [s for s, w in STATUS_WEIGHTS for _ in range(w)]
    while day < today and len(rows) < limit:
        hour = rng.choice([7, 8, 9, 12, 17, 18, 19])
        starts_at = datetime.combine(day, time(hour, rng.choice([0, 30])), tzinfo=UTC)
        rows.append(
            TrainingSession(
                studio_id=package.studio_id,
                client=client,
                package=package,
                trainer=trainer,
                starts_at=starts_at,
                duration_minutes=rng.choice([45, 60, 60, 60, 90]),
                status=rng.choice(statuses),
            )
        )
        day += timedelta(days=max(1, round(7 / per_week) + rng.randint(-1, 1)))
    return rows


def _seed_packages_and_sessions(studio, owner, rng):
    """Packages in every state, and months of sessions, through the same services as the app."""
    today = studio.today()
    types = {t.name: t for t in PackageType.objects.filter(studio=studio)}
    for name, days in VALIDITY.items():
        PackageType.objects.filter(pk=types[name].pk).update(validity_days=days)
        types[name].validity_days = days
    clients = list(Client.objects.filter(studio=studio).order_by("name"))
    sessions = []
    for index, client in enumerate(clients):
        for round_ in range(1 + (index % 3 == 0)):
            type_name = rng.choice(["Starter", "Standard", "Standard", "Premium", "Elite"])
            ptype = types[type_name]
            start = today - timedelta(days=rng.randint(5, 200) + 150 * round_)
            package = packages.package_create(
                studio=studio,
                actor=owner,
                client=client,
                package_type=ptype,
                start_date=start,
                is_active=rng.random() > 0.07,
            )
            Package.objects.filter(pk=package.pk).update(
                created_at=datetime.combine(start, time(10), tzinfo=UTC)
            )
            # Most clients use their package fully or nearly; a few overrun it.
            limit = ptype.total_sessions + rng.choice([-3, -2, -1, 0, 0, 1, 2, 5, -8])
            sessions += _sessions_for(
                package, client, start, today, rng.choice([1, 2, 2, 3]), limit, rng, owner
            )
    TrainingSession.objects.bulk_create(sessions, batch_size=500)
    counts.recount(Package.objects.filter(studio=studio).values_list("pk", flat=True))

    # A few sessions not covered by any package, so the dashboard has them to show.
    for client in clients[-3:]:
        TrainingSession.objects.create(
            studio=studio,
            client=client,
            trainer=owner,
            starts_at=datetime.combine(today - timedelta(days=2), time(18), tzinfo=UTC),
        )
    # The named states: primary, transferred, deleted, expiring soon.
    live = Package.objects.filter(studio=studio, deleted_at__isnull=True).order_by("id")
    packages.package_set_primary(package=live[0], actor=owner)
    packages.package_transfer(
        package=live[1], actor=owner, to_client=clients[5], reason="Gift to a friend who moved in."
    )
    packages.package_delete(package=live[2], actor=owner)
    soon = live.filter(sessions_remaining__gt=3).exclude(expiry_date__lt=today)[5]
    packages.package_update(package=soon, actor=owner, expiry_date=today + timedelta(days=9))
    # A balance link for the first client, so the client page shows an active one. Its raw URL
    # is not kept anywhere (only the hash is): "Create a new link" on that page shows a fresh one.
    client_services.balance_link_create(client=clients[0], actor=owner)
    _seed_freezes_adjustments_and_first_session_rule(studio, owner, clients, today)


def _seed_freezes_adjustments_and_first_session_rule(studio, owner, clients, today):
    """Issue #8's pieces, each on a package a trainer would plausibly have."""
    live = Package.objects.filter(studio=studio, deleted_at__isnull=True).order_by("id")
    usable = list(live.usable(today).filter(expiry_date__isnull=False)[:6])
    packages.package_freeze(
        package=usable[0],
        actor=owner,
        starts_on=today - timedelta(days=3),
        ends_on=today + timedelta(days=10),
        reason="Ankle sprain: physio says two weeks off.",
    )
    packages.package_freeze(
        package=usable[1],
        actor=owner,
        starts_on=today - timedelta(days=40),
        ends_on=today - timedelta(days=26),
        reason="Holiday in Portugal.",
    )
    packages.package_adjust(
        package=usable[2], actor=owner, sessions=1, reason="Comp: referred a friend."
    )
    packages.package_adjust(
        package=usable[3], actor=owner, sessions=-1, reason="Session on paper in October."
    )
    flex = packages.package_type_save(
        studio=studio,
        name="Flex 10",
        description="Valid 90 days from the first session.",
        total_sessions=10,
        total_value="950.00",
        validity_days=90,
        expiry_rule="from_first_session",
    )
    waiting, started = clients[7], clients[8]
    packages.package_create(studio=studio, actor=owner, client=waiting, package_type=flex)
    flex_sold = packages.package_create(
        studio=studio, actor=owner, client=started, package_type=flex, is_primary=True
    )
    _seed_import(studio, owner, today)
    for days_ago in (12, 8, 5, 1):
        training.session_log(
            studio=studio,
            actor=owner,
            client=started,
            package=flex_sold,
            starts_at=datetime.combine(today - timedelta(days=days_ago), time(17), tzinfo=UTC),
        )


def _seed_import(studio, owner, today):
    """Three clients moved over from a spreadsheet, with sessions they had already used."""
    start = (today - timedelta(days=30)).isoformat()
    expiry = (today + timedelta(days=150)).isoformat()
    rows = [
        "client_name,client_email,package_name,total_sessions,sessions_used,total_value,start_date,expiry_date",
        f"Bea Lindqvist,bea.lindqvist@example.com,Standard (from spreadsheet),12,4,1200.00,{start},{expiry}",
        f"Tariq Aziz,tariq.aziz@example.com,Premium (from spreadsheet),24,19,2160.00,{start},{expiry}",
        f"Noor Hassan,noor.hassan@example.com,Starter (from spreadsheet),5,0,500.00,{start},",
    ]
    result = run_import(studio=studio, actor=owner, data="\n".join(rows), dry_run=False)
    assert result.valid, result.errors
