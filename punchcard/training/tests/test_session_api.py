from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from punchcard.clients.tests.factories import ClientFactory
from punchcard.packages.models import Package
from punchcard.packages.tests.factories import PackageFactory
from punchcard.training import services
from punchcard.training.models import TrainingSession

pytestmark = pytest.mark.django_db
JSON = "application/json"
NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def ana(owner):
    return ClientFactory(studio=owner.studio, name="Ana Lopez")


def log(persona, **body):
    response = persona.api.post("/api/sessions", body, content_type=JSON)
    assert response.status_code == 201, response.content
    return response.json()


def used(package) -> int:
    return Package.objects.get(pk=package.pk).sessions_used


@pytest.mark.parametrize(
    ("status", "counted"), [("completed", 1), ("no_show", 1), ("late_cancel", 1), ("cancelled", 0)]
)
def test_each_status_counts_or_not(trainer, ana, status, counted):
    package = PackageFactory(studio=trainer.studio, client=ana)
    body = log(trainer, client_id=ana.pk, package_id=package.pk, status=status)
    assert body["package"]["sessions_used"] == counted
    assert used(package) == counted


def test_session_defaults_and_shape(trainer, ana):
    PackageFactory(studio=trainer.studio, client=ana)
    body = log(trainer, client_id=ana.pk)
    assert (body["status"], body["duration_minutes"], body["notes"]) == ("completed", 60, "")
    assert datetime.fromisoformat(body["starts_at"]) == NOW
    assert {
        "id",
        "client_id",
        "package_id",
        "starts_at",
        "duration_minutes",
        "status",
        "notes",
        "created_at",
        "package",
        "warnings",
    } <= set(body)
    assert TrainingSession.objects.get().trainer == trainer.user


def test_assignment_prefers_primary_then_soonest_expiry_then_none(owner, ana):
    no_expiry = PackageFactory(studio=owner.studio, client=ana, name="open")
    later = PackageFactory(
        studio=owner.studio, client=ana, name="later", expiry_date=TODAY + timedelta(days=60)
    )
    sooner = PackageFactory(
        studio=owner.studio, client=ana, name="sooner", expiry_date=TODAY + timedelta(days=10)
    )
    PackageFactory(
        studio=owner.studio, client=ana, name="expired", expiry_date=TODAY - timedelta(days=1)
    )
    PackageFactory(studio=owner.studio, client=ana, name="off", is_active=False, expiry_date=TODAY)
    assert log(owner, client_id=ana.pk)["package_id"] == sooner.pk
    Package.objects.filter(pk=later.pk).update(is_primary=True)
    assert log(owner, client_id=ana.pk)["package_id"] == later.pk
    Package.objects.filter(pk=later.pk).update(is_primary=False)
    Package.objects.filter(pk=sooner.pk).update(sessions_used=12)  # used up: not usable
    assert log(owner, client_id=ana.pk)["package_id"] == later.pk
    Package.objects.filter(pk=later.pk).update(deleted_at=NOW)
    assert log(owner, client_id=ana.pk)["package_id"] == no_expiry.pk
    Package.objects.filter(pk=no_expiry.pk).update(is_active=False)
    body = log(owner, client_id=ana.pk)
    assert (body["package_id"], body["package"], body["warnings"]) == (None, None, ["no_package"])


@pytest.mark.parametrize("whose", ["another studio's", "deleted"])
def test_a_client_not_yours_is_a_422_on_client_id_with_or_without_a_package(
    owner, outsider, ana, whose
):
    if whose == "deleted":
        client = ClientFactory(studio=owner.studio, deleted_at=NOW)
    else:
        client = ClientFactory(studio=outsider.studio)
    PackageFactory(studio=client.studio, client=client)
    package = PackageFactory(studio=owner.studio, client=ana)
    for body in ({"client_id": client.pk}, {"client_id": client.pk, "package_id": package.pk}):
        response = owner.api.post("/api/sessions", body, content_type=JSON)
        assert response.status_code == 422
        [error] = response.json()["detail"]
        assert (error["loc"][-1], error["msg"]) == ("client_id", "Not found in your studio.")
    assert not TrainingSession.objects.exists()


