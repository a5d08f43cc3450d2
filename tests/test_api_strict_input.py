"""Strict input (shared/api.md, "Safe retries and strict input"): what pydantic's lax mode let
through, or what still answered 500, is a 422 naming the field.

A JSON boolean is not a number, a number is not a datetime, a datetime is not a date, "yes" is not
a boolean; a datetime needs its UTC offset; a body that is not a JSON object is refused; text
longer than its column is refused on SQLite too; and not signed in is a 401 for every method.
"""

import json
from datetime import UTC, datetime

import pytest
from django.test import Client as HttpClient

from punchcard.clients.models import Client
from punchcard.clients.services import client_create
from punchcard.packages.models import Package, PackageType
from punchcard.packages.services import package_create, package_type_save
from punchcard.training.models import TrainingSession
from punchcard.training.services import session_log

pytestmark = pytest.mark.django_db


def send(persona, url, body, method="post"):
    return getattr(persona.api, method)(url, json.dumps(body), content_type="application/json")


def bad_locs(response) -> list[list]:
    assert response.status_code == 422, (response.status_code, response.content)
    return [item["loc"] for item in response.json()["detail"]]


def bad_fields(response) -> set:
    return {loc[-1] for loc in bad_locs(response)}


@pytest.fixture
def ana(owner):
    return client_create(studio=owner.studio, name="Ana Lopez")


@pytest.fixture
def kit(owner):
    return package_type_save(studio=owner.studio, name="Ten", total_sessions=10, total_value="900")


@pytest.fixture
def package(owner, ana):
    return package_create(
        studio=owner.studio, actor=owner.user, client=ana, total_value="500.00", total_sessions=5
    )


@pytest.fixture
def session(owner, ana, package):
    return session_log(studio=owner.studio, actor=owner.user, client=ana, package=package).session


def history_length(package) -> int:
    return package.history.count()


# Datetimes without an offset -------------------------------------------------------------------


@pytest.mark.parametrize("moment", ["2026-11-24T09:30:00", "2026-01-01", "2026-11-24 09:30"])
def test_a_session_time_without_an_offset_is_a_422_on_create(owner, ana, moment):
    response = send(owner, "/api/sessions", {"client_id": ana.pk, "starts_at": moment})
    assert bad_locs(response) == [["body", "payload", "starts_at"]]
    assert not TrainingSession.objects.exists()


@pytest.mark.parametrize("moment", ["2026-11-24T09:30:00", "2026-01-01"])
def test_a_session_time_without_an_offset_is_a_422_on_patch(owner, session, moment):
    before = session.starts_at
    response = send(owner, f"/api/sessions/{session.pk}", {"starts_at": moment}, "patch")
    assert bad_fields(response) == {"starts_at"}
    session.refresh_from_db()
    assert session.starts_at == before


@pytest.mark.parametrize(
    "moment", ["2026-11-24T09:30:00+00:00", "2026-11-24T09:30:00Z", "2026-11-24T10:30:00+01:00"]
)
def test_a_session_time_with_an_offset_is_taken(owner, ana, moment):
    response = send(owner, "/api/sessions", {"client_id": ana.pk, "starts_at": moment})
    assert response.status_code == 201, response.content
    starts_at = datetime.fromisoformat(response.json()["starts_at"])
    assert starts_at == datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


# A number is not a datetime, a datetime is not a date -----------------------------------------


@pytest.mark.parametrize("moment", [0, 1_700_000_000, 1.5, True, "0", "1700000000"])
def test_a_number_is_not_a_session_time(owner, ana, moment):
    response = send(owner, "/api/sessions", {"client_id": ana.pk, "starts_at": moment})
    assert bad_fields(response) == {"starts_at"}


@pytest.mark.parametrize(
    "day", ["2026-01-01T00:00:00", "2026-01-01T00:00:00+00:00", 0, 20260101, "0", True]
)
def test_only_a_calendar_day_is_a_date(owner, ana, day):
    body = {"client_id": ana.pk, "total_value": "10", "total_sessions": 1, "start_date": day}
    assert bad_fields(send(owner, "/api/packages", body)) == {"start_date"}
    assert not Package.objects.exists()


