"""Inputs the API fuzzing (tests/test_api_fuzz.py) turned into 500s, kept as plain regressions.

Each is a 4xx naming the field now, on SQLite and on PostgreSQL alike; and the OpenAPI document
declares every status an operation can answer, so that integrators (and the fuzzer) can rely on it.
"""

import json
from datetime import UTC, datetime

import pytest
from django.test import Client as HttpClient

from punchcard.clients.services import client_create
from punchcard.packages.models import Package
from punchcard.packages.services import package_create, package_type_save

pytestmark = pytest.mark.django_db


def post_json(persona, url, body, method="post"):
    return getattr(persona.api, method)(url, json.dumps(body), content_type="application/json")


def bad_fields(response) -> set:
    assert response.status_code == 422, response.content
    return {item["loc"][-1] for item in response.json()["detail"]}


@pytest.fixture
def ana(owner):
    return client_create(studio=owner.studio, name="Ana Lopez")


@pytest.fixture
def package(owner, ana):
    return package_create(
        studio=owner.studio, actor=owner.user, client=ana, total_value="500.00", total_sessions=5
    )


# Text the database cannot store ---------------------------------------------------------------


@pytest.mark.parametrize(
    "url, body, field",
    [
        ("/api/clients", {"name": "Ana\x00"}, "name"),
        ("/api/package-types", {"name": "T\x00", "total_sessions": 1, "total_value": "1"}, "name"),
        ("/api/auth/token", {"email": "a\x00@example.com", "password": "x"}, "email"),
        (
            "/api/auth/signup",
            {"studio_name": "S\x00", "email": "s@example.com", "password": "p"},
            "studio_name",
        ),
    ],
)
def test_nul_in_text_is_a_422_naming_the_field(owner, url, body, field):
    assert field in bad_fields(post_json(owner, url, body))


def test_nul_in_a_search_is_a_422_naming_the_parameter(owner):
    for url in ("/api/clients?q=a%00b", "/api/packages?q=a%00b", "/api/packages/export.csv?q=%00"):
        response = owner.api.get(url)
        assert response.status_code == 422, url
        assert response.json()["detail"][0]["loc"] == ["query", "q"]


def test_nul_in_a_session_note_or_transfer_reason_is_refused(owner, ana, package):
    assert "notes" in bad_fields(
        post_json(owner, "/api/sessions", {"client_id": ana.pk, "notes": "\x00"})
    )
    ben = client_create(studio=owner.studio, name="Ben")
    response = post_json(
        owner, f"/api/packages/{package.pk}/transfer", {"client_id": ben.pk, "reason": "a\x00"}
    )
    assert "reason" in bad_fields(response)


# Dates and times at the edges -----------------------------------------------------------------


def test_an_offset_postgresql_cannot_store_is_taken_as_the_same_instant(owner, ana):
    response = post_json(
        owner, "/api/sessions", {"client_id": ana.pk, "starts_at": "2026-05-08T23:30:00-16:58"}
    )
    assert response.status_code == 201, response.content
    starts_at = datetime.fromisoformat(response.json()["starts_at"])
    assert starts_at == datetime(2026, 5, 9, 16, 28, tzinfo=UTC)


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-05:00"])
def test_a_moment_at_the_calendars_edge_is_a_422(owner, ana, moment):
    assert "starts_at" in bad_fields(
        post_json(owner, "/api/sessions", {"client_id": ana.pk, "starts_at": moment})
    )


@pytest.mark.parametrize(
    "query", ["to=0001-01-01", "from=0001-01-01&to=0001-01-01", "from=9999-12-31", "to=9999-12-31"]
)
def test_analytics_over_the_calendars_edges_answers(owner, query):
    response = owner.api.get(f"/api/analytics/packages?{query}")
    assert response.status_code == 200, response.content
    assert response.json()["sessions_by_month"] == []


def test_a_type_whose_validity_runs_past_year_9999_is_a_422(owner, ana):
    kit = package_type_save(
        studio=owner.studio, name="Year", total_sessions=5, total_value="1", validity_days=365
    )
    body = {"client_id": ana.pk, "package_type_id": kit.pk, "start_date": "9999-06-01"}
    assert "start_date" in bad_fields(post_json(owner, "/api/packages", body))