def test_logging_by_client_id_picks_what_the_rule_picks_and_warns_the_same(owner, ana):
    ben = ClientFactory(studio=owner.studio)
    PackageFactory(studio=owner.studio, client=ben, expiry_date=TODAY + timedelta(days=1))
    used_up = PackageFactory(studio=owner.studio, client=ana, sessions_used=12, is_primary=True)
    PackageFactory(studio=owner.studio, client=ana, expiry_date=TODAY + timedelta(days=30))
    picked = services.package_for_new_session(studio=owner.studio, client=ana)
    logged = services.session_log_by_client_id(
        studio=owner.studio, actor=owner.user, client_id=ana.pk
    )
    assert logged.package.pk == picked.pk == used_up.pk  # the primary, whatever its state
    assert logged.warnings == ["package_exceeded"]
    assert logged.session.client_id == ana.pk and logged.package.client == ana
    with pytest.raises(ValidationError) as refused:
        services.session_log_by_client_id(
            studio=owner.studio, actor=None, client_id=ana.pk, duration_minutes=0
        )
    assert set(refused.value.message_dict) == {"duration_minutes"}
    with pytest.raises(ValidationError) as refused:
        services.session_log_by_client_id(studio=owner.studio, actor=None, client_id=10**9)
    assert refused.value.message_dict == {"client_id": ["Choose one of your clients."]}


def test_overage_is_recorded_and_warned_never_refused(trainer, ana):
    package = PackageFactory(studio=trainer.studio, client=ana, total_sessions=1)
    assert log(trainer, client_id=ana.pk, package_id=package.pk)["warnings"] == []
    body = log(trainer, client_id=ana.pk, package_id=package.pk)
    assert body["warnings"] == ["package_exceeded"]
    assert (body["package"]["sessions_used"], body["package"]["sessions_remaining"]) == (2, -1)
    assert body["package"]["status"] == "completed"


def test_expired_and_inactive_packages_warn_but_record(trainer, ana):
    package = PackageFactory(
        studio=trainer.studio, client=ana, expiry_date=TODAY - timedelta(days=3), is_active=False
    )
    body = log(trainer, client_id=ana.pk, package_id=package.pk)
    assert body["warnings"] == ["package_expired", "package_inactive"]
    assert used(package) == 1


def test_edit_and_delete_move_counts_at_once(trainer, ana):
    first = PackageFactory(studio=trainer.studio, client=ana, name="first")
    second = PackageFactory(studio=trainer.studio, client=ana, name="second")
    session = log(trainer, client_id=ana.pk, package_id=first.pk)
    url = f"/api/sessions/{session['id']}"
    response = trainer.api.patch(url, {"status": "cancelled"}, content_type=JSON)
    assert response.status_code == 200 and response.json()["package"]["sessions_used"] == 0
    trainer.api.patch(url, {"status": "no_show", "package_id": second.pk}, content_type=JSON)
    assert (used(first), used(second)) == (0, 1)
    trainer.api.patch(url, {"package_id": first.pk}, content_type=JSON)
    assert (used(first), used(second)) == (1, 0)
    assert trainer.api.delete(url).status_code == 204
    assert (used(first), used(second)) == (0, 0)
    assert trainer.api.get(url).status_code == 404
    assert trainer.api.delete(url).status_code == 404


def test_list_filters_and_newest_first(owner, ana):
    ben = ClientFactory(studio=owner.studio)
    package = PackageFactory(studio=owner.studio, client=ana)
    a1 = log(owner, client_id=ana.pk, package_id=package.pk, starts_at="2026-11-01T09:00:00+00:00")
    a2 = log(owner, client_id=ana.pk, starts_at="2026-11-20T09:00:00+00:00")
    b1 = log(owner, client_id=ben.pk, starts_at="2026-11-10T23:30:00+00:00")
    ids = lambda **p: [s["id"] for s in owner.api.get("/api/sessions", p).json()["items"]]  # noqa: E731
    assert ids() == [a2["id"], b1["id"], a1["id"]]
    assert ids(client_id=ana.pk) == [a2["id"], a1["id"]]
    assert ids(package_id=package.pk) == [a2["id"], a1["id"]]
    assert ids(**{"from": "2026-11-10", "to": "2026-11-10"}) == [b1["id"]]
    assert owner.api.get("/api/sessions", {"from": "yesterday"}).status_code == 422