def test_only_a_calendar_day_is_a_date_on_patch_and_freezes(owner, package):
    url = f"/api/packages/{package.pk}"
    assert bad_fields(send(owner, url, {"expiry_date": "2030-01-01T00:00:00"}, "patch")) == {
        "expiry_date"
    }
    body = {"starts_on": "2030-01-01T00:00:00Z", "ends_on": 0}
    assert bad_fields(send(owner, f"{url}/freezes", body)) == {"starts_on", "ends_on"}


def test_a_calendar_day_is_still_a_date(owner, ana):
    body = {"client_id": ana.pk, "total_value": "10", "total_sessions": 1}
    body |= {"start_date": "2026-01-01", "expiry_date": "2026-02-01"}
    response = send(owner, "/api/packages", body)
    assert response.status_code == 201, response.content
    assert response.json()["start_date"] == "2026-01-01"


# A boolean is not a number, "yes" is not a boolean --------------------------------------------


@pytest.mark.parametrize("value", [True, False, "5", 5.0, "5.0"])
def test_only_a_json_integer_is_a_number_of_sessions(owner, ana, kit, package, session, value):
    cases = [
        ("post", "/api/package-types", {"name": "T", "total_value": "1", "total_sessions": value}),
        (
            "post",
            "/api/packages",
            {"client_id": ana.pk, "total_value": "1", "total_sessions": value},
        ),
        ("patch", f"/api/packages/{package.pk}", {"total_sessions": value}),
        (
            "put",
            f"/api/package-types/{kit.pk}",
            {"name": "T", "total_value": "1", "total_sessions": value},
        ),
        ("post", f"/api/packages/{package.pk}/adjustments", {"sessions": value, "reason": "x"}),
    ]
    for method, url, body in cases:
        field = "sessions" if "adjustments" in url else "total_sessions"
        assert bad_fields(send(owner, url, body, method)) == {field}, url
    session_cases = [
        ("post", "/api/sessions", {"client_id": ana.pk, "duration_minutes": value}),
        ("patch", f"/api/sessions/{session.pk}", {"duration_minutes": value}),
    ]
    for method, url, body in session_cases:
        assert bad_fields(send(owner, url, body, method)) == {"duration_minutes"}, url


@pytest.mark.parametrize("value", [True, "1", 1.0])
def test_only_a_json_integer_is_an_id(owner, ana, package, value):
    body = {"client_id": value, "total_value": "1", "total_sessions": 1}
    assert bad_fields(send(owner, "/api/packages", body)) == {"client_id"}
    assert bad_fields(send(owner, "/api/sessions", {"client_id": value})) == {"client_id"}
    transfer = send(owner, f"/api/packages/{package.pk}/transfer", {"client_id": value})
    assert bad_fields(transfer) == {"client_id"}


@pytest.mark.parametrize("value", ["yes", "true", 0, 1, "1", None])
def test_only_a_json_boolean_is_a_flag(owner, kit, package, value):
    cases = [
        ("post", "/api/clients", {"name": "Ben", "is_active": value}),
        ("patch", f"/api/packages/{package.pk}", {"is_active": value}),
        ("patch", f"/api/packages/{package.pk}", {"is_primary": value}),
        (
            "put",
            f"/api/package-types/{kit.pk}",
            {"name": "T", "total_value": "1", "total_sessions": 1, "is_active": value},
        ),
        ("post", "/api/imports", {"csv": "client_name\nAna\n", "dry_run": value}),
    ]
    for method, url, body in cases:
        field = next(name for name in body if name in ("is_active", "is_primary", "dry_run"))
        assert bad_fields(send(owner, url, body, method)) == {field}, (url, field)
    assert not Client.objects.filter(name="Ben").exists()


def test_a_json_boolean_is_not_money(owner, ana):
    body = {"client_id": ana.pk, "total_value": True, "total_sessions": 1}
    assert bad_fields(send(owner, "/api/packages", body)) == {"total_value"}


@pytest.mark.parametrize("amount", ["1200.50", 1200.5, 1200, "7"])
def test_money_is_still_a_string_or_a_number(owner, ana, amount):
    body = {"client_id": ana.pk, "total_value": amount, "total_sessions": 1}
    assert send(owner, "/api/packages", body).status_code == 201


def test_a_role_is_one_of_its_names(owner):
    body = {"email": "new@example.com", "password": "correct-horse-42", "role": 1}
    assert bad_fields(send(owner, "/api/members", body)) == {"role"}


