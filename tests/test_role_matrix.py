"""Role matrix: trainers get 403 from owner-only actions; anonymous visitors are sent to sign in.

The owner-only actions are listed here by hand (product.md: delete/restore packages, package types,
members, analytics and revenue, the expired report). Everything else is enumerated from the URL
resolver and the NinjaAPI, so a new route is classified by these tests whether or not anyone
remembered it: a trainer must not meet a 403 outside the list, and an anonymous visitor must meet
the sign-in page (pages) or a 401 (API) everywhere except the few public routes named below.
"""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import transaction
from django.urls import reverse

from punchcard.packages.models import Package
from punchcard.studios.models import Studio
from tests.test_isolation_matrix import (
    CAPABILITY_KWARGS,
    ApiRoute,
    PageRoute,
    World,
    api_routes,
    assert_unchanged,
    build_world,
    page_routes,
    snapshot,
)

pytestmark = pytest.mark.django_db

# Owner-only actions (route name, method, {kwarg: world object}, query string) -------------------

OWNER_ONLY_PAGES = [
    ("packages:delete", "POST", {"pk": "package"}, ""),
    ("packages:restore", "POST", {"pk": "deleted_package"}, ""),
    ("packages:type-list", "GET", {}, ""),
    ("packages:type-new", "GET", {}, ""),
    ("packages:type-new", "POST", {}, ""),
    ("packages:type-edit", "GET", {"pk": "package_type"}, ""),
    ("packages:type-edit", "POST", {"pk": "package_type"}, ""),
    ("packages:type-delete", "POST", {"pk": "package_type"}, ""),
    ("studios:members", "GET", {}, ""),
    ("studios:members", "POST", {}, ""),
    ("studios:member-edit", "GET", {"member_id": "member"}, ""),
    ("studios:member-edit", "POST", {"member_id": "member"}, ""),
    ("analytics:dashboard", "GET", {}, ""),
    ("analytics:dashboard", "GET", {}, "?range=this-year"),
    ("analytics:dashboard", "GET", {}, "?export=revenue_by_type&range=all"),
    ("analytics:dashboard", "GET", {}, "?export=popular_types&from=2000-01-01"),
    ("analytics:dashboard", "GET", {}, "?export=sessions_by_month&range=all"),
    ("reports-expired", "GET", {}, ""),
    ("reports-expired", "GET", {}, "?format=csv"),
]
OWNER_ONLY_API = [
    ("DELETE", "api:package_delete", {"package_id": "package"}),
    ("POST", "api:package_restore", {"package_id": "deleted_package"}),
    ("POST", "api:type_create", {}),
    ("PUT", "api:type_update", {"type_id": "package_type"}),
    ("DELETE", "api:type_delete", {"type_id": "package_type"}),
    ("POST", "api:member_create", {}),
    ("GET", "api:member_list", {}),
    ("PATCH", "api:member_patch", {"member_id": "member"}),
    ("GET", "api:package_analytics", {}),
    ("GET", "api:expired_packages", {}),
]
# A page view is owner-only as a whole (every method); an API operation is one method.
OWNER_ONLY_PAGE_NAMES = {name for name, _, _, _ in OWNER_ONLY_PAGES}
OWNER_ONLY_API_KEYS = {(name, method) for method, name, _ in OWNER_ONLY_API}

# Routes the trainer walk leaves alone: signing in or out would change who is asking.
TRAINER_WALK_SKIPS = {
    "studios:signin": "signs in: not a studio action",
    "studios:signup": "creates a new studio: not an action inside this one",
    "studios:signout": "signs the trainer out, which would turn the rest of the walk anonymous",
    "api:signup": "creates a new studio",
    "api:token": "exchanges a password for a token",
}

# Public routes: the only ones an anonymous visitor may use. Each checked to really be public.
PUBLIC_PAGES = {
    "studios:signin": "the sign-in page itself",
    "studios:signup": "creating a studio needs no account",
    "studios:signout": "signing out works (and is harmless) without a session",
}
# Pages whose URL carries a capability secret (the client balance link) are public by design;
# test_isolation_matrix.test_a_balance_link_shows_its_own_client_and_nobody_else covers them, and
# test_capability_pages_are_public_only_with_a_live_secret below checks them anonymously.
PUBLIC_API = {
    ("GET", "/api/health"): "load balancers probe it without credentials",
    ("POST", "/api/auth/signup"): "creating a studio needs no account",
    ("POST", "/api/auth/token"): "exchanges email and password for a token",
}
# Not ninja operations, so not in api_routes(): the docs, the schema, ninja's root.
PUBLIC_API_PATTERNS = {
    "/api/openapi.json": 200,
    "/api/docs": 200,
    "/api/": 404,  # ninja's root: a 404 with no data, for anyone
}


def _page_route(name: str) -> PageRoute:
    found = [r for r in page_routes() if r.name == name]
    assert found, f"owner-only page {name} no longer exists: update OWNER_ONLY_PAGES"
    return found[0]


def _api_route(name: str, method: str) -> ApiRoute:
    found = [r for r in api_routes() if r.name == name and r.method == method]
    assert found, (
        f"owner-only API operation {method} {name} no longer exists: update OWNER_ONLY_API"
    )
    return found[0]


