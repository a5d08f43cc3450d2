"""Query budget (issue #6): every read the product serves runs at most 8 SQL queries, sign-in
included, and the same number whatever the number of rows.

The reads are not hand-picked: every page pattern (Django's URL resolver) and every GET operation
of the NinjaAPI come from tests/test_isolation_matrix.py, whose mapping names the objects each URL
kwarg takes. Each read is fetched by the owner (the signed-in web client for pages, the bearer
token for the API) in two studios holding the isolation matrix's world plus a batch of clients,
packages in every state, sessions and history: one of each thing in the small studio, more rows
than any page shows in the large one. Both counts must be within BUDGET and equal, so no read
grows with the rows.

Sign-in is counted: the session and the user for pages; for the API the token look-up and its
touch (at most once a minute, but each test's writes are rolled back, so always counted here).
CSV exports stream: their content is read inside the count. Their rows come from an iterator in
chunks of 2,000 rows, and the large studio stays below one chunk.

Nothing is skipped silently. Pages that only take POST, and the few reads that are not measured,
are listed below with their reason; any other page is measured, so a new one fails here until it
answers (or is listed). Query-string and htmx variants of a read are listed in VARIANTS; a read
known to break the budget is in OVER_BUDGET, an expected failure that must keep failing.
"""

import dataclasses
import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import pytest
from django.db import connection, transaction
from django.test import Client as HttpClient
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import Persona, make_persona
from punchcard.clients import services as client_services
from punchcard.clients.tests.factories import ClientFactory
from punchcard.packages import services as package_services
from punchcard.packages.tests.factories import PackageTypeFactory
from punchcard.studios.models import Membership
from punchcard.studios.services import token_issue
from punchcard.studios.tests.factories import MembershipFactory, StudioFactory
from punchcard.training import services as training_services
from punchcard.training.models import TrainingSession
from tests.test_isolation_matrix import (
    API_NON_OPERATIONS,
    CAPABILITY_KWARGS,
    SKIPPED_NAMESPACES,
    ApiRoute,
    PageRoute,
    World,
    api_routes,
    build_world,
    page_routes,
    targets_for,
    unmapped,
)

BUDGET = 8  # issue #6: "a fixed number of SQL queries per request (≤ 8)"

# What is not measured, each with its reason ------------------------------------------------------

# Checked by test_post_only_pages_refuse_a_get: each answers 405 to the owner's GET.
POST_ONLY_PAGES = {
    "clients:delete": "a write (soft delete)",
    "clients:balance-link-create": "a write (issues a link)",
    "clients:balance-link-revoke": "a write (revokes a link)",
    "packages:make-primary": "a write",
    "packages:transfer": "a write",
    "packages:delete": "a write (soft delete)",
    "packages:restore": "a write",
    "packages:adjust": "a write",
    "packages:freeze": "a write",
    "packages:freeze-end": "a write",
    "packages:type-delete": "a write",
    "training:quick-log": "a write (logs a session)",
    "training:delete": "a write (soft delete)",
    "studios:signout": "a write (ends the session); Django's LogoutView takes POST only",
    "studios:token-create": "a write (issues a token)",
    "studios:token-revoke": "a write (revokes a token)",
}
# API operations are enumerated one per method: POST, PUT, PATCH and DELETE ones are writes.
API_WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
NOT_MEASURED = {
    **{f"{ns}:*": reason for ns, reason in SKIPPED_NAMESPACES.items()},
    "api:api-root": API_NON_OPERATIONS["api:api-root"],
}