# Query strings ----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["yes", "1", "0", "on", "True", ""])
def test_a_query_flag_is_true_or_false_only(owner, package, value):
    for url, name in [
        ("/api/packages?is_active=", "is_active"),
        ("/api/packages?include_deleted=", "include_deleted"),
        ("/api/packages/export.csv?is_active=", "is_active"),
        ("/api/clients?is_active=", "is_active"),
        (f"/api/packages/{package.pk}?include_deleted=", "include_deleted"),
    ]:
        response = owner.api.get(url + value)
        assert bad_locs(response) == [["query", name]], url


def test_a_query_flag_of_true_or_false_still_filters(owner, package):
    assert owner.api.get("/api/packages?is_active=true").json()["count"] == 1
    assert owner.api.get("/api/packages?is_active=false").json()["count"] == 0
    assert owner.api.get("/api/clients?is_active=true").json()["count"] == 1
    included = owner.api.get(f"/api/packages/{package.pk}?include_deleted=false")
    assert included.status_code == 200


@pytest.mark.parametrize(
    "value", ["0", "20260101", "2026-01-01T00:00:00", "2026-01-01T00:00:00Z", "true", "1.5"]
)
def test_a_session_filter_date_must_be_a_calendar_day(owner, value):
    for name in ("from", "to"):
        response = owner.api.get(f"/api/sessions?{name}={value}")
        assert bad_locs(response) == [["query", name]], name


def test_a_session_filter_date_of_a_calendar_day_still_filters(owner, session):
    day = session.starts_at.date().isoformat()
    assert owner.api.get(f"/api/sessions?from={day}&to={day}").json()["count"] == 1


@pytest.mark.parametrize("value", ["0", "2026-01-01T00:00:00"])
def test_an_analytics_date_must_be_a_calendar_day(owner, value):
    response = owner.api.get(f"/api/analytics/packages?from={value}")
    assert bad_locs(response) == [["query", "from"]]


# A body that is not a JSON object ----------------------------------------------------------------


NOT_OBJECTS = ["[null, null]", "[]", '"x"', "5", "null", "true", "[{}]"]


@pytest.mark.parametrize("raw", NOT_OBJECTS)
def test_a_patch_body_that_is_not_an_object_is_a_422(owner, package, session, raw):
    changes = history_length(package)
    for url in (f"/api/packages/{package.pk}", f"/api/sessions/{session.pk}"):
        response = owner.api.patch(url, raw, content_type="application/json")
        locs = bad_locs(response)
        assert locs and all(loc[0] == "body" for loc in locs), (url, locs)
    assert history_length(package) == changes
    assert Package.objects.get(pk=package.pk).updated_at == package.updated_at


@pytest.mark.parametrize("raw", NOT_OBJECTS)
def test_a_post_or_put_body_that_is_not_an_object_is_a_422(owner, kit, raw):
    for method, url in [
        ("post", "/api/clients"),
        ("post", "/api/package-types"),
        ("put", f"/api/package-types/{kit.pk}"),
        ("post", "/api/imports"),
    ]:
        response = getattr(owner.api, method)(url, raw, content_type="application/json")
        locs = bad_locs(response)
        assert locs and all(loc[0] == "body" for loc in locs), (url, locs)
    assert PackageType.objects.count() == 1


# Text longer than its column --------------------------------------------------------------------


def too_long(model, field: str) -> str:
    return "x" * (model._meta.get_field(field).max_length + 1)


def test_text_longer_than_its_column_is_a_422_naming_it(owner, ana, kit, package, session):
    cases = [
        ("post", "/api/clients", {"name": too_long(Client, "name")}, "name"),
        ("post", "/api/clients", {"name": "A", "phone": too_long(Client, "phone")}, "phone"),
        ("post", "/api/clients", {"name": "A", "notes": too_long(Client, "notes")}, "notes"),
        (
            "put",
            f"/api/clients/{ana.pk}",
            {"name": "A", "email": too_long(Client, "email")},
            "email",
        ),
        (
            "post",
            "/api/package-types",
            {"name": too_long(PackageType, "name"), "total_value": "1", "total_sessions": 1},
            "name",
        ),
        ("patch", f"/api/packages/{package.pk}", {"name": too_long(Package, "name")}, "name"),
        (
            "patch",
            f"/api/packages/{package.pk}",
            {"description": too_long(Package, "description")},
            "description",
        ),
        (
            "post",
            f"/api/packages/{package.pk}/adjustments",
            {"sessions": 1, "reason": "x" * 501},
            "reason",
        ),
        (
            "post",
            f"/api/packages/{package.pk}/freezes",
            {"starts_on": "2030-01-01", "ends_on": "2030-01-02", "reason": "x" * 501},
            "reason",
        ),
        (
            "post",
            f"/api/packages/{package.pk}/transfer",
            {"client_id": ana.pk, "reason": "x" * 501},
            "reason",
        ),
        (
            "patch",
            f"/api/sessions/{session.pk}",
            {"notes": too_long(TrainingSession, "notes")},
            "notes",
        ),
        (
            "post",
            "/api/members",
            {"email": "a" * 250 + "@x.com", "password": "correct-horse-42"},
            "email",
        ),
    ]
    for method, url, body, field in cases:
        assert bad_fields(send(owner, url, body, method)) == {field}, (url, field)
    assert Client.objects.count() == 1