def _page_call(persona, method: str, url: str, data: dict):
    return persona.web.get(url) if method == "GET" else persona.web.post(url, data)


def _api_call(client, route: ApiRoute, url: str, body: dict | None):
    if body is None:
        return client.generic(route.method, url)
    return client.generic(route.method, url, data=json.dumps(body), content_type="application/json")


def _rolled_back(call, *args):
    with transaction.atomic():
        response = call(*args)
        transaction.set_rollback(True)
    return response


def _owner_only_requests(world: World):
    """(label, kind, call(persona)) for every owner-only action, with the owner's real objects."""
    data = world.form_data()
    for name, method, targets, query in OWNER_ONLY_PAGES:
        route = _page_route(name)
        url = route.url(**{k: world.id_of(v) for k, v in targets.items()}) + query
        yield (
            f"{method} {url} [{name}]",
            "page",
            lambda p, m=method, u=url: _page_call(p, m, u, data),
        )
    for method, name, targets in OWNER_ONLY_API:
        route = _api_route(name, method)
        url = route.url(**{k: world.id_of(v) for k, v in targets.items()})
        body = world.api_body(route)
        yield (
            f"{method} {url} [{name}]",
            "api",
            lambda p, r=route, u=url, b=body: _api_call(p.api, r, u, b),
        )


@pytest.fixture
def world(owner, trainer) -> World:
    return build_world(owner, trainer)


# Trainer vs owner -------------------------------------------------------------------------------


def test_trainer_gets_403_from_every_owner_only_action_and_changes_nothing(world, trainer):
    before = snapshot(world.studio)
    problems = []
    for label, _, call in _owner_only_requests(world):
        response = call(trainer)
        if response.status_code != 403:
            problems.append(f"trainer {label}: {response.status_code}, expected 403")
    assert not problems, "\n".join(problems)
    assert_unchanged(before, snapshot(world.studio))


def test_owner_can_do_every_owner_only_action(world, owner):
    # The control for the 403s above: the same requests succeed for the owner.
    problems = []
    for label, kind, call in _owner_only_requests(world):
        response = _rolled_back(call, owner)
        ok = (200, 302) if kind == "page" else (200, 201, 204)
        if response.status_code not in ok:
            problems.append(f"owner {label}: {response.status_code}, expected one of {ok}")
        elif ("export=" in label or "format=csv" in label) and not response[
            "Content-Type"
        ].startswith("text/csv"):
            problems.append(f"owner {label}: {response['Content-Type']}, expected CSV")
    assert not problems, "\n".join(problems)


def test_trainer_sees_settings_read_only_and_cannot_change_them(world, trainer, owner):
    url = reverse("studios:settings")
    page = trainer.web.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="currency"' not in html and "Save settings" not in html
    before = Studio.objects.filter(pk=world.studio.pk).values().get()
    response = trainer.web.post(url, world.form_data())
    assert response.status_code == 200
    assert Studio.objects.filter(pk=world.studio.pk).values().get() == before
    # The control: the owner's identical POST does change them.
    assert owner.web.post(url, world.form_data()).status_code == 302
    world.studio.refresh_from_db()
    assert (world.studio.currency, world.studio.low_balance_threshold) == ("EUR", 9)


def test_trainer_cannot_open_a_deleted_package_that_the_owner_can(world, trainer, owner):
    url = reverse("packages:detail", args=[world.deleted_package.pk])
    assert trainer.web.get(url).status_code == 404
    assert owner.web.get(url).status_code == 200


def test_trainer_meets_no_403_outside_the_owner_only_list(world, trainer):
    # Enumerated: a route that turns owner-only must be added to the lists above, on purpose.
    problems = []
    data = world.form_data()
    for route in page_routes():
        if route.name in TRAINER_WALK_SKIPS or route.name in OWNER_ONLY_PAGE_NAMES:
            continue
        for method in ("GET", "POST"):
            for kwargs in world.kwarg_sets(route) if route.kwargs else [{}]:
                url = route.url(**kwargs)
                response = _rolled_back(_page_call, trainer, method, url, data)
                if response.status_code == 403 or response.status_code >= 500:
                    problems.append(
                        f"trainer {method} {url} [{route.name}]: {response.status_code}"
                    )
    for route in api_routes():
        if route.name in TRAINER_WALK_SKIPS or (route.name, route.method) in OWNER_ONLY_API_KEYS:
            continue
        body = world.api_body(route)
        for kwargs in world.kwarg_sets(route) if route.kwargs else [{}]:
            url = route.url(**kwargs)
            response = _rolled_back(_api_call, trainer.api, route, url, body)
            if response.status_code == 403 or response.status_code >= 500:
                problems.append(f"trainer {route.label} {url}: {response.status_code}")
    assert not problems, "\n".join(problems)


