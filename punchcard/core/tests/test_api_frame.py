import re

import pytest

from config.api import api

pytestmark = pytest.mark.django_db


def test_health_checks_the_database(client):
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_openapi_document_lists_every_route(client):
    doc = client.get("/api/openapi.json").json()
    documented = {(path, method.upper()) for path, ops in doc["paths"].items() for method in ops}
    routes = set()
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            full = "/api/" + "/".join(p.strip("/") for p in (prefix, path) if p.strip("/"))
            full = re.sub(r"\{\w+:(\w+)\}", r"{\1}", full)
            for op in path_view.operations:
                routes.update((full, m) for m in op.methods)
    assert routes and routes <= documented, routes - documented
    for must in [
        "/api/health",
        "/api/auth/signup",
        "/api/auth/token",
        "/api/me",
        "/api/members",
        "/api/clients",
        "/api/clients/{client_id}",
    ]:
        assert must in doc["paths"]


def test_docs_page_loads_only_the_apps_own_assets(client):
    html = client.get("/api/docs").content.decode()
    urls = re.findall(r'(?:src|href)=["\']([^"\']+)', html)
    assert urls, "the docs page should load its script and styles"
    external = [u for u in urls if re.match(r"^(https?:)?//", u)]
    assert external == []
    for url in urls:
        if url.startswith("/static/"):
            assert client.get(url).status_code == 200, url


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/no-such-thing")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")


def test_malformed_json_is_422_not_500(owner):
    response = owner.api.post("/api/clients", "{not json", content_type="application/json")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][0] == "body"


def test_wrong_content_type_is_rejected_cleanly(owner):
    response = owner.api.post("/api/clients", "name=Ana", content_type="text/plain")
    assert response.status_code == 422