# Variants: (label, query string, HX-Target or None). The query may name the world's objects
# ("{client}") and its kwargs-targets override may pick which object the URL names.
VARIANTS = {
    "packages:list": [
        ("sort=sessions_remaining", "?sort=sessions_remaining", None),
        ("sort=-client", "?sort=-client", None),
        ("sort=expiry_date", "?sort=expiry_date", None),
        ("status=expired", "?status=expired", None),
        ("status=completed", "?status=completed", None),
        ("client_id", "?client_id={client}", None),
        ("q", "?q=Quillfeather", None),
        ("inactive+deleted", "?active=no&include_deleted=on", None),
        # Past the end in both studios: a real page reads its count with its rows, a page past
        # the end (as page 2 of the small studio would be) counts and then reads the last page.
        ("past the end", "?page=9999", None),
        ("client_q", "?client_q=Zeb", None),
        ("htmx", "?sort=-total_value&status=active", "package-results"),
    ],
    "packages:export": [
        ("status=expired", "?status=expired&sort=client", None),
        ("include_deleted", "?include_deleted=on&client_id={client}", None),
    ],
    "packages:new": [
        ("client", "?client={client}", None),
        ("type", "?client={client}&package_type_id={package_type}", None),
        ("client_q", "?client_q=Zeb", None),
        ("htmx per-session", "?total_value=100.00&total_sessions=3", "per-session-value"),
        ("htmx details", "?package_type_id={package_type}", "package-details"),
    ],
    "packages:edit": [
        ("htmx per-session", "?total_value=100.00&total_sessions=3", "per-session-value"),
    ],
    "packages:client-options": [
        ("client_q", "?client_q=Zeb", None),
        ("q+exclude+any", "?q=e&exclude={client}&any=1", None),
        ("chosen", "?client_id={client}&client_q=Ott", None),
    ],
    "packages:detail": [("transfer picker", "?client_q=Ott", None)],
    "clients:list": [
        ("q", "?q=Zeb", None),
        ("page=2", "?page=2", None),
        ("htmx", "?q=e", "client-results"),
    ],
    "training:list": [
        ("client", "?client={client}", None),
        ("package", "?package={package}", None),
        ("dates", "?date_from=2000-01-01&date_to=2100-12-31", None),
        ("page=2", "?page=2", None),
        ("htmx", "?client={client}", "session-results"),
    ],
    "training:new": [
        ("q", "?q=Zeb", None),
        ("htmx q", "?q=Zeb", "client-choices"),
        ("htmx quick", "?q=e&quick=1", "quick-choices"),
        ("client", "?client={client}", None),
        ("client+package", "?client={client}&package={package}", None),
    ],
    "analytics:dashboard": [
        ("range=this-year", "?range=this-year", None),
        ("from-to", "?from=2000-01-01&to=2100-12-31", None),
        ("htmx", "?range=last-3-months", "analytics-body"),
        ("export revenue_by_type", "?export=revenue_by_type&range=all", None),
        ("export popular_types", "?export=popular_types&from=2000-01-01", None),
        ("export sessions_by_month", "?export=sessions_by_month&range=all", None),
    ],
    "reports-expired": [("csv", "?format=csv", None)],
    "api:client_list": [
        ("q", "?q=Zeb", None),
        ("is_active", "?is_active=true", None),
        ("page=2", "?page=2&page_size=10", None),
    ],
    "api:package_list": [
        ("sort=sessions_remaining", "?sort=sessions_remaining", None),
        ("sort=client", "?sort=client", None),
        ("client_id", "?client_id={client}", None),
        ("status=expired", "?status=expired", None),
        ("is_active=false", "?is_active=false", None),
        ("include_deleted", "?include_deleted=true&sort=-expiry_date", None),
        ("q", "?q=Quill", None),
        ("page=2", "?page=2&page_size=10", None),
    ],
    "api:package_export": [("status=expired", "?status=expired&sort=client", None)],
    "api:package_read": [("include_deleted", "?include_deleted=true", None)],
    "api:session_list": [
        ("client_id", "?client_id={client}", None),
        ("package_id", "?package_id={package}", None),
        ("from-to", "?from=2000-01-01&to=2100-12-31", None),
    ],
    "api:package_analytics": [("from-to", "?from=2000-01-01&to=2100-12-31", None)],
}
# A variant that must name another object than the route's first mapping: {read id: targets}.
VARIANT_TARGETS = {
    "api:package_read[include_deleted]": {"package_id": "deleted_package"},
}

# Answers other than 200 that are right (still measured): {read id: (status, why)}.
EXPECTED_STATUS = {
    "studios:signin": (302, "a signed-in member is sent on to the dashboard"),
    "packages:edit[deleted_package]": (404, "a deleted package cannot be edited"),
    "api:package_read[deleted_package]": (404, "deleted: read with include_deleted=true"),
    "api:package_forecast[deleted_package]": (404, "a deleted package has no forecast"),
}

# Reads over the budget or growing with the rows, as found: {read id: reason}. Each is an
# expected failure that must keep failing (strict), so fixing one means removing it from here.
OVER_BUDGET: dict[str, str] = {
    # None now. The package page was 9 (the names of package types its history mentions: now
    # annotated on the history query) and 10 with ?client_q= (a client search the page no longer
    # runs: the transfer form searches through packages:client-options).
}


# The reads ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _ApiPattern:
    """A resolver pattern under /api/ that is not a ninja operation (the OpenAPI document, docs)."""

    name: str
    kwargs: tuple[str, ...] = ()

    def url(self) -> str:
        return reverse(self.name)


