"""Package types whose validity counts from the first session (Mindbody's "activation" rule)."""

from datetime import UTC, date, datetime
from functools import partial

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from punchcard.clients.tests.factories import ClientFactory
from punchcard.packages import services
from punchcard.packages.models import Package, PackageType
from punchcard.packages.tests.factories import PackageTypeFactory
from punchcard.training import services as training_services
from punchcard.training.tests.factories import log_on_day

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime(2026, 11, 24, 15, 0, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def first_session_type(owner):
    return PackageTypeFactory(
        studio=owner.studio,
        name="Ten, 90 days",
        total_sessions=10,
        validity_days=90,
        expiry_rule="from_first_session",
    )


@pytest.fixture
def sold(owner, first_session_type):
    client = ClientFactory(studio=owner.studio)
    return services.package_create(
        studio=owner.studio, actor=owner.user, client=client, package_type=first_session_type
    )


# 18:00 UTC: the next day already in Auckland (see the time-zone test).
log = partial(log_on_day, hour=18)


def test_a_package_from_such_a_type_waits_for_its_first_session(sold):
    assert (sold.expiry_rule, sold.validity_days, sold.expiry_date) == (
        "from_first_session",
        90,
        None,
    )
    assert sold.start_date is None
    assert sold.expiry_waits_for_first_session


def test_the_first_counted_session_sets_the_expiry_once(owner, sold):
    log(owner, sold, date(2026, 12, 3), status="cancelled")  # not counted: no start
    assert Package.objects.get(pk=sold.pk).expiry_date is None
    log(owner, sold, date(2026, 12, 5))
    sold = Package.objects.get(pk=sold.pk)
    assert sold.expiry_date == date(2027, 3, 5)
    log(owner, sold, date(2026, 12, 20))
    assert Package.objects.get(pk=sold.pk).expiry_date == date(2027, 3, 5)
    started = sold.history.filter(history_action="expiry_started")
    assert started.count() == 1
    assert started.get().history_reason == "First session on 05 Dec 2026: valid 90 days from then"


def test_the_first_session_is_the_studio_local_day(owner, sold):
    owner.studio.timezone = "Pacific/Auckland"  # UTC+13 in December
    owner.studio.save()
    log(owner, sold, date(2026, 12, 5))  # 18:00 UTC = 07:00 on 6 Dec in Auckland
    assert Package.objects.get(pk=sold.pk).expiry_date == date(2027, 3, 6)


def test_an_edit_that_makes_a_session_count_also_starts_the_expiry(owner, sold):
    session = log(owner, sold, date(2026, 12, 5), status="cancelled").session
    training_services.session_update(session=session, actor=owner.user, status="completed")
    assert Package.objects.get(pk=sold.pk).expiry_date == date(2027, 3, 5)


def test_an_expiry_typed_on_the_sale_overrides_the_type(owner, first_session_type):
    client = ClientFactory(studio=owner.studio)
    package = services.package_create(
        studio=owner.studio,
        actor=owner.user,
        client=client,
        package_type=first_session_type,
        expiry_date=date(2027, 6, 1),
    )
    assert (package.expiry_rule, package.expiry_date) == ("from_sale", date(2027, 6, 1))


def test_the_rule_needs_a_number_of_days(owner):
    with pytest.raises(ValidationError) as error:
        services.package_type_save(
            studio=owner.studio,
            name="No days",
            total_sessions=5,
            total_value="500",
            expiry_rule="from_first_session",
        )
    assert set(error.value.message_dict) == {"validity_days"}
    with pytest.raises(ValidationError) as error:
        services.package_type_save(
            studio=owner.studio,
            name="Bad",
            total_sessions=5,
            total_value="500",
            expiry_rule="whenever",
        )
    assert set(error.value.message_dict) == {"expiry_rule"}


def test_api_types_and_packages_carry_the_rule(owner):
    response = owner.api.post(
        "/api/package-types",
        {
            "name": "Flex 8",
            "total_sessions": 8,
            "total_value": "640.00",
            "validity_days": 60,
            "expiry_rule": "from_first_session",
        },
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    assert response.json()["expiry_rule"] == "from_first_session"
    client = ClientFactory(studio=owner.studio)
    sold = owner.api.post(
        "/api/packages",
        {"client_id": client.pk, "package_type_id": response.json()["id"]},
        content_type=JSON,
    ).json()
    assert (sold["expiry_rule"], sold["validity_days"], sold["expiry_date"]) == (
        "from_first_session",
        60,
        None,
    )
    logged = owner.api.post(
        "/api/sessions",
        {"client_id": client.pk, "starts_at": "2026-11-24T09:00:00Z"},
        content_type=JSON,
    )
    assert logged.json()["package"]["expiry_date"] == "2027-01-23"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"expiry_rule": "from_first_session"}, "validity_days"),
        (
            {"expiry_rule": "from_first_session", "validity_days": 30, "expiry_date": "2027-01-01"},
            "expiry_date",
        ),
        ({"expiry_rule": "someday", "validity_days": 30}, "expiry_rule"),
        ({"validity_days": 0}, "validity_days"),
    ],
)
def test_api_names_a_bad_rule(owner, body, field):
    client = ClientFactory(studio=owner.studio)
    response = owner.api.post(
        "/api/packages",
        {"client_id": client.pk, "total_value": "100", "total_sessions": 2, **body},
        content_type=JSON,
    )
    assert response.status_code == 422
    assert field in {item["loc"][-1] for item in response.json()["detail"]}
    assert not Package.objects.exists()


def test_type_form_saves_the_rule_and_the_list_says_it(owner):
    response = owner.web.post(
        reverse("packages:type-new"),
        {
            "name": "Summer 6",
            "total_sessions": "6",
            "total_value": "450.00",
            "validity_days": "45",
            "expiry_rule": "from_first_session",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert PackageType.objects.get(name="Summer 6").expiry_rule == "from_first_session"
    page = owner.web.get(reverse("packages:type-list")).content.decode()
    assert "45 days from the first session" in page
    response = owner.web.post(
        reverse("packages:type-new"),
        {
            "name": "Broken",
            "total_sessions": "6",
            "total_value": "450.00",
            "validity_days": "",
            "expiry_rule": "from_first_session",
        },
    )
    assert response.status_code == 200
    assert 'id="id_validity_days_error"' in response.content.decode()


def test_package_page_says_the_expiry_waits(owner, sold):
    page = owner.web.get(reverse("packages:detail", args=[sold.pk])).content.decode()
    assert "Starts with the first session: 90 days from then" in page
    log(owner, sold, date(2026, 11, 24))
    page = owner.web.get(reverse("packages:detail", args=[sold.pk])).content.decode()
    assert "22 Feb 2027" in page and "90 days from the first session" in page


def test_a_freeze_booked_before_the_first_session_moves_the_expiry_when_it_starts(owner, sold):
    from punchcard.packages.models import Freeze

    services.package_freeze(
        package=sold, actor=owner.user, starts_on=date(2026, 12, 20), ends_on=date(2026, 12, 29)
    )
    services.package_freeze(  # over before the first session: nothing to move
        package=sold, actor=owner.user, starts_on=date(2026, 11, 25), ends_on=date(2026, 11, 26)
    )
    assert Package.objects.get(pk=sold.pk).expiry_date is None
    log(owner, sold, date(2026, 12, 5))
    assert Package.objects.get(pk=sold.pk).expiry_date == date(2027, 3, 15)  # 5 Mar + 10 days
    assert sorted(Freeze.objects.values_list("expiry_shift_days", flat=True)) == [0, 10]