def test_dates_in_the_list_are_studio_local_days(owner, ana):
    owner.studio.timezone = "America/New_York"
    owner.studio.save()
    # 02:00 UTC on the 11th is still the evening of the 10th in New York.
    s = log(owner, client_id=ana.pk, starts_at="2026-11-11T02:00:00+00:00")
    items = owner.api.get("/api/sessions", {"from": "2026-11-10", "to": "2026-11-10"}).json()[
        "items"
    ]
    assert [i["id"] for i in items] == [s["id"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "done"}, "status"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"duration_minutes": 2000}, "duration_minutes"),
        ({"starts_at": "soon"}, "starts_at"),
        ({"notes": "x" * 2001}, "notes"),
        ({"package_id": 999999}, "package_id"),
    ],
)
def test_invalid_session_is_422_naming_the_field(trainer, ana, body, field):
    response = trainer.api.post("/api/sessions", {"client_id": ana.pk, **body}, content_type=JSON)
    assert response.status_code == 422
    assert field in {d["loc"][-1] for d in response.json()["detail"]}
    assert not TrainingSession.objects.exists()


def test_cross_studio_client_or_package_is_refused(owner, outsider, ana):
    theirs = ClientFactory(studio=outsider.studio)
    their_package = PackageFactory(studio=outsider.studio, client=theirs)
    r1 = owner.api.post("/api/sessions", {"client_id": theirs.pk}, content_type=JSON)
    r2 = owner.api.post(
        "/api/sessions", {"client_id": ana.pk, "package_id": their_package.pk}, content_type=JSON
    )
    assert (r1.status_code, r2.status_code) == (422, 422)
    assert used(their_package) == 0 and not TrainingSession.objects.exists()


def test_deleted_client_or_package_is_422_naming_the_field(owner, ana):
    package = PackageFactory(studio=owner.studio, client=ana)
    Package.objects.filter(pk=package.pk).update(deleted_at=NOW)
    body = {"client_id": ana.pk, "package_id": package.pk}
    response = owner.api.post("/api/sessions", body, content_type=JSON)
    assert response.status_code == 422
    assert [e["loc"][-1] for e in response.json()["detail"]] == ["package_id"]
    type(ana).objects.filter(pk=ana.pk).update(deleted_at=NOW)
    response = owner.api.post("/api/sessions", {"client_id": ana.pk}, content_type=JSON)
    assert response.status_code == 422
    assert [e["loc"][-1] for e in response.json()["detail"]] == ["client_id"]
    assert not TrainingSession.objects.exists()


def test_another_clients_package_is_refused(owner, ana):
    ben = ClientFactory(studio=owner.studio)
    bens = PackageFactory(studio=owner.studio, client=ben)
    response = owner.api.post(
        "/api/sessions", {"client_id": ana.pk, "package_id": bens.pk}, content_type=JSON
    )
    assert response.status_code == 422


def test_outsider_gets_404_on_sessions(owner, outsider, ana):
    session = log(owner, client_id=ana.pk)
    url = f"/api/sessions/{session['id']}"
    assert outsider.api.get(url).status_code == 404
    assert outsider.api.patch(url, {"status": "cancelled"}, content_type=JSON).status_code == 404
    assert outsider.api.delete(url).status_code == 404
    assert outsider.api.get("/api/sessions").json()["count"] == 0