@dataclass(frozen=True)
class Read:
    """One request to measure: a route, the objects its kwargs name, a query string, htmx or not."""

    id: str  # "packages:list[status=expired]": the parametrize id, so a failure names the route
    route: PageRoute | ApiRoute | _ApiPattern
    targets: tuple[tuple[str, str], ...]  # (kwarg, World attribute)
    query: str = ""
    htmx_target: str | None = None

    @property
    def api(self) -> bool:
        return isinstance(self.route, ApiRoute)

    @property
    def anonymous(self) -> bool:
        # Capability pages (the client balance link): the secret in the URL, nobody signed in.
        return any(kwarg in CAPABILITY_KWARGS for kwarg, _ in self.targets)

    @property
    def status(self) -> int:
        return EXPECTED_STATUS.get(self.id, (200, ""))[0]

    def url(self, world: World) -> str:
        ids = {f.name: world.id_of(f.name) for f in dataclasses.fields(World)}
        path = self.route.url(**{kwarg: ids[key] for kwarg, key in self.targets})
        return path + self.query.format(**ids)

    def fetch(self, size: "Size"):
        """The response, its streamed content consumed: a CSV's queries run while it streams."""
        http = HttpClient() if self.anonymous else size.owner.api if self.api else size.owner.web
        headers = {}
        if self.htmx_target:
            headers = {"HX-Request": "true", "HX-Target": self.htmx_target}
        response = http.get(self.url(size.world), headers=headers)
        if response.streaming:
            b"".join(response.streaming_content)
        return response


def _target_choices(route) -> list[list[tuple[str, str]]]:
    choices = []
    for kwarg in route.kwargs:
        keys = CAPABILITY_KWARGS.get(kwarg) or targets_for(route.name, kwarg)
        choices.append([(kwarg, key) for key in keys])
    return choices


def _reads_of(route) -> list[Read]:
    """One read per object the route's kwargs can name, then its listed variants (first object)."""
    if unmapped(route):
        return []  # test_every_read_is_measured_or_listed names it
    combos = [tuple(combo) for combo in itertools.product(*_target_choices(route))]
    reads = []
    for combo in combos:
        label = ",".join(key for _, key in combo)
        name = f"{route.name}[{label}]" if len(combos) > 1 else route.name
        reads.append(Read(name, route, combo))
    for label, query, htmx_target in VARIANTS.get(route.name, []):
        read_id = f"{route.name}[{label}]"
        targets = dict(combos[0])
        targets.update(VARIANT_TARGETS.get(read_id, {}))
        reads.append(Read(read_id, route, tuple(targets.items()), query, htmx_target))
    return reads


def all_reads() -> list[Read]:
    reads = []
    for route in page_routes():
        if route.name not in POST_ONLY_PAGES and route.name not in NOT_MEASURED:
            reads += _reads_of(route)
    for route in api_routes():
        if route.method not in API_WRITE_METHODS and route.name not in NOT_MEASURED:
            reads += _reads_of(route)
    for name in API_NON_OPERATIONS:
        if name not in NOT_MEASURED:
            reads.append(Read(name, _ApiPattern(name), ()))
    return reads


READS = all_reads()


def _params():
    for read in READS:
        marks = []
        if read.id in OVER_BUDGET:
            marks.append(pytest.mark.xfail(strict=True, reason=OVER_BUDGET[read.id]))
        yield pytest.param(read, id=read.id, marks=marks)


# Two studios: the same world, at two sizes ----------------------------------------------------


@dataclass(frozen=True)
class Batch:
    """How much grow() adds to the world."""

    clients: int  # each with a package in one of seven states, by turn, and its sessions
    sessions: int  # on the world's package, which its pages and its client's show
    more: int  # of everything else: types, members, tokens, transfers, edits, freezes…


# The small batch has a client of each of the seven kinds below and one of every other thing, so
# that each branch a page can take (a forecast to count, a type name in a history) is taken at
# both sizes: what differs is only how many rows there are. The large one passes every page size:
# clients (25 a page), packages (25 on the page, 50 in the API), the package page's sessions (50)
# and the client page's (20). Its ~130 packages and ~350 sessions stay far below a CSV export's
# 2,000-row chunk.
SMALL = Batch(clients=7, sessions=3, more=1)
LARGE = Batch(clients=32, sessions=60, more=4)


@dataclass
class Size:
    owner: Persona
    world: World


def _studio(label: str, batch: Batch) -> Size:
    studio = StudioFactory(name=f"Budget {label}")
    owner = make_persona(studio, Membership.Role.OWNER, f"qb-owner-{label}@example.com")
    trainer = make_persona(studio, Membership.Role.TRAINER, f"qb-trainer-{label}@example.com")
    size = Size(owner=owner, world=build_world(owner, trainer))
    grow(size, batch)
    return size


