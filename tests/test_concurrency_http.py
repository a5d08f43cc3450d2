"""Two devices writing one client's packages at once lose nothing, on SQLite and PostgreSQL.

Every pair of writing operations on one client and its packages runs through real HTTP (the live
server, two threads per operation, a bounded time). After each run the rows must tell one story:
counters equal their rows, the stored tallies equal theirs, one primary at most, each answered
change is in the history exactly once and the history never shows a field changed by an action
that does not change it (the mark of a write that saved back a row it had read without a lock),
the last answered delete/restore and transfer are what the rows say, and nothing answered 5xx.

PUNCHCARD_RACE_SECONDS sets how long each pair runs (default 1).
"""

import itertools
import os
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
import requests

from conftest import make_persona
from punchcard.clients.tests.factories import ClientFactory
from punchcard.packages import services as package_services
from punchcard.packages import tallies
from punchcard.packages.models import Package
from punchcard.studios.models import Membership
from punchcard.studios.tests.factories import StudioFactory
from punchcard.training import counts
from punchcard.training import services as session_services
from punchcard.training.models import TrainingSession

pytestmark = pytest.mark.django_db(transaction=True)

SECONDS = float(os.environ.get("PUNCHCARD_RACE_SECONDS", "1"))
THREADS_PER_OPERATION = 2
MAX_REQUESTS_PER_THREAD = 60
SESSIONS_TO_EDIT = 40


@dataclass
class World:
    studio: int
    base: str
    headers: dict
    client: int  # the client whose packages everything writes
    other: int  # the client packages are transferred to and back
    p: int  # primary at the start
    q: int
    sessions: list[int]  # logged on p for `client` before the race
    answers: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, operation: str, response: requests.Response, **facts) -> None:
        with self.lock:
            self.answers.append((operation, response.status_code, time.monotonic(), facts))


# The operations: each a function (http, world, worker, i) that sends one request and records it.
# Toggling ones keep their state per worker; they follow the last answer they got.


def log_on_p(http, w, worker, i):
    holder = w.client if i % 2 == 0 else w.other  # one of the two holds p, whatever a transfer did
    r = http.post(f"{w.base}/api/sessions", json={"client_id": holder, "package_id": w.p})
    w.record("log_on_p", r)


def log_by_rule(http, w, worker, i):
    r = http.post(f"{w.base}/api/sessions", json={"client_id": w.client})
    w.record("log_by_rule", r)


def make_primary(http, w, worker, i):
    package = w.p if (i + worker) % 2 else w.q
    r = http.post(f"{w.base}/api/packages/{package}/primary")
    w.record("make_primary", r)


def patch_primary(http, w, worker, i):
    package = w.q if (i + worker) % 2 else w.p
    r = http.patch(f"{w.base}/api/packages/{package}", json={"is_primary": True})
    w.record("patch_primary", r)


def create_primary(http, w, worker, i):
    body = {"client_id": w.client, "total_value": "100.00", "total_sessions": 5}
    r = http.post(f"{w.base}/api/packages", json={**body, "is_primary": True})
    w.record("create_primary", r, package=r.json().get("id") if r.status_code == 201 else None)


def transfer(http, w, worker, i):
    # Only worker 0 transfers, back and forth, so that the last answer says where p must be.
    if worker:
        return
    to = w.other if i % 2 == 0 else w.client
    r = http.post(f"{w.base}/api/packages/{w.p}/transfer", json={"client_id": to, "reason": "Race"})
    w.record("transfer", r, to=to)


def delete_restore(http, w, worker, i):
    if worker:  # one toggler, so that its last answer says whether p must be deleted
        return
    if i % 2 == 0:
        r = http.delete(f"{w.base}/api/packages/{w.p}")
        w.record("delete_restore", r, deleted=True)
    else:
        r = http.post(f"{w.base}/api/packages/{w.p}/restore")
        w.record("delete_restore", r, deleted=False)


def edit(http, w, worker, i):
    body = {"name": f"Edited {worker}-{i}", "total_sessions": 20 + i % 5}
    r = http.patch(f"{w.base}/api/packages/{w.p}", json=body)
    w.record("edit", r)


def edit_session(http, w, worker, i):
    session = w.sessions[(worker * MAX_REQUESTS_PER_THREAD + i) % len(w.sessions)]
    if i % 3 == 2:
        body = {"package_id": w.q if i % 2 else w.p}
    else:
        body = {"status": "cancelled" if i % 2 else "completed"}
    r = http.patch(f"{w.base}/api/sessions/{session}", json=body)
    w.record("edit_session", r)