@pytest.mark.parametrize(
    "case", ["by_rule", "given", "cancelled", "used_up", "first_session_expiry", "frozen"]
)
def test_logged_package_is_the_package_as_now_stored(owner, ana, case):
    """The answer's package is built from the row in hand and the counter the UPDATE returned:
    it must equal a fresh read, counter, expiry and warnings included."""
    from punchcard.packages import services as package_services

    package = PackageFactory(studio=owner.studio, client=ana, total_sessions=2)
    body = {"client_id": ana.pk}
    if case != "by_rule":
        body["package_id"] = package.pk
    if case == "cancelled":
        body["status"] = "cancelled"
    if case == "used_up":
        Package.objects.filter(pk=package.pk).update(sessions_used=2)
    if case == "first_session_expiry":
        Package.objects.filter(pk=package.pk).update(
            expiry_rule="from_first_session", validity_days=30
        )
    if case == "frozen":
        package_services.package_freeze(
            package=package, actor=owner.user, starts_on=TODAY, ends_on=TODAY + timedelta(days=3)
        )
    answer = log(owner, **body)
    assert answer["package"] == owner.api.get(f"/api/packages/{package.pk}").json()
    expected = {
        "by_rule": [],
        "given": [],
        "cancelled": [],
        "used_up": ["package_exceeded"],
        "first_session_expiry": [],
        "frozen": ["package_frozen"],
    }[case]
    assert answer["warnings"] == expected
    if case == "first_session_expiry":
        assert answer["package"]["expiry_date"] == str(TODAY + timedelta(days=30))


def test_a_given_package_is_answered_as_stored_not_as_the_caller_read_it(owner, ana):
    from punchcard.training import services

    package = PackageFactory(studio=owner.studio, client=ana, name="Standard")
    stale = Package.objects.get(pk=package.pk)
    Package.objects.filter(pk=package.pk).update(name="Renamed", is_active=False)
    logged = services.session_log(studio=owner.studio, actor=None, client=ana, package=stale)
    assert (logged.package.name, logged.package.sessions_used) == ("Renamed", 1)
    assert logged.warnings == ["package_inactive"]


@pytest.mark.parametrize(
    ("case", "starts_at"),
    [
        ("by_rule", None),
        ("none", None),
        ("given", "2026-11-20T09:30:15.123456+02:00"),
        ("frozen", "2026-11-24T06:00:00-05:00"),
        ("cancelled", "2026-11-23T23:59:59.999999Z"),
    ],
)
def test_logged_answer_is_byte_for_byte_what_its_schema_gives(owner, ana, case, starts_at):
    """The answer skips pydantic's pass over its output (core.api.rendered): it must be the very
    bytes that pass gave, from the same objects (offsets, milliseconds, enums, nulls)."""
    from django.test import RequestFactory

    from config.api import api as ninja_api
    from punchcard.packages import services as package_services
    from punchcard.packages.present import package_dict
    from punchcard.training import api, services
    from punchcard.training.api import LoggedSessionOut, SessionOut

    package = None
    if case != "none":
        package = PackageFactory(studio=owner.studio, client=ana, expiry_date=date(2027, 1, 1))
    if case == "frozen":
        package_services.package_freeze(
            package=package, actor=owner.user, starts_on=TODAY, ends_on=TODAY + timedelta(days=3)
        )
    logged = services.session_log(
        studio=owner.studio,
        actor=owner.user,
        client=ana,
        package=package if case in ("given", "cancelled") else None,
        starts_at=datetime.fromisoformat(starts_at) if starts_at else None,
        status=TrainingSession.Status.CANCELLED if case == "cancelled" else "no_show",
        notes='  Knee \u00e9 "ok"  ',
    )
    request = RequestFactory().post("/api/sessions")
    request.studio = owner.studio
    response = api._logged_out(request, logged, status=201)
    through_schema = {
        **SessionOut.from_orm(logged.session).dict(),
        "package": package_dict(logged.package, studio=owner.studio, today=TODAY)
        if logged.package
        else None,
        "warnings": logged.warnings,
    }
    # As the API renders an answer that went through its schema.
    expected = ninja_api.renderer.render(
        request, LoggedSessionOut.model_validate(through_schema).model_dump(), response_status=201
    ).decode()
    assert response.status_code == 201
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.content.decode() == expected
    assert (logged.package is None) == (case == "none")


