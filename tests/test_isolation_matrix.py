"""Tenancy isolation matrix: every route that takes an id answers 404 to another studio.

The routes are not hand-listed: the page patterns come from Django's URL resolver and the API
operations from the NinjaAPI's routers. Each URL kwarg is mapped to objects of the owner's studio
(a client, a package type, live/transferred/deleted packages, a session, API tokens). A route whose
kwarg has no mapping fails the walk with "add an isolation mapping for <route>", so a new route
cannot ship without being checked here.

test_role_matrix.py imports the enumeration and the world from this module.
"""

import itertools
import json
import re
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from config.api import api
from conftest import make_persona
from punchcard.clients import services as client_services
from punchcard.clients.models import BalanceLink, Client
from punchcard.clients.tests.factories import ClientFactory
from punchcard.packages import services as package_services
from punchcard.packages.models import Freeze, Package, PackageType, Transfer
from punchcard.packages.tests.factories import PackageTypeFactory
from punchcard.studios.models import ApiToken, Membership, Studio, User
from punchcard.training import services as training_services
from punchcard.training.models import TrainingSession

pytestmark = pytest.mark.django_db

# Names that appear nowhere else, so finding one in another studio's response is a leak.
SECRET_CLIENT = "Zebulon Quillfeather"
SECRET_CLIENT_B = "Ottoline Marchbanks"
SECRET_PACKAGE = "Quillfeather Platinum"
SECRET_TYPE = "Marchbanks Special"
SECRETS = (SECRET_CLIENT, SECRET_CLIENT_B, SECRET_PACKAGE, SECRET_TYPE)

# An id no table will reach in a test run: what "does not exist" answers.
MISSING_ID = 987_654_321

# Skipped on purpose, each with its reason. Everything else is walked.
SKIPPED_NAMESPACES = {
    "admin": "Django admin: staff-only, has its own login and no studio scoping by design.",
}
# The `public` namespace (capability URLs such as the client balance page /b/<token>/) is walked:
# its secret kwarg is mapped to dead (replaced, revoked) links, which must answer 404 to anyone;
# see CAPABILITY_KWARGS. punchcard/clients/tests/test_balance_link.py covers the feature itself.
API_NON_OPERATIONS = {
    # Resolver patterns under /api/ that are not ninja operations (so not in api._routers).
    "api:openapi-json": "the OpenAPI document: public, no ids",
    "api:openapi-view": "the interactive docs: public, no ids",
    "api:api-root": "ninja's root: always 404, only there so reverse() finds the API's prefix",
}


# Route enumeration -------------------------------------------------------------------------------

_ROUTE_KWARG = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>")
_NINJA_PARAM = re.compile(r"{(?:(?P<converter>\w+):)?(?P<name>\w+)}")


@dataclass(frozen=True)
class PageRoute:
    """One URL pattern of the site (outside /api/ and /admin/)."""

    name: str  # "packages:detail"
    route: str  # "packages/<int:pk>/"
    kwargs: tuple[str, ...]
    callback: object

    def url(self, **values) -> str:
        missing = set(self.kwargs) - set(values)
        assert not missing, f"{self.name}: no value for {sorted(missing)}"
        return "/" + _ROUTE_KWARG.sub(lambda m: str(values[m["name"]]), self.route)

    @property
    def label(self) -> str:
        return f"{self.name} (/{self.route})"


@dataclass(frozen=True)
class ApiRoute:
    """One ninja operation: a path and one HTTP method."""

    name: str  # "api:package_read", from the view function
    path: str  # "/api/packages/{int:package_id}"
    method: str
    kwargs: tuple[str, ...]

    def url(self, **values) -> str:
        missing = set(self.kwargs) - set(values)
        assert not missing, f"{self.name}: no value for {sorted(missing)}"
        return _NINJA_PARAM.sub(lambda m: str(values[m["name"]]), self.path)

    @property
    def label(self) -> str:
        return f"{self.method} {self.path} ({self.name})"


