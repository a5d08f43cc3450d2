"""API fuzzing: schemathesis drives every operation of the live OpenAPI document, in-process.

Requests go through the whole Django stack (middleware, auth, ninja, services) against the test
database, signed in as a studio owner. Each answer must be a non-5xx status the document declares
for that operation, with the declared content type and a body matching the declared schema.

`PUNCHCARD_FUZZ_SEED` picks the seed (an integer, or `random`); CI uses the fixed default so that
a red run is reproducible, and a bug found with another seed is fixed, then kept by a unit test
(tests/test_api_input_edges.py). `pytest -m "not fuzz"` leaves it out of a quick local run.
"""

import os
from collections import Counter

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from punchcard.clients.services import client_create, client_delete
from punchcard.packages.services import package_create, package_delete, package_type_save
from punchcard.training.services import session_log

EXAMPLES = 100
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    content_type_conformance,
]

_seed = os.environ.get("PUNCHCARD_FUZZ_SEED", "7")
schema = schemathesis.openapi.from_wsgi(
    "/api/openapi.json",
    application,
    config=schemathesis.Config(seed=None if _seed == "random" else int(_seed)),
)

# Only what the document forbids (a boolean for an integer, a number for a date-time, a list for
# a body, text past maxLength...), and no hook making it realistic: every case must be refused.
invalid_schema = schemathesis.openapi.from_wsgi(
    "/api/openapi.json",
    application,
    config=schemathesis.Config.from_dict(
        {
            "seed": None if _seed == "random" else int(_seed),
            "generation": {"mode": "negative"},
        }
    ),
)

pytestmark = pytest.mark.fuzz
calls: Counter[str] = Counter()

# Generated ids almost never exist, and generated emails and passwords almost never pass sign-up's
# checks, so the code behind the 404s and 422s would go untested. Most of the time such a value is
# swapped for one that gets further: the id of a row the fixture made (the owner's live rows, a
# soft-deleted one, another studio's), a well-formed email, a password strong enough.
known_ids: dict[str, list[int]] = {}
ID_NAMES = {"type_id": "package_type_id"}
STRONG_PASSWORD = "correct-horse-battery-42"


def _realistic(name: str, value):
    if (
        isinstance(value, int)
        and not isinstance(value, bool)
        and known_ids.get(ID_NAMES.get(name, name))
    ):
        return st.sampled_from(known_ids[ID_NAMES.get(name, name)])
    if name == "email" and isinstance(value, str):
        return st.emails()
    if name == "password" and isinstance(value, str):
        return st.just(STRONG_PASSWORD)
    return None


def _sometimes_realistic(values):
    if not isinstance(values, dict):
        return st.just(values)
    swaps = {}
    for name, value in values.items():
        realistic = _realistic(name, value)
        if realistic is not None:
            # Hypothesis leans to a one_of's first branch.
            swaps[name] = st.one_of(realistic, st.just(value))
    if not swaps:
        return st.just(values)
    return st.fixed_dictionaries(swaps).map(lambda chosen: {**values, **chosen})


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    return _sometimes_realistic(path_parameters)


@schema.hook
def flatmap_query(context, query):
    return _sometimes_realistic(query)


@schema.hook
def flatmap_body(context, body):
    return _sometimes_realistic(body)


@pytest.fixture
def in_test_transaction():
    """Keep the test's database connection open across the WSGI calls.

    A real WSGI request ends by closing old connections, which would drop the test transaction
    (and everything the fixtures made); Django's test client avoids that the same way.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def studio_data(in_test_transaction, owner, trainer, outsider):
    """A few rows in the owner's studio (and another's) so that some ids exist."""
    studio, actor = owner.studio, owner.user
    ana = client_create(studio=studio, name="Ana Lopez", email="ana@example.com")
    ben = client_create(studio=studio, name="Ben Okafor")
    gone_client = client_create(studio=studio, name="Left")
    client_delete(client=gone_client)
    ten = package_type_save(
        studio=studio, name="Ten", total_sessions=10, total_value="900.00", validity_days=90
    )
    first = package_create(studio=studio, actor=actor, client=ana, package_type=ten)
    second = package_create(
        studio=studio, actor=actor, client=ben, total_value="500.00", total_sessions=5
    )
    gone = package_create(
        studio=studio, actor=actor, client=ana, total_value="1.00", total_sessions=1
    )
    package_delete(package=gone, actor=actor)
    one = session_log(studio=studio, actor=actor, client=ana, package=first).session
    two = session_log(studio=studio, actor=actor, client=ben).session

    other_client = client_create(studio=outsider.studio, name="Not yours")
    other_type = package_type_save(
        studio=outsider.studio, name="Theirs", total_sessions=2, total_value="10.00"
    )
    other = package_create(
        studio=outsider.studio, actor=outsider.user, client=other_client, package_type=other_type
    )
    other_session = session_log(
        studio=outsider.studio, actor=outsider.user, client=other_client
    ).session

    known_ids.update(
        client_id=[ana.pk, ben.pk, gone_client.pk, other_client.pk],
        package_type_id=[ten.pk, other_type.pk],
        package_id=[first.pk, second.pk, gone.pk, other.pk],
        session_id=[one.pk, two.pk, other_session.pk],
    )
    yield owner
    known_ids.clear()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_every_input_as_documented(case, studio_data):
    calls[case.operation.label] += 1
    response = case.call_and_validate(
        headers={"Authorization": f"Bearer {studio_data.token}"}, checks=CHECKS
    )
    if response.status_code == 204:
        assert response.content == b"", f"{case.operation.label}: a 204 with a body"


@invalid_schema.parametrize()
@settings(
    max_examples=EXAMPLES // 2,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_refuses_every_input_the_document_rules_out(case, studio_data):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {studio_data.token}"},
        checks=[not_a_server_error, negative_data_rejection],
    )


@pytest.fixture(scope="module", autouse=True)
def _every_operation_got_its_examples():
    """After the run: each operation that takes any input was called at least EXAMPLES times.

    (Coverage-phase cases come on top of the EXAMPLES generated ones; an operation without any
    input, such as /api/health, has only a handful of distinct requests to make.)
    """
    yield
    if not calls:
        return  # deselected
    takes_input = {
        f"{method.upper()} {path}"
        for path, ops in schema.raw_schema["paths"].items()
        for method, op in ops.items()
        if op.get("parameters") or op.get("requestBody")
    }
    print(f"\nAPI fuzz: {len(calls)} operations, {sum(calls.values())} cases")
    short = {label: calls[label] for label in takes_input if calls[label] < EXAMPLES}
    assert not short, f"operations called fewer than {EXAMPLES} times: {short}"