@pytest.mark.parametrize("given", [False, True])
def test_logging_runs_fixed_queries(owner, ana, given, django_assert_max_num_queries):
    packages = [PackageFactory(studio=owner.studio, client=ana) for _ in range(5)]
    body = {"client_id": ana.pk, "package_id": packages[2].pk} if given else {"client_id": ana.pk}
    log(owner, **body)  # the token's last use is stamped once a minute, not counted here
    # The token, the client and the package by the rule (one statement), or the client, the
    # package given and its freeze; the session, the counter and its month's tally. SAVEPOINT
    # and RELEASE here stand for BEGIN and COMMIT. On PostgreSQL the session, the counter and
    # the tally are one statement; SQLite cannot write inside WITH, so the tally is one more.
    extra = 1 if connection.vendor == "sqlite" else 0
    with django_assert_max_num_queries(8 + extra if given else 7):
        log(owner, **body)


def test_a_session_logged_by_the_rule_runs_a_fixed_number_of_statements(owner, ana):
    PackageFactory(studio=owner.studio, client=ana)
    log(owner, client_id=ana.pk)  # the token's last use is stamped once a minute
    with CaptureQueriesContext(connection) as statements:
        body = log(owner, client_id=ana.pk)
    # The token; the client; the package the rule picks; the session and its package's counter,
    # in one transaction (on SQLite its SAVEPOINT and RELEASE are counted too).
    assert len(statements) <= 7, [q["sql"][:80] for q in statements.captured_queries]
    assert body["package"]["sessions_used"] == 2


def test_session_list_runs_fixed_queries(owner, ana, django_assert_max_num_queries):
    for _ in range(30):
        log(owner, client_id=ana.pk)
    with django_assert_max_num_queries(5):
        assert len(owner.api.get("/api/sessions").json()["items"]) == 30


# Expired report ----------------------------------------------------------------------------------


def test_expired_report_lists_unused_value_to_the_cent(owner, ana, trainer):
    old = PackageFactory(
        studio=owner.studio,
        client=ana,
        name="old",
        total_value_cents=100_000,
        total_sessions=12,
        expiry_date=date(2026, 10, 1),
    )
    recent = PackageFactory(
        studio=owner.studio,
        client=ana,
        name="recent",
        total_value_cents=10_000,
        total_sessions=3,
        expiry_date=date(2026, 11, 23),
    )
    PackageFactory(studio=owner.studio, client=ana, name="fine", expiry_date=date(2026, 12, 1))
    done = PackageFactory(
        studio=owner.studio, client=ana, name="done", total_sessions=1, expiry_date=date(2026, 9, 1)
    )
    PackageFactory(
        studio=owner.studio,
        client=ana,
        name="deleted",
        expiry_date=date(2026, 9, 1),
        deleted_at=NOW,
    )
    Package.objects.filter(pk=old.pk).update(sessions_used=5)
    Package.objects.filter(pk=recent.pk).update(sessions_used=1)
    Package.objects.filter(pk=done.pk).update(sessions_used=1)
    body = owner.api.get("/api/reports/expired-packages").json()
    assert [p["name"] for p in body["items"]] == ["recent", "old"]
    # old: 1000 - round(1000*5/12 = 416.67) = 583.33; recent: 100 - 33.33 = 66.67
    assert [p["unused_value"] for p in body["items"]] == ["66.67", "583.33"]
    assert (body["count"], body["unused_sessions"], body["unused_value"]) == (2, 9, "650.00")
    assert trainer.api.get("/api/reports/expired-packages").status_code == 403


@pytest.mark.parametrize(
    "params",
    [{"from": "0001-01-01"}, {"to": "9999-12-31"}, {"from": "0001-01-01", "to": "9999-12-31"}],
)
def test_extreme_date_filters_never_500(owner, ana, params):
    owner.studio.timezone = "Pacific/Auckland"
    owner.studio.save()
    log(owner, client_id=ana.pk)
    response = owner.api.get("/api/sessions", params)
    assert response.status_code == 200 and response.json()["count"] == 1
    assert (
        owner.web.get(
            "/sessions/", {"date_from": params.get("from", ""), "date_to": params.get("to", "")}
        ).status_code
        == 200
    )