def request_body_schemas(client) -> dict:
    doc = client.get("/api/openapi.json").json()
    schemas = doc["components"]["schemas"]
    names = {
        content["schema"]["$ref"].rsplit("/", 1)[-1]
        for ops in doc["paths"].values()
        for op in ops.values()
        for content in op.get("requestBody", {}).get("content", {}).values()
    }
    assert len(names) >= 10
    return {name: schemas[name] for name in names}


def test_every_text_field_of_every_input_schema_has_a_length_limit(client):
    unbounded = []
    for name, schema in request_body_schemas(client).items():
        for prop, spec in schema.get("properties", {}).items():
            for variant in spec.get("anyOf", [spec]):
                # The import's CSV is a file, limited in bytes and rows by the importer; money
                # and dates have their own pattern or format.
                if (
                    variant.get("type") == "string"
                    and not {"format", "maxLength", "enum", "pattern"} & set(variant)
                    and (name, prop) != ("ImportIn", "csv")
                ):
                    unbounded.append(f"{name}.{prop}")
    assert not unbounded


# Not signed in is a 401 for every method ----------------------------------------------------------


@pytest.mark.parametrize(
    "method, url",
    [
        ("post", "/api/clients"),
        ("put", "/api/clients/1"),
        ("patch", "/api/packages/1"),
        ("delete", "/api/packages/1"),
        ("post", "/api/sessions"),
        ("delete", "/api/sessions/1"),
        ("get", "/api/clients"),
    ],
)
def test_not_signed_in_is_a_401_for_every_method(db, method, url):
    stale = HttpClient(enforce_csrf_checks=True)
    stale.cookies["sessionid"] = "no-such-session"
    for browser in (HttpClient(enforce_csrf_checks=True), HttpClient(), stale):
        body = {} if method == "get" else {"data": "{}", "content_type": "application/json"}
        response = getattr(browser, method)(url, **body)
        assert response.status_code == 401, (method, url, response.content)


def test_a_wrong_bearer_token_on_an_unsafe_method_is_a_401(db):
    browser = HttpClient(enforce_csrf_checks=True, headers={"Authorization": "Bearer pc_nope"})
    response = browser.post("/api/clients", '{"name": "A"}', content_type="application/json")
    assert response.status_code == 401


def test_a_signed_in_browser_with_its_csrf_token_may_write(owner):
    browser = HttpClient(enforce_csrf_checks=True)
    browser.force_login(owner.user)
    browser.get("/")  # sets the csrftoken cookie
    token = browser.cookies["csrftoken"].value
    response = browser.post(
        "/api/clients",
        '{"name": "A"}',
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 201, response.content


# The document says what is taken ---------------------------------------------------------------


def test_the_document_types_input_integers_and_booleans_strictly(client):
    schemas = client.get("/api/openapi.json").json()["components"]["schemas"]
    for name, prop, kind in [
        ("PackageIn", "total_sessions", "integer"),
        ("PackageIn", "client_id", "integer"),
        ("PackageIn", "is_active", "boolean"),
        ("ClientIn", "is_active", "boolean"),
        ("SessionIn", "duration_minutes", "integer"),
        ("AdjustmentIn", "sessions", "integer"),
        ("ImportIn", "dry_run", "boolean"),
    ]:
        spec = schemas[name]["properties"][prop]
        types = {v.get("type") for v in spec.get("anyOf", [spec])} - {"null"}
        assert types == {kind}, (name, prop, spec)
    starts_at = schemas["SessionIn"]["properties"]["starts_at"]
    assert {"type": "string", "format": "date-time"}.items() <= starts_at["anyOf"][0].items()