def _at(day, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def grow(size: Size, batch: Batch) -> None:
    """Add clients with packages in every state, sessions of every kind, and history.

    The world's own objects grow too (the package, its clients, their history), so the pages that
    name them have more rows to show, not only the lists.
    """
    world, actor = size.world, size.owner.user
    studio, today = world.studio, world.studio.today()
    pkg, log = package_services, training_services.session_log
    statuses = [s for s, _ in TrainingSession.Status.choices]
    types = [world.package_type] + [
        PackageTypeFactory(studio=studio, name=f"Batch type {n}", total_sessions=4 + n)
        for n in range(batch.more + 1)
    ]
    for n in range(batch.more):
        MembershipFactory(studio=studio, role=Membership.Role.TRAINER)
        token_issue(user=actor, name=f"script {n}")

    clients = [
        ClientFactory(studio=studio, name=f"Zebedee Batch {n:02}") for n in range(batch.clients)
    ]
    for n, client in enumerate(clients):
        kind = n % 7
        package = pkg.package_create(
            studio=studio,
            actor=actor,
            client=client,
            package_type=types[n % len(types)],
            is_primary=kind == 0,
            is_active=kind != 6 or n % 2 == 0,
            expiry_date=today + timedelta(days=(-5 if kind == 1 else 7 if kind == 6 else 60)),
        )
        for k in range(1 + n % 4):
            log(
                studio=studio,
                actor=actor,
                client=client,
                package=package,
                starts_at=_at(today - timedelta(days=3 * k + n)),
                status=statuses[k % len(statuses)],
            )
        if kind == 2:  # completed, with overage
            for _ in range(package.total_sessions):
                log(studio=studio, actor=actor, client=client, package=package)
        elif kind == 3:
            pkg.package_delete(package=package, actor=actor)
        elif kind == 4:
            pkg.package_transfer(package=package, actor=actor, to_client=clients[n - 1])
        elif kind == 5:
            pkg.package_freeze(
                package=package,
                actor=actor,
                starts_on=today - timedelta(days=2),
                ends_on=today + timedelta(days=5),
            )
        elif kind == 6:
            pkg.package_adjust(package=package, actor=actor, sessions=2, reason="comp")
            pkg.package_update(package=package, actor=actor, name=f"Renamed {n}")
        # By the rule: the primary or usable package, else uncovered (after a completed one).
        log(studio=studio, actor=actor, client=client, starts_at=_at(today - timedelta(days=40)))
        if n % 5 == 0:
            client_services.balance_link_create(client=client, actor=actor)

    # The world's package: sessions, transfers away and back, edits, adjustments, past freezes.
    package = world.package
    pkg.package_adjust(package=package, actor=actor, sessions=batch.sessions + 20, reason="room")
    for k in range(batch.sessions):
        log(
            studio=studio,
            actor=actor,
            client=world.client,
            package=package,
            starts_at=_at(today - timedelta(days=k % 50)),
            status=statuses[k % len(statuses)],
        )
    for k in range(batch.more):
        pkg.package_transfer(package=package, actor=actor, to_client=clients[k], reason="hop")
        pkg.package_update(
            package=package, actor=actor, description=f"edit {k}", package_type=types[k + 1]
        )
        pkg.package_adjust(package=package, actor=actor, sessions=-1, reason=f"fix {k}")
        start = today - timedelta(days=20 + 10 * k)
        pkg.package_freeze(
            package=package, actor=actor, starts_on=start, ends_on=start + timedelta(days=3)
        )
    pkg.package_transfer(package=package, actor=actor, to_client=world.client, reason="back")
    pkg.package_update(package=package, actor=actor, package_type=world.package_type)
    pkg.package_set_primary(package=package, actor=actor)
    # The transferred package moves on and comes back; the deleted one comes back and goes again.
    moved = world.transferred_package
    for k in range(batch.more):
        pkg.package_transfer(package=moved, actor=actor, to_client=clients[-1 - k])
    pkg.package_transfer(package=moved, actor=actor, to_client=world.client)
    deleted = world.deleted_package
    for k in range(batch.more):
        pkg.package_restore(package=deleted, actor=actor)
        pkg.package_update(package=deleted, actor=actor, name=f"Quillfeather Old {k}")
        pkg.package_delete(package=deleted, actor=actor)
    # Both clients hold more packages, in several states, and client_b trains without one.
    for holder in (world.client, world.client_b):
        for n in range(4 * batch.more):
            days = (-10, 3, None, 30)[n % 4]
            extra = pkg.package_create(
                studio=studio,
                actor=actor,
                client=holder,
                package_type=types[n % len(types)],
                expiry_date=None if days is None else today + timedelta(days=days),
                is_active=n % 4 != 3,
            )
            log(studio=studio, actor=actor, client=holder, package=extra)
    for k in range(5 * batch.more):
        log(studio=studio, actor=actor, client=world.client_b, starts_at=_at(today, 8 + k % 12))


@pytest.fixture(scope="module")
def sizes(django_db_setup, django_db_blocker):
    """Both studios, built once for the module in a transaction that is rolled back at its end.

    Each test runs in its own savepoint inside it (pytest-django's `db`), so a read that writes
    (a session touched, a token's last use) is undone before the next one.
    """
    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=hashers):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            small, large = _studio("small", SMALL), _studio("large", LARGE)
            yield {"small": small, "large": large}
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


