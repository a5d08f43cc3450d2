"""The demo studio: realistic, deterministic data so every screen has something true to show.

Each part is a function so later features add their own part without touching the others.
"""

import random

from django.db import transaction

from punchcard.clients.models import Client
from punchcard.studios import services as studio_services
from punchcard.studios.models import Membership, Studio

DEMO_STUDIO = "Demo Studio"
DEMO_OWNER = ("owner@demo.punchcard.test", "train-hard-2026")
DEMO_TRAINER = ("trainer@demo.punchcard.test", "train-hard-2026")

FIRST = ["Ana", "Lucia", "Sofia", "Mateo", "Liam", "Olivia", "Noah", "Emma", "Amara", "Kenji", "Priya", "Omar", "Chloe", "Diego", "Hannah", "Ravi", "Fatima", "Jonas", "Elena", "Marcus", "Zoe", "Tomas", "Aisha", "Lukas", "Mei", "Samuel", "Ingrid", "Kwame", "Rosa", "Daniel", "Leila", "Patrick", "Yuki", "Carmen", "Felix", "Nadia", "Hugo", "Grace", "Ibrahim", "Maya"]
LAST = ["Lopez", "Rossi", "Garcia", "Silva", "Chen", "Novak", "Okafor", "Patel", "Schmidt", "Kowalski", "Haddad", "Murphy", "Tanaka", "Andersen", "Dubois", "Costa", "Nguyen", "Fischer", "Moreau", "Brennan", "Ali", "Santos", "Larsen", "Kim", "Mensah", "Ortiz"]


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
    return studio, True