# PATCH with null --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field", ["is_active", "is_primary", "name", "total_value", "total_sessions"]
)
def test_patching_a_required_field_to_null_is_a_422(owner, package, field):
    response = post_json(owner, f"/api/packages/{package.pk}", {field: None}, method="patch")
    assert bad_fields(response) == {field}
    fresh = Package.objects.get(pk=package.pk)
    assert (fresh.is_active, fresh.is_primary, fresh.name) == (True, False, package.name)


def test_patching_a_nullable_field_to_null_clears_it(owner, package):
    post_json(owner, f"/api/packages/{package.pk}", {"expiry_date": "2030-01-01"}, method="patch")
    response = post_json(
        owner, f"/api/packages/{package.pk}", {"expiry_date": None}, method="patch"
    )
    assert response.status_code == 200
    assert response.json()["expiry_date"] is None


# Oversized and malformed requests --------------------------------------------------------------


def test_a_body_over_the_upload_limit_is_a_422(owner, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = post_json(owner, "/api/clients", {"name": "Ana", "notes": "x" * 2000})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body"]


def test_too_many_query_parameters_is_a_422(owner):
    response = owner.api.get("/api/clients?" + "&".join(f"f{i}=1" for i in range(1100)))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query"]


def test_a_multipart_sign_in_without_a_boundary_is_not_a_server_error(db):
    response = HttpClient().post(
        "/api/auth/token",
        json.dumps({"email": "", "password": ""}),
        content_type="multipart/form-data",
    )
    assert response.status_code in (401, 422)


# The document -----------------------------------------------------------------------------------

UNSAFE = {"post", "put", "patch", "delete"}


def operations(client):
    doc = client.get("/api/openapi.json").json()
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            yield f"{method.upper()} {path}", method, op


def test_every_signed_in_operation_declares_401_and_422_where_it_takes_input(client):
    for label, _, op in operations(client):
        declared = set(op["responses"])
        if op.get("security"):
            assert "401" in declared, label
        if op.get("parameters") or op.get("requestBody"):
            assert "422" in declared, label
        if any(p["in"] == "path" for p in op.get("parameters", [])):
            assert "404" in declared, label


def test_every_unsafe_signed_in_operation_declares_403_for_a_cookie_without_csrf(client):
    for label, method, op in operations(client):
        if method in UNSAFE and op.get("security"):
            assert "403" in op["responses"], label


def test_a_session_cookie_without_csrf_gets_the_declared_403(owner):
    browser = HttpClient(enforce_csrf_checks=True)
    browser.force_login(owner.user)
    response = browser.post(
        "/api/clients", json.dumps({"name": "A"}), content_type="application/json"
    )
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/json")


def test_the_csv_export_is_declared_as_csv_only(client):
    ops = {label: op for label, _, op in operations(client)}
    content = ops["GET /api/packages/export.csv"]["responses"]["200"]["content"]
    assert list(content) == ["text/csv"]


def test_money_is_declared_as_a_decimal_string_with_a_pattern(client):
    """Out, a string; in, a string or a number (shared/api.md), the string with its pattern."""
    doc = client.get("/api/openapi.json").json()
    taken = {
        content["schema"]["$ref"].rsplit("/", 1)[-1]
        for ops in doc["paths"].values()
        for op in ops.values()
        for content in op.get("requestBody", {}).get("content", {}).values()
    }
    money = 0
    for name, schema in doc["components"]["schemas"].items():
        for prop, spec in schema.get("properties", {}).items():
            if not (prop.endswith("_value") or prop == "revenue"):
                continue
            variants = [v for v in spec.get("anyOf", [spec]) if v.get("type") != "null"]
            assert len(variants) == 1, f"{name}.{prop}: {spec}"
            kind = ["string", "number"] if name in taken else "string"
            assert variants[0]["type"] == kind and variants[0]["pattern"], f"{name}.{prop}"
            money += 1
    assert money >= 10