def _walk(patterns, prefix: str = "", namespace: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            full_name = f"{namespace}:{pattern.name}" if namespace else (pattern.name or "")
            yield namespace, full_name, prefix + str(pattern.pattern), pattern


def resolver_patterns():
    """(namespace, name, route, URLPattern) for every pattern of the project, nested included."""
    return list(_walk(get_resolver().url_patterns))


def page_routes() -> list[PageRoute]:
    """Every page pattern outside /api/ (ninja's, walked separately) and the skipped namespaces."""
    routes = []
    for namespace, name, route, pattern in resolver_patterns():
        top = namespace.split(":")[0]
        if top in SKIPPED_NAMESPACES or top == "api":
            continue
        assert isinstance(pattern.pattern, RoutePattern), (
            f"{name or route} is a regex pattern: teach tests/test_isolation_matrix.py to build its URL"
        )
        kwargs = tuple(m["name"] for m in _ROUTE_KWARG.finditer(route))
        routes.append(PageRoute(name or route, route, kwargs, pattern.callback))
    return routes


def _api_prefix() -> str:
    for _, name, route, _ in resolver_patterns():
        if name == "api:api-root":
            return "/" + route.rstrip("/")
    raise AssertionError("the NinjaAPI is not mounted")


def api_routes() -> list[ApiRoute]:
    """Every operation of every router of the NinjaAPI (nested routers included), one per method."""
    get_resolver().url_patterns  # noqa: B018 - builds api.urls, which binds the nested routers
    prefix = _api_prefix()
    routes = []
    for router_prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            full = "/".join(part.strip("/") for part in (prefix, router_prefix, path))
            full = "/" + re.sub("/+", "/", full).strip("/")
            kwargs = tuple(m["name"] for m in _NINJA_PARAM.finditer(full))
            for operation in path_view.operations:
                for method in operation.methods:
                    name = f"api:{operation.view_func.__name__}"
                    routes.append(ApiRoute(name, full, method.upper(), kwargs))
    return routes


def api_resolver_leftovers() -> list[str]:
    """Resolver patterns under /api/ that are neither ninja operations nor known non-operations."""
    known = {re.sub(r"{(?:\w+:)?(\w+)}", r"<\1>", r.path) for r in api_routes()}
    leftovers = []
    for namespace, name, route, _ in resolver_patterns():
        if namespace.split(":")[0] != "api" or name in API_NON_OPERATIONS:
            continue
        plain = "/" + _ROUTE_KWARG.sub(lambda m: f"<{m['name']}>", route).rstrip("/")
        if plain not in known:
            leftovers.append(f"{name} (/{route})")
    return leftovers


# The owner's world and the kwarg -> object mapping -------------------------------------------------

PACKAGES = ("package", "transferred_package", "deleted_package")

# `pk` means a different model in each app: keyed by route-name prefix (longest prefix wins).
ROUTE_KWARG_TARGETS = {
    ("packages:type-", "pk"): ("package_type",),
    ("packages:", "pk"): PACKAGES,
    ("clients:", "pk"): ("client", "client_b"),
    ("training:", "pk"): ("session",),
}
# Unambiguous kwarg names, wherever they appear (the API names every id).
KWARG_TARGETS = {
    "client_id": ("client", "client_b"),
    "package_id": PACKAGES,
    "type_id": ("package_type",),
    "session_id": ("session",),
    "freeze_id": ("freeze",),
    "freeze_pk": ("freeze",),
    "token_id": ("owner_token", "trainer_token"),
    "member_id": ("member",),
    # The client balance page's URL secret: a replaced or revoked link must answer 404 to anyone.
    "token": ("replaced_balance_token", "revoked_balance_token"),
}
# Capability URLs: the secret in the URL is the key and no sign-in is asked (product.md, "Client
# balance link"). The walk above uses dead secrets; the owner's control and the anonymous walk
# use the live one.
CAPABILITY_KWARGS = {"token": ("balance_token",)}


def targets_for(route_name: str, kwarg: str) -> tuple[str, ...] | None:
    matches = [
        (len(prefix), targets)
        for (prefix, name), targets in ROUTE_KWARG_TARGETS.items()
        if name == kwarg and route_name.startswith(prefix)
    ]
    if matches:
        return max(matches)[1]
    return KWARG_TARGETS.get(kwarg)


def unmapped(route) -> list[str]:
    return [
        f"add an isolation mapping for {route.label}: kwarg {kwarg!r} "
        "(ROUTE_KWARG_TARGETS / KWARG_TARGETS in tests/test_isolation_matrix.py)"
        for kwarg in route.kwargs
        if targets_for(route.name, kwarg) is None
    ]


@dataclass
class World:
    studio: Studio
    client: Client
    client_b: Client
    package_type: PackageType
    package: Package  # live, primary, one session counted
    transferred_package: Package  # sold to client_b, then moved to client
    deleted_package: Package
    session: TrainingSession
    freeze: Freeze  # on `package`, not begun yet
    owner_token: ApiToken
    trainer_token: ApiToken
    member: User  # the trainer: a member is named by their user id (/members/<member_id>/)
    balance_token: str  # the live balance link of `client`
    replaced_balance_token: str  # the link `client` had before: replaced, so dead
    revoked_balance_token: str  # client_b's link, revoked

    def id_of(self, key: str) -> int | str:
        value = getattr(self, key)
        return value if isinstance(value, str) else value.pk

    def kwarg_sets(self, route, *, live_secrets: bool = False) -> list[dict[str, int | str]]:
        """Every combination of owner objects the route's kwargs can name."""
        choices = [
            [
                (kwarg, self.id_of(key))
                for key in (
                    CAPABILITY_KWARGS[kwarg]
                    if live_secrets and kwarg in CAPABILITY_KWARGS
                    else targets_for(route.name, kwarg)
                )
            ]
            for kwarg in route.kwargs
        ]
        return [dict(combo) for combo in itertools.product(*choices)]

    def form_data(self) -> dict:
        """One POST body that every page form accepts the shape of: a successful write would show."""
        return {
            "name": "Hijacked",
            "email": "hijack@example.com",
            "description": "hijacked",
            "total_value": "1.00",
            "total_sessions": "1",
            "validity_days": "",
            "is_active": "on",
            "client_id": self.client_b.pk,
            "client": self.client_b.pk,
            "package": self.package.pk,
            "reason": "hijack",
            "starts_at": "2026-01-05T10:00",
            "duration_minutes": "30",
            "status": "cancelled",
            "notes": "hijack",
            "currency": "EUR",
            "timezone": "Europe/Paris",
            "low_balance_threshold": "9",
            "role": "trainer",
            "password": "another-horse-77",
        }

    def api_body(self, route: ApiRoute) -> dict | None:
        """A body that passes validation, so the request reaches the view's look-up."""
        bodies = {
            "api:client_update": {"name": "Hijacked"},
            "api:client_create": {"name": "Hijacked"},
            "api:type_update": {"name": "Hijacked", "total_sessions": 1, "total_value": "1.00"},
            "api:type_create": {"name": "Hijacked", "total_sessions": 1, "total_value": "1.00"},
            "api:package_replace": {
                "client_id": self.client.pk,
                "name": "Hijacked",
                "total_value": "1.00",
                "total_sessions": 1,
            },
            "api:package_create": {
                "client_id": self.client.pk,
                "total_value": "1.00",
                "total_sessions": 1,
            },
            "api:package_patch": {"name": "Hijacked"},
            "api:package_transfer": {"client_id": self.client_b.pk, "reason": "hijack"},
            "api:adjustment_create": {"sessions": 5, "reason": "hijack"},
            "api:freeze_create": {"starts_on": "2030-01-01", "ends_on": "2030-01-05"},
            "api:session_patch": {"status": "cancelled"},
            "api:session_create": {"client_id": self.client.pk},
            "api:member_patch": {"role": "trainer"},
            "api:member_create": {
                "email": "new-member@example.com",
                "password": "another-horse-77",
                "role": "trainer",
            },
            "api:signup": {
                "studio_name": "Another",
                "email": "new-owner@example.com",
                "password": "another-horse-77",
            },
            "api:token": {"email": "alice@example.com", "password": "wrong-password-1"},
        }
        if route.method in ("GET", "DELETE"):
            return None
        return bodies.get(route.name, {})


def build_world(owner, trainer) -> World:
    """The owner's studio with one of everything a URL can name, made through the services."""
    studio, actor = owner.studio, owner.user
    client = ClientFactory(studio=studio, name=SECRET_CLIENT)
    client_b = ClientFactory(studio=studio, name=SECRET_CLIENT_B)
    package_type = PackageTypeFactory(studio=studio, name=SECRET_TYPE, validity_days=90)
    package = package_services.package_create(
        studio=studio,
        actor=actor,
        client=client,
        package_type=package_type,
        name=SECRET_PACKAGE,
        is_primary=True,
    )
    session = training_services.session_log(
        studio=studio, actor=actor, client=client, package=package
    ).session
    transferred = package_services.package_create(
        studio=studio,
        actor=actor,
        client=client_b,
        name=f"{SECRET_PACKAGE} Five",
        total_value="500.00",
        total_sessions=5,
        expiry_date=studio.today() - timedelta(days=3),  # expired: shows in the report too
    )
    training_services.session_log(studio=studio, actor=actor, client=client_b, package=transferred)
    package_services.package_transfer(
        package=transferred, actor=actor, to_client=client, reason="moved"
    )
    deleted = package_services.package_create(
        studio=studio,
        actor=actor,
        client=client,
        name=f"{SECRET_PACKAGE} Old",
        total_value="100.00",
        total_sessions=2,
    )
    package_services.package_delete(package=deleted, actor=actor)
    freeze = package_services.package_freeze(
        package=package,
        actor=actor,
        starts_on=studio.today() + timedelta(days=30),
        ends_on=studio.today() + timedelta(days=40),
    )
    replaced_balance = _secret(client_services.balance_link_create(client=client, actor=actor))
    live_balance = _secret(client_services.balance_link_create(client=client, actor=actor))
    revoked_balance = _secret(client_services.balance_link_create(client=client_b, actor=actor))
    client_services.balance_link_revoke(client=client_b)
    return World(
        studio=studio,
        client=client,
        client_b=client_b,
        package_type=package_type,
        package=package,
        transferred_package=transferred,
        deleted_package=deleted,
        session=session,
        freeze=freeze,
        owner_token=ApiToken.objects.get(user=owner.user),
        trainer_token=ApiToken.objects.get(user=trainer.user),
        member=trainer.user,
        balance_token=live_balance,
        replaced_balance_token=replaced_balance,
        revoked_balance_token=revoked_balance,
    )


def _secret(path: str) -> str:
    """The token at the end of a balance link's path (/b/<token>/)."""
    return path.rstrip("/").rsplit("/", 1)[-1]


def snapshot(studio: Studio) -> dict:
    """Every row of the studio that a leaked write could touch."""
    history = Package.history.model
    return {
        "studio": Studio.objects.filter(pk=studio.pk).values().get(),
        "members": list(Membership.objects.filter(studio=studio).order_by("pk").values()),
        "tokens": list(
            ApiToken.objects.filter(user__membership__studio=studio)
            .order_by("pk")
            .values("pk", "name", "revoked_at")
        ),
        "clients": list(Client.objects.filter(studio=studio).order_by("pk").values()),
        "balance_links": list(BalanceLink.objects.filter(studio=studio).order_by("pk").values()),
        "types": list(PackageType.objects.filter(studio=studio).order_by("pk").values()),
        "packages": list(Package.objects.filter(studio=studio).order_by("pk").values()),
        "sessions": list(TrainingSession.objects.filter(studio=studio).order_by("pk").values()),
        "transfers": list(Transfer.objects.filter(studio=studio).order_by("pk").values()),
        "history": list(
            history.objects.filter(studio_id=studio.pk)
            .order_by("history_id")
            .values_list("history_id", "history_action")
        ),
    }


def assert_unchanged(before: dict, after: dict) -> None:
    changed = [key for key in before if before[key] != after[key]]
    assert not changed, f"the owner's studio changed: {changed}\n" + "\n".join(
        f"{key}:\n  before {before[key]}\n  after  {after[key]}" for key in changed
    )


def leaked(response) -> list[str]:
    if getattr(response, "streaming", False):
        body = b"".join(response.streaming_content).decode(errors="replace")
    else:
        body = response.content.decode(errors="replace")
    return [name for name in SECRETS if name in body]


def call_api(client, route: ApiRoute, url: str, body: dict | None):
    if body is None:
        return client.generic(route.method, url)
    return client.generic(route.method, url, data=json.dumps(body), content_type="application/json")


@pytest.fixture
def world(owner, trainer) -> World:
    return build_world(owner, trainer)


@pytest.fixture
def outsider_trainer(outsider):
    return make_persona(outsider.studio, Membership.Role.TRAINER, "dave@example.com")


# The matrix knows every route -------------------------------------------------------------------


def test_every_route_with_an_id_has_an_isolation_mapping():
    problems = [msg for route in page_routes() + api_routes() for msg in unmapped(route)]
    assert not problems, "\n".join(problems)


def test_every_api_pattern_is_a_known_ninja_operation():
    leftovers = api_resolver_leftovers()
    assert not leftovers, f"URL patterns under /api/ the matrix cannot see: {leftovers}"


def test_the_walk_sees_the_routes_we_know_about():
    # Guards the enumeration itself: if it silently found nothing, every test below would pass.
    pages = {r.name for r in page_routes()}
    assert {"clients:detail", "packages:restore", "packages:type-edit", "training:delete"} <= pages
    assert {"studios:token-revoke"} <= pages
    api_ops = {(r.method, r.path) for r in api_routes()}
    assert ("GET", "/api/packages/{int:package_id}/history") in api_ops
    assert ("DELETE", "/api/sessions/{int:session_id}") in api_ops
    assert ("POST", "/api/packages/{int:package_id}/transfer") in api_ops
    assert ("PATCH", "/api/members/{int:member_id}") in api_ops
    assert "studios:member-edit" in pages


# Pages ------------------------------------------------------------------------------------------

PAGE_METHODS = ("GET", "POST")


def _page_call(persona, method: str, url: str, data: dict):
    return persona.web.get(url) if method == "GET" else persona.web.post(url, data)


def _walk_pages_as(persona, world: World, *, allow_role_gate: bool) -> tuple[int, list[str]]:
    """Every page with an id, every target, GET and POST. Returns (routes walked, problems)."""
    problems, walked = [], 0
    data = world.form_data()
    for route in page_routes():
        if not route.kwargs:
            continue
        if unmapped(route):
            problems += unmapped(route)
            continue
        walked += 1
        answers = {}
        for method in PAGE_METHODS:
            missing_url = route.url(**dict.fromkeys(route.kwargs, MISSING_ID))
            baseline = _page_call(persona, method, missing_url, data).status_code
            for kwargs in world.kwarg_sets(route):
                url = route.url(**kwargs)
                response = _page_call(persona, method, url, data)
                status = answers[method, url] = response.status_code
                if leaks := leaked(response):
                    problems.append(f"{method} {url} [{route.name}] leaked {leaks}")
                if status == 404:
                    continue
                if status == 405 and baseline == 405:
                    continue  # the view does not take this method, whatever the id
                if status == 403 and allow_role_gate and baseline == 403:
                    continue  # a role gate in front of the look-up: same answer for any id
                problems.append(
                    f"{method} {url} [{route.name}] answered {status} "
                    f"(a missing id answers {baseline}); expected 404"
                )
        if not allow_role_gate and 404 not in answers.values():
            problems.append(f"{route.label}: no method answered 404: {answers}")
    return walked, problems


def test_outsider_gets_404_from_every_page_that_takes_an_id(world, outsider):
    before = snapshot(world.studio)
    walked, problems = _walk_pages_as(outsider, world, allow_role_gate=False)
    assert not problems, "\n".join(problems)
    assert walked >= 12, f"only {walked} page routes with ids were walked"
    assert_unchanged(before, snapshot(world.studio))


def test_outsider_trainer_gets_404_or_the_same_role_answer_as_for_a_missing_id(
    world, outsider_trainer
):
    # A trainer of another studio may meet a role gate before the look-up (owner-only pages):
    # that is fine only if a missing id gets exactly the same answer, so it reveals nothing.
    before = snapshot(world.studio)
    _, problems = _walk_pages_as(outsider_trainer, world, allow_role_gate=True)
    _, api_problems = _walk_api_as(outsider_trainer, world, allow_role_gate=True)
    assert not problems + api_problems, "\n".join(problems + api_problems)
    assert_unchanged(before, snapshot(world.studio))


# API --------------------------------------------------------------------------------------------


def _walk_api_as(persona, world: World, *, allow_role_gate: bool) -> tuple[int, list[str]]:
    problems, walked = [], 0
    for route in api_routes():
        if not route.kwargs:
            continue
        if unmapped(route):
            problems += unmapped(route)
            continue
        walked += 1
        body = world.api_body(route)
        missing_url = route.url(**dict.fromkeys(route.kwargs, MISSING_ID))
        baseline = call_api(persona.api, route, missing_url, body).status_code
        for kwargs in world.kwarg_sets(route):
            url = route.url(**kwargs)
            response = call_api(persona.api, route, url, body)
            status = response.status_code
            if leaks := leaked(response):
                problems.append(f"{route.method} {url} [{route.name}] leaked {leaks}")
            if status == 404:
                continue
            if status == 403 and allow_role_gate and baseline == 403:
                continue
            invalid_body = status == 422 and baseline == 422
            hint = (
                " (the body fails validation: add a valid one in World.api_body)"
                if invalid_body
                else ""
            )
            problems.append(
                f"{route.method} {url} [{route.name}] answered {status} "
                f"(a missing id answers {baseline}); expected 404{hint}"
            )
    return walked, problems


def test_outsider_gets_404_from_every_api_route_that_takes_an_id(world, outsider):
    before = snapshot(world.studio)
    walked, problems = _walk_api_as(outsider, world, allow_role_gate=False)
    assert not problems, "\n".join(problems)
    assert walked >= 15, f"only {walked} API operations with ids were walked"
    assert_unchanged(before, snapshot(world.studio))


# Controls: the ids really name the owner's objects ----------------------------------------------


def _rolled_back(call, *args):
    """Run one request and undo whatever it wrote, so the next one starts from the same world."""
    with transaction.atomic():
        response = call(*args)
        transaction.set_rollback(True)
    return response


def test_the_owner_reaches_every_route_the_outsider_is_refused(world, owner):
    # Without this the 404s above could come from ids that name nothing (a wrong mapping).
    problems = []
    data = world.form_data()
    for route in page_routes():
        if not route.kwargs or unmapped(route):
            continue
        for method in PAGE_METHODS:
            statuses = {
                url: _rolled_back(_page_call, owner, method, url, data).status_code
                for url in (
                    route.url(**kwargs) for kwargs in world.kwarg_sets(route, live_secrets=True)
                )
            }
            if all(s == 405 for s in statuses.values()):
                continue
            if all(s == 404 for s in statuses.values()) or any(s >= 500 for s in statuses.values()):
                problems.append(f"owner {method} {route.label}: {statuses}")
    for route in api_routes():
        if not route.kwargs or unmapped(route):
            continue
        body = world.api_body(route)
        statuses = {
            url: _rolled_back(call_api, owner.api, route, url, body).status_code
            for url in (
                route.url(**kwargs) for kwargs in world.kwarg_sets(route, live_secrets=True)
            )
        }
        if all(s == 404 for s in statuses.values()) or any(s >= 500 for s in statuses.values()):
            problems.append(f"owner {route.label}: {statuses}")
    assert not problems, "\n".join(problems)


# Ids in the query string ------------------------------------------------------------------------


def _query_ids(world: World) -> dict:
    """Every query parameter name that names an object somewhere, set to the owner's objects."""
    return {
        "client": world.client.pk,
        "client_id": world.client.pk,
        "package": world.package.pk,
        "package_id": world.package.pk,
        "package_type_id": world.package_type.pk,
        "type": world.package_type.pk,
        "session": world.session.pk,
        "include_deleted": "true",
        # Searches for the owner's names; the box echoes what was typed, so not the whole name.
        "q": SECRET_CLIENT[:-3],
        "client_q": SECRET_CLIENT_B[:-3],
    }


def test_query_string_ids_never_show_the_owners_data_to_an_outsider(world, outsider):
    before = snapshot(world.studio)
    params = _query_ids(world)
    problems = []
    # Every page and API read without an id, with every id-like parameter pointing at the owner.
    pages = [r for r in page_routes() if not r.kwargs]
    for route in pages:
        for query in (params, {"client": world.client.pk}, {"client_id": world.client_b.pk}):
            url = f"{route.url()}?{urlencode(query)}"
            response = outsider.web.get(url)
            if response.status_code >= 500 or (leaks := leaked(response)):
                problems.append(f"GET {url} [{route.name}]: {response.status_code} {leaks or ''}")
    for route in api_routes():
        if route.kwargs or route.method != "GET":
            continue
        for query in (params, {"client_id": world.client.pk}, {"package_id": world.package.pk}):
            url = f"{route.url()}?{urlencode(query)}"
            response = outsider.api.get(url)
            if response.status_code >= 500 or (leaks := leaked(response)):
                problems.append(f"GET {url} [{route.name}]: {response.status_code} {leaks or ''}")
    # The hand-picked ones whose answer we know: a form or a log for another studio's client.
    today = world.studio.today().isoformat()
    expected = {
        f"/sessions/new/?client={world.client.pk}": 404,
        f"/sessions/new/?client={world.client.pk}&package={world.package.pk}": 404,
        f"/analytics/?export=revenue_by_type&from=2000-01-01&to={today}": 200,
        "/reports/expired/?format=csv": 200,
        f"/packages/export.csv?client_id={world.client.pk}&include_deleted=on": 200,
        f"/api/packages/export.csv?client_id={world.client.pk}&include_deleted=true": 200,
        f"/api/sessions?client_id={world.client.pk}&package_id={world.package.pk}": 200,
    }
    for url, status in expected.items():
        client = outsider.api if url.startswith("/api/") else outsider.web
        response = client.get(url)
        if response.status_code != status or (leaks := leaked(response)):
            problems.append(f"GET {url}: {response.status_code}, expected {status}")
    posts = [
        ("/sessions/log/", {"client": world.client.pk}, 404),
        ("/sessions/log/", {"client": world.client.pk, "package": world.package.pk}, 404),
        ("/sessions/new/", {**world.form_data(), "client": world.client.pk}, 404),
    ]
    for url, data, status in posts:
        response = outsider.web.post(url, data)
        if response.status_code != status or leaked(response):
            problems.append(f"POST {url}: {response.status_code}, expected {status}")
    api_posts = [
        ("/api/sessions", {"client_id": world.client.pk}),
        (
            "/api/sessions",
            {"client_id": outsider_client(outsider).pk, "package_id": world.package.pk},
        ),
        (
            "/api/packages",
            {"client_id": world.client.pk, "total_value": "1.00", "total_sessions": 1},
        ),
        (
            "/api/packages",
            {"client_id": outsider_client(outsider).pk, "package_type_id": world.package_type.pk},
        ),
    ]
    for url, body in api_posts:
        response = outsider.api.post(url, body, content_type="application/json")
        # 422 naming the field, the same answer as for an id that does not exist.
        if response.status_code != 422 or leaked(response):
            problems.append(f"POST {url} {body}: {response.status_code}, expected 422")
    assert not problems, "\n".join(problems)
    assert_unchanged(before, snapshot(world.studio))


def outsider_client(outsider) -> Client:
    found = Client.objects.filter(studio=outsider.studio).first()
    return found or ClientFactory(studio=outsider.studio, name="Charlie's own client")


# Balance links ----------------------------------------------------------------------------------


def capability_routes() -> list[PageRoute]:
    return [r for r in page_routes() if set(r.kwargs) & set(CAPABILITY_KWARGS)]


def test_a_balance_link_shows_its_own_client_and_nobody_else(world, client, outsider):
    before = snapshot(world.studio)
    routes = capability_routes()
    assert routes, "the client balance page is gone: update CAPABILITY_KWARGS"
    for route in routes:
        for viewer in (client, outsider.web):  # anonymous, and another studio's owner
            page = viewer.get(route.url(token=world.balance_token))
            assert page.status_code == 200, route.label
            html = page.content.decode()
            assert SECRET_CLIENT in html and SECRET_PACKAGE in html
            assert SECRET_CLIENT_B not in html, "the link shows another client of the studio"
            for dead in (world.replaced_balance_token, world.revoked_balance_token, "x" * 43):
                assert viewer.get(route.url(token=dead)).status_code == 404, dead
            # Read-only: whatever a POST answers, it writes nothing.
            assert (
                viewer.post(route.url(token=world.balance_token), world.form_data()).status_code
                < 500
            )
    assert_unchanged(before, snapshot(world.studio))