# The tests ---------------------------------------------------------------------------------------


def _statements(queries) -> str:
    return "\n".join(f"  {q['sql'][:100]}" for q in queries)


@pytest.mark.parametrize("read", list(_params()))
def test_read_runs_a_fixed_number_of_queries_within_the_budget(read, sizes, db, record_property):
    captured = {}
    for label, size in sizes.items():
        with CaptureQueriesContext(connection) as queries:
            response = read.fetch(size)
        captured[label] = queries.captured_queries
        record_property(f"queries_{label}", len(queries))
        assert response.status_code == read.status, (
            f"{read.id}: GET {read.url(size.world)} answered {response.status_code}, expected "
            f"{read.status} (a page that takes POST only goes in POST_ONLY_PAGES, another "
            "right answer in EXPECTED_STATUS)"
        )
    small, large = captured["small"], captured["large"]
    assert len(large) <= BUDGET and len(small) <= BUDGET, (
        f"{read.id}: {len(small)} queries (small studio), {len(large)} (large); budget {BUDGET}:\n"
        + _statements(max(small, large, key=len))
    )
    assert len(large) == len(small), (
        f"{read.id}: {len(small)} queries in the small studio, {len(large)} in the large one:\n"
        f"small:\n{_statements(small)}\nlarge:\n{_statements(large)}"
    )


def test_post_only_pages_refuse_a_get(sizes, db):
    # The list above is not a blind spot: each of them really serves nothing to a GET.
    size = sizes["small"]
    problems = []
    for route in page_routes():
        if route.name not in POST_ONLY_PAGES:
            continue
        kwargs = {k: size.world.id_of(targets_for(route.name, k)[0]) for k in route.kwargs}
        status = size.owner.web.get(route.url(**kwargs)).status_code
        if status != 405:
            problems.append(f"{route.label}: GET answered {status}, expected 405")
    assert not problems, "\n".join(problems)


def test_every_read_is_measured_or_listed():
    problems = [msg for route in page_routes() + api_routes() for msg in unmapped(route)]
    measured = {read.route.name for read in READS}
    read_ids = {read.id for read in READS}
    pages = {route.name for route in page_routes()}
    for name in pages - measured - set(POST_ONLY_PAGES) - set(NOT_MEASURED):
        problems.append(f"page {name} is neither measured nor listed")
    for route in api_routes():
        if route.method not in API_WRITE_METHODS and route.name not in measured:
            problems.append(f"API read {route.label} is not measured")
    # No stale entry: every name listed here still exists.
    api_names = {route.name for route in api_routes()} | set(API_NON_OPERATIONS)
    for name in set(POST_ONLY_PAGES) - pages:
        problems.append(f"POST_ONLY_PAGES names {name}, which is gone")
    for name in set(VARIANTS) - pages - api_names:
        problems.append(f"VARIANTS names {name}, which is gone")
    for name in set(NOT_MEASURED) - {f"{ns}:*" for ns in SKIPPED_NAMESPACES} - api_names:
        problems.append(f"NOT_MEASURED names {name}, which is gone")
    if len(read_ids) != len(READS):
        problems.append("two reads share an id: rename a variant in VARIANTS")
    for listed in (EXPECTED_STATUS, OVER_BUDGET, VARIANT_TARGETS):
        for read_id in set(listed) - read_ids:
            problems.append(f"{read_id} is listed but not a read")
    assert not problems, "\n".join(problems)
    # Guards the enumeration itself: if it silently found nothing, the budget test would pass.
    assert {"core:dashboard", "packages:list", "packages:detail", "api:package_list"} <= measured
    assert len(measured) >= 40, f"only {len(measured)} routes measured"