def delete_session(http, w, worker, i):
    # Distinct sessions from those edit_session starts with, so both have work to do.
    session = w.sessions[-1 - (worker * MAX_REQUESTS_PER_THREAD + i) % len(w.sessions)]
    r = http.delete(f"{w.base}/api/sessions/{session}")
    w.record("delete_session", r)


def adjust(http, w, worker, i):
    body = {"sessions": 1 if i % 2 else -1, "reason": "Race"}
    r = http.post(f"{w.base}/api/packages/{w.p}/adjustments", json=body)
    w.record("adjust", r)


def freeze(http, w, worker, i):
    first = date(2030, 1, 1) + timedelta(days=10 * (worker * MAX_REQUESTS_PER_THREAD + i))
    body = {"starts_on": first.isoformat(), "ends_on": (first + timedelta(days=2)).isoformat()}
    r = http.post(f"{w.base}/api/packages/{w.p}/freezes", json=body)
    w.record("freeze", r)


def import_csv(http, w, worker, i):
    # A new client with a package that has sessions used: a tally move and a counter set.
    rows = "client_name,client_email,package_name,total_sessions,sessions_used,total_value\n"
    rows += (
        f"Imported {worker}-{i},imp-{worker}-{i}-{uuid.uuid4().hex[:6]}@example.com,Ten,10,3,900\n"
    )
    r = http.post(f"{w.base}/api/imports", json={"csv": rows, "dry_run": False})
    created = r.json()["packages_created"] if r.status_code == 200 else 0
    w.record("import_csv", r, created=created)


OPERATIONS = {
    f.__name__: f
    for f in (
        log_on_p,
        log_by_rule,
        make_primary,
        patch_primary,
        create_primary,
        transfer,
        delete_restore,
        edit,
        edit_session,
        delete_session,
        adjust,
        freeze,
        import_csv,
    )
}


def _race(world: World, names: tuple[str, ...]) -> None:
    deadline = time.monotonic() + SECONDS
    failures = []

    def work(name: str, worker: int) -> None:
        http = requests.Session()
        http.headers.update(world.headers)
        try:
            for i in range(MAX_REQUESTS_PER_THREAD):
                if time.monotonic() > deadline:
                    break
                OPERATIONS[name](http, world, worker, i)
        except Exception as exc:  # a broken connection is a failure of the run, not a hang
            failures.append(f"{name}[{worker}]: {exc!r}")
        finally:
            http.close()

    threads = [
        threading.Thread(target=work, args=(name, worker))
        for name in names
        for worker in range(THREADS_PER_OPERATION)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=SECONDS + 120)
    assert not failures, failures


# Which fields each history action may change: anything else changed between two history rows
# was written back by a save that had not seen the change before it.
MAY_CHANGE = {
    "updated": {
        "name",
        "description",
        "total_value_cents",
        "total_sessions",
        "is_active",
        "is_primary",
        "start_date",
        "expiry_date",
        "package_type_id",
        "expiry_rule",
        "validity_days",
    },
    "deleted": {"deleted_at", "is_primary"},
    "restored": {"deleted_at"},
    "transferred": {"client_id", "is_primary"},
    "primary_set": {"is_primary"},
    "primary_unset": {"is_primary"},
    "adjusted": set(),
    "frozen": {"expiry_date"},
    "unfrozen": {"expiry_date"},
    "expiry_started": {"expiry_date"},
}
TRACKED = sorted(set().union(*MAY_CHANGE.values()))


def _history_problems(package: Package) -> list[str]:
    rows = list(package.history.order_by("history_date", "history_id"))
    problems = []
    for before, after in itertools.pairwise(rows):
        changed = {f for f in TRACKED if getattr(before, f) != getattr(after, f)}
        stray = changed - MAY_CHANGE.get(after.history_action, set())
        if stray:
            problems.append(
                f"package {package.pk}: '{after.history_action}' changed {sorted(stray)} "
                f"(history: {[r.history_action for r in rows]})"
            )
    last = rows[-1]
    differs = [f for f in TRACKED if getattr(last, f) != getattr(package, f)]
    if differs:
        problems.append(f"package {package.pk}: row differs from its last history on {differs}")
    return problems