def test_trainer_can_do_the_package_actions_that_are_not_owner_only(world, trainer):
    # Spot checks with effects: trainers sell, edit, transfer, make primary and log sessions.
    package = world.transferred_package
    assert trainer.web.post(reverse("packages:make-primary", args=[package.pk])).status_code == 302
    assert Package.objects.get(pk=package.pk).is_primary
    response = trainer.api.post(
        f"/api/packages/{package.pk}/transfer",
        {"client_id": world.client_b.pk, "reason": "back"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["client_id"] == world.client_b.pk
    response = trainer.api.patch(
        f"/api/packages/{package.pk}", {"name": "Renamed"}, content_type="application/json"
    )
    assert response.status_code == 200
    response = trainer.api.get("/api/package-types")
    assert response.status_code == 200 and response.json()["count"] >= 1
    assert trainer.api.get(f"/api/package-types/{world.package_type.pk}").status_code == 200


# Anonymous --------------------------------------------------------------------------------------


def _signin_redirect_problem(response, requested: str) -> str | None:
    if response.status_code != 302:
        return f"{response.status_code}, expected a redirect to sign in"
    location = urlsplit(response["Location"])
    if location.path != reverse("studios:signin"):
        return f"redirected to {response['Location']}, expected the sign-in page"
    if parse_qs(location.query).get("next") != [requested]:
        return f"redirected to {response['Location']}, expected next={requested}"
    return None


def test_anonymous_visitor_is_sent_to_sign_in_from_every_page(world, client):
    problems, walked = [], 0
    data = world.form_data()
    for route in page_routes():
        if route.name in PUBLIC_PAGES or set(route.kwargs) & set(CAPABILITY_KWARGS):
            continue
        walked += 1
        kwargs = world.kwarg_sets(route)[0] if route.kwargs else {}
        url = route.url(**kwargs) + "?page=2"
        for method in ("GET", "POST"):
            response = client.get(url) if method == "GET" else client.post(url, data)
            if problem := _signin_redirect_problem(response, url):
                problems.append(f"anonymous {method} {url} [{route.name}]: {problem}")
    assert not problems, "\n".join(problems)
    assert walked >= 25, f"only {walked} pages walked"


def test_public_pages_are_really_public(client):
    # The exemptions above are not a blind spot: each answers without a session.
    assert client.get(reverse("studios:signin")).status_code == 200
    assert client.get(reverse("studios:signup")).status_code == 200
    response = client.post(reverse("studios:signout"))
    assert response.status_code == 302 and response["Location"] == reverse("studios:signin")
    assert {r.name for r in page_routes()} >= set(PUBLIC_PAGES)


def test_capability_pages_are_public_only_with_a_live_secret(world, client):
    routes = [r for r in page_routes() if set(r.kwargs) & set(CAPABILITY_KWARGS)]
    assert routes, "no capability page found: update CAPABILITY_KWARGS"
    for route in routes:
        live = world.kwarg_sets(route, live_secrets=True)[0]
        assert client.get(route.url(**live)).status_code == 200, route.label
        for dead in world.kwarg_sets(route):
            assert client.get(route.url(**dead)).status_code == 404, route.label


def test_anonymous_caller_gets_401_from_every_api_operation(world, client):
    problems, walked = [], 0
    for route in api_routes():
        if (route.method, route.path) in PUBLIC_API:
            continue
        walked += 1
        url = route.url(**(world.kwarg_sets(route)[0] if route.kwargs else {}))
        body = world.api_body(route)
        for headers in ({}, {"Authorization": "Bearer pc_not-a-real-token"}):
            client.defaults.update(headers)
            response = _api_call(client, route, url, body)
            client.defaults.pop("Authorization", None)
            if response.status_code != 401:
                problems.append(f"{route.label} {headers}: {response.status_code}, expected 401")
            elif response.json() != {"detail": "Unauthorized"}:
                problems.append(f"{route.label}: 401 body {response.json()}")
    assert not problems, "\n".join(problems)
    assert walked >= 30, f"only {walked} API operations walked"


def test_a_revoked_token_is_refused_everywhere(world, trainer):
    trainer.web.post(reverse("studios:token-revoke", args=[world.trainer_token.pk]))
    problems = []
    for route in api_routes():
        if (route.method, route.path) in PUBLIC_API:
            continue
        url = route.url(**(world.kwarg_sets(route)[0] if route.kwargs else {}))
        response = _api_call(trainer.api, route, url, world.api_body(route))
        if response.status_code != 401:
            problems.append(f"revoked token {route.label}: {response.status_code}")
    assert not problems, "\n".join(problems)


def test_public_api_routes_are_the_listed_ones_and_really_public(client):
    paths = {(r.method, r.path) for r in api_routes()}
    assert set(PUBLIC_API) <= paths, f"gone: {set(PUBLIC_API) - paths}"
    assert client.get("/api/health").json() == {"status": "ok", "database": "ok"}
    for url, status in PUBLIC_API_PATTERNS.items():
        assert client.get(url).status_code == status, url
    signup = client.post(
        "/api/auth/signup",
        {"studio_name": "New", "email": "new@example.com", "password": "another-horse-77"},
        content_type="application/json",
    )
    assert signup.status_code == 201
    token = client.post(
        "/api/auth/token",
        {"email": "new@example.com", "password": "another-horse-77"},
        content_type="application/json",
    )
    assert token.status_code == 200 and token.json()["token"]