def _check(world: World, names: tuple[str, ...]) -> None:
    answers = world.answers
    statuses = Counter((name, status) for name, status, _, _ in answers)
    server_errors = {key: n for key, n in statuses.items() if key[1] >= 500}
    assert not server_errors, f"5xx answers: {server_errors}"
    for name in names:
        if name in ("transfer", "delete_restore") or not any(a[0] == name for a in answers):
            continue
        succeeded = sum(n for (op, status), n in statuses.items() if op == name and status < 300)
        assert succeeded, f"{name} never succeeded: {statuses}"

    drifted = list(counts.drifted().values_list("pk", "sessions_used", "rows"))
    assert not drifted, f"counters disagree with their rows (package, counter, rows): {drifted}"
    assert not tallies.drifted().exists(), "the stored live-package count disagrees with the rows"

    packages = Package.objects.filter(studio=world.studio)
    for holder in (world.client, world.other):
        primaries = Package.objects.filter(client=holder, is_primary=True)
        assert primaries.filter(deleted_at__isnull=True).count() <= 1
        assert not primaries.filter(deleted_at__isnull=False).exists()

    problems = [problem for package in packages for problem in _history_problems(package)]
    assert not problems, "\n".join(problems)

    p = Package.objects.get(pk=world.p)
    ok = [(name, facts) for name, status, _, facts in answers if status < 300]
    toggles = [facts for name, facts in ok if name == "delete_restore"]
    if toggles:
        assert (p.deleted_at is not None) == toggles[-1]["deleted"], "a delete or restore was lost"
    moves = [facts for name, facts in ok if name == "transfer"]
    if moves:
        assert p.client_id == moves[-1]["to"], "a transfer was undone"

    history = Counter(p.history.values_list("history_action", flat=True))
    answered = Counter(name for name, _ in ok)
    assert history["transferred"] == answered["transfer"]
    assert history["deleted"] + history["restored"] == answered["delete_restore"]
    assert history["adjusted"] == answered["adjust"]
    assert history["frozen"] == answered["freeze"]
    assert history["updated"] >= answered["edit"]
    created = [facts["package"] for name, facts in ok if name == "create_primary"]
    assert len(set(created)) == len(created) == answered["create_primary"]
    for package_id in created:
        assert Package.history.filter(id=package_id, history_action="created").count() == 1
    imported = sum(facts["created"] for name, facts in ok if name == "import_csv")
    assert Package.objects.filter(studio=world.studio, name="Ten").count() == imported
    assert imported == answered["import_csv"], "an import answered 200 but created nothing"
    logged = answered["log_on_p"] + answered["log_by_rule"]
    sessions = TrainingSession.objects.filter(studio=world.studio).exclude(pk__in=world.sessions)
    assert sessions.count() == logged, "a session answered 201 is missing, or one was written twice"


def make_world(base: str) -> World:
    """A studio of its own for one race: its owner, two clients, p (primary) and q."""
    owner = make_persona(
        StudioFactory(), Membership.Role.OWNER, f"owner-{uuid.uuid4()}@example.com"
    )
    studio = owner.studio
    client = ClientFactory(studio=studio)
    other = ClientFactory(studio=studio)
    p = package_services.package_create(
        studio=studio,
        actor=owner.user,
        client=client,
        total_value="1200.00",
        total_sessions=12,
        is_primary=True,
    )
    q = package_services.package_create(
        studio=studio, actor=owner.user, client=client, total_value="500.00", total_sessions=5
    )
    sessions = [
        session_services.session_log(
            studio=studio, actor=owner.user, client=client, package=p
        ).session.pk
        for _ in range(SESSIONS_TO_EDIT)
    ]
    return World(
        studio=studio.pk,
        base=base,
        headers={"Authorization": f"Bearer {owner.token}"},
        client=client.pk,
        other=other.pk,
        p=p.pk,
        q=q.pk,
        sessions=sessions,
    )


# One test per operation, racing it against each operation after it: every pair once, with a
# studio of its own each, so that the database is emptied twelve times rather than sixty-six.
@pytest.mark.parametrize("first", list(OPERATIONS)[:-1])
def test_two_writers_at_once_lose_nothing(live_server, first):
    partners = list(OPERATIONS)[list(OPERATIONS).index(first) + 1 :]
    failures = {}
    for second in partners:
        world = make_world(live_server.url)
        names = (first, second)
        try:
            _race(world, names)
            _check(world, names)
        except AssertionError as exc:
            failures["+".join(names)] = str(exc).splitlines()[0]
    assert not failures, "\n".join(f"{pair}: {why}" for pair, why in failures.items())


def test_eight_loggers_and_two_primary_switchers_lose_no_session(live_server):
    """The race of the report: sessions logged on p while p and q take turns being primary."""
    world = make_world(live_server.url)
    names = ("log_on_p", "log_on_p", "log_on_p", "log_on_p", "make_primary")
    _race(world, names)
    _check(world, ("log_on_p", "make_primary"))
    # Bounded by time, so a loaded machine logs fewer: some must have raced the switches.
    assert sum(1 for a in world.answers if a[0] == "log_on_p" and a[1] == 201) >= 4
