"""Adjustments (sessions added or removed by hand) and freezes: services, API and the package page."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from punchcard.packages import services
from punchcard.packages.models import Adjustment, Freeze, Package
from punchcard.packages.tests.factories import PackageFactory
from punchcard.training import counts
from punchcard.training import services as training_services
from punchcard.training.models import TrainingSession
from punchcard.training.tests.factories import log_on_day

pytestmark = pytest.mark.django_db
JSON = "application/json"
TODAY = date(2026, 11, 24)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime(2026, 11, 24, 15, 0, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def package(owner):
    return PackageFactory(
        studio=owner.studio,
        total_sessions=12,
        total_value_cents=120_000,
        expiry_date=date(2027, 1, 31),
    )


log = log_on_day


def fresh(package) -> Package:
    return Package.objects.get(pk=package.pk)


def history_actions(package) -> list[str]:
    return list(package.history.order_by("history_id").values_list("history_action", flat=True))


# Adjustments: the rule --------------------------------------------------------------------------


def test_adding_a_comp_session_gives_one_more_left_and_is_in_history(owner, package):
    log(owner, package, TODAY)
    services.package_adjust(package=package, actor=owner.user, sessions=1, reason="Comp: referral")
    package = fresh(package)
    assert (package.sessions_used, package.sessions_remaining) == (0, 12)
    assert history_actions(package)[-1] == "adjusted"
    last = package.history.order_by("-history_id").first()
    assert last.history_reason == "1 session added: Comp: referral"
    assert last.history_user == owner.user
    assert not counts.drifted().exists()


def test_removing_sessions_counts_like_sessions_used_and_can_complete_the_package(owner, package):
    services.package_adjust(
        package=package, actor=owner.user, sessions=-12, reason="Used elsewhere"
    )
    package = fresh(package)
    assert (package.sessions_used, package.sessions_remaining) == (12, 0)
    assert package.status_on(TODAY) == "completed"
    # Removed sessions are spent value: used + unused is still the total, to the cent.
    assert (package.used_value_cents, package.unused_value_cents) == (120_000, 0)


def test_a_comp_before_any_session_never_makes_value_negative_or_above_the_total(owner, package):
    services.package_adjust(package=package, actor=owner.user, sessions=2, reason="Welcome gift")
    package = fresh(package)
    assert (package.sessions_used, package.sessions_remaining) == (-2, 14)
    assert (package.used_value_cents, package.unused_value_cents) == (0, 120_000)
    assert package.progress_percent == 0


def test_counter_stays_exact_through_sessions_adjustments_and_deletes(owner, package):
    first = log(owner, package, TODAY).session
    log(owner, package, TODAY)
    services.package_adjust(package=package, actor=owner.user, sessions=-3, reason="Not logged")
    services.package_adjust(package=package, actor=owner.user, sessions=1, reason="Comp")
    training_services.session_delete(session=first, actor=owner.user)
    assert fresh(package).sessions_used == 1 + 3 - 1
    assert not counts.drifted().exists()
    # A drifted counter is put back to rows − adjustments by recount.
    Package.objects.filter(pk=package.pk).update(sessions_used=99)
    assert list(counts.drifted().values_list("pk", flat=True)) == [package.pk]
    counts.recount([package.pk])
    assert fresh(package).sessions_used == 3


@pytest.mark.parametrize(
    ("sessions", "reason", "field"),
    [
        (0, "why", "sessions"),
        (10_001, "why", "sessions"),
        (-10_001, "why", "sessions"),
        (True, "why", "sessions"),
        ("2", "why", "sessions"),
        (1, "", "reason"),
        (1, "   ", "reason"),
        (1, "x" * 501, "reason"),
    ],
)
def test_a_bad_adjustment_names_its_field_and_writes_nothing(
    owner, package, sessions, reason, field
):
    with pytest.raises(ValidationError) as error:
        services.package_adjust(package=package, actor=owner.user, sessions=sessions, reason=reason)
    assert set(error.value.message_dict) == {field}
    assert not Adjustment.objects.exists()
    assert fresh(package).sessions_used == 0
    assert history_actions(package) == ["created"]


def test_a_deleted_package_cannot_be_adjusted_or_frozen(owner, package):
    services.package_delete(package=package, actor=owner.user)
    with pytest.raises(ValidationError) as error:
        services.package_adjust(package=package, actor=owner.user, sessions=1, reason="x")
    assert "package" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.package_freeze(package=package, actor=owner.user, starts_on=TODAY, ends_on=TODAY)
    assert not Adjustment.objects.exists() and not Freeze.objects.exists()


# Adjustments: API and page ------------------------------------------------------------------------


def test_api_adjusts_and_lists_and_a_trainer_may_too(owner, trainer, package):
    url = f"/api/packages/{package.pk}/adjustments"
    response = trainer.api.post(url, {"sessions": -2, "reason": "Correction"}, content_type=JSON)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["adjustment"]["sessions"] == -2
    assert body["adjustment"]["actor"] == trainer.user.email
    assert (body["package"]["sessions_used"], body["package"]["sessions_remaining"]) == (2, 10)
    assert body["package"]["used_value"] == "200.00"
    listed = owner.api.get(url).json()
    assert listed["count"] == 1 and listed["items"][0]["reason"] == "Correction"
    history = owner.api.get(f"/api/packages/{package.pk}/history").json()["items"]
    assert history[-1]["action"] == "adjusted"
    assert history[-1]["reason"] == "2 sessions removed: Correction"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"sessions": 0, "reason": "x"}, "sessions"),
        ({"sessions": "many", "reason": "x"}, "sessions"),
        ({"sessions": 1}, "reason"),
        ({"sessions": 1, "reason": ""}, "reason"),
        ({"reason": "x"}, "sessions"),
    ],
)
def test_api_names_the_bad_adjustment_field(owner, package, body, field):
    response = owner.api.post(f"/api/packages/{package.pk}/adjustments", body, content_type=JSON)
    assert response.status_code == 422
    assert field in {item["loc"][-1] for item in response.json()["detail"]}
    assert not Adjustment.objects.exists()


def test_page_adds_sessions_and_shows_them(owner, package):
    url = reverse("packages:adjust", args=[package.pk])
    response = owner.web.post(
        url, {"adjust-direction": "add", "adjust-sessions": "2", "adjust-reason": "Birthday"}
    )
    assert response.status_code == 302
    page = owner.web.get(reverse("packages:detail", args=[package.pk])).content.decode()
    assert "+2 added" in page and "Birthday" in page
    assert "Sessions adjusted" in page  # the history entry
    assert fresh(package).sessions_remaining == 14


def test_page_removes_sessions(owner, package):
    owner.web.post(
        reverse("packages:adjust", args=[package.pk]),
        {"adjust-direction": "remove", "adjust-sessions": "3", "adjust-reason": "Missed logs"},
    )
    assert fresh(package).sessions_used == 3


def test_page_shows_adjustment_errors_next_to_the_fields_and_writes_nothing(owner, package):
    response = owner.web.post(
        reverse("packages:adjust", args=[package.pk]),
        {"adjust-direction": "sideways", "adjust-sessions": "0", "adjust-reason": ""},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_adjust-direction_error"' in page
    assert 'id="id_adjust-sessions_error"' in page
    assert 'id="id_adjust-reason_error"' in page
    assert '<details class="card" id="adjust" open>' in page
    assert not Adjustment.objects.exists()


# Freezes ------------------------------------------------------------------------------------------


def test_a_freeze_moves_the_expiry_out_by_its_days_and_is_in_history(owner, package):
    freeze = services.package_freeze(
        package=package,
        actor=owner.user,
        starts_on=date(2026, 12, 1),
        ends_on=date(2026, 12, 14),
        reason="Knee injury",
    )
    assert (freeze.days, freeze.expiry_shift_days) == (14, 14)
    package = fresh(package)
    assert package.expiry_date == date(2027, 2, 14)
    last = package.history.order_by("-history_id").first()
    assert last.history_action == "frozen"
    assert last.history_reason == "Frozen 01 Dec 2026 to 14 Dec 2026 (14 days): Knee injury"
    assert last.expiry_date == date(2027, 2, 14)


def test_a_package_without_expiry_can_be_frozen_and_keeps_no_expiry(owner):
    package = PackageFactory(studio=owner.studio, expiry_date=None)
    freeze = services.package_freeze(
        package=package, actor=owner.user, starts_on=TODAY, ends_on=TODAY + timedelta(days=6)
    )
    assert freeze.expiry_shift_days == 0
    assert fresh(package).expiry_date is None


@pytest.mark.parametrize(
    ("starts_on", "ends_on", "field"),
    [
        (date(2026, 12, 10), date(2026, 12, 9), "ends_on"),
        (date(2026, 12, 1), date(2027, 12, 2), "ends_on"),  # 367 days
        (date(2026, 12, 14), date(2026, 12, 20), "starts_on"),  # overlaps 1–14 Dec
        ("2026-12-20", date(2026, 12, 21), "starts_on"),
        (date(2026, 12, 20), None, "ends_on"),
    ],
)
def test_a_bad_freeze_names_its_field_and_writes_nothing(owner, package, starts_on, ends_on, field):
    services.package_freeze(
        package=package, actor=owner.user, starts_on=date(2026, 12, 1), ends_on=date(2026, 12, 14)
    )
    before = (fresh(package).expiry_date, Freeze.objects.count(), history_actions(package))
    with pytest.raises(ValidationError) as error:
        services.package_freeze(
            package=package, actor=owner.user, starts_on=starts_on, ends_on=ends_on
        )
    assert set(error.value.message_dict) == {field}
    assert (fresh(package).expiry_date, Freeze.objects.count(), history_actions(package)) == before


def test_sessions_on_a_frozen_day_are_counted_with_a_warning_never_refused(owner, package):
    services.package_freeze(
        package=package, actor=owner.user, starts_on=date(2026, 12, 1), ends_on=date(2026, 12, 14)
    )
    inside = log(owner, package, date(2026, 12, 14))
    outside = log(owner, package, date(2026, 12, 15))
    assert "package_frozen" in inside.warnings
    assert "package_frozen" not in outside.warnings
    assert fresh(package).sessions_used == 2


def test_api_logging_on_a_frozen_day_answers_the_warning(owner, package):
    services.package_freeze(package=package, actor=owner.user, starts_on=TODAY, ends_on=TODAY)
    response = owner.api.post("/api/sessions", {"client_id": package.client_id}, content_type=JSON)
    assert response.status_code == 201, response.content
    assert "package_frozen" in response.json()["warnings"]
    assert TrainingSession.objects.get().package_id == package.pk


def test_ending_a_freeze_early_gives_back_the_days_not_used(owner, package):
    freeze = services.package_freeze(
        package=package, actor=owner.user, starts_on=date(2026, 11, 20), ends_on=date(2026, 11, 29)
    )
    assert fresh(package).expiry_date == date(2027, 2, 10)
    freeze = services.freeze_end(freeze=freeze, actor=owner.user, today=TODAY)
    # Frozen 20–23 Nov (4 days): the expiry keeps those and gives back the other 6.
    assert (freeze.ends_on, freeze.days, freeze.expiry_shift_days) == (date(2026, 11, 23), 4, 4)
    assert fresh(package).expiry_date == date(2027, 2, 4)
    assert history_actions(package)[-1] == "unfrozen"
    with pytest.raises(ValidationError):
        services.freeze_end(freeze=freeze, actor=owner.user, today=TODAY)


def test_cancelling_a_freeze_not_begun_gives_back_all_its_days(owner, package):
    freeze = services.package_freeze(
        package=package, actor=owner.user, starts_on=date(2026, 12, 1), ends_on=date(2026, 12, 7)
    )
    freeze = services.freeze_end(freeze=freeze, actor=owner.user, today=TODAY)
    assert freeze.cancelled and freeze.expiry_shift_days == 0
    assert fresh(package).expiry_date == date(2027, 1, 31)
    # A cancelled freeze neither warns nor blocks a new freeze on the same days.
    assert "package_frozen" not in log(owner, package, date(2026, 12, 3)).warnings
    services.package_freeze(
        package=package, actor=owner.user, starts_on=date(2026, 12, 1), ends_on=date(2026, 12, 7)
    )


def test_api_freezes_lists_and_ends(owner, package):
    url = f"/api/packages/{package.pk}/freezes"
    response = owner.api.post(
        url,
        {"starts_on": "2026-12-01", "ends_on": "2026-12-10", "reason": "Holiday"},
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["freeze"]["days"] == 10 and body["package"]["expiry_date"] == "2027-02-10"
    freeze_id = body["freeze"]["id"]
    assert owner.api.get(url).json()["count"] == 1
    ended = owner.api.post(f"{url}/{freeze_id}/end")
    assert ended.status_code == 200
    assert ended.json()["freeze"]["cancelled"] is True
    assert ended.json()["package"]["expiry_date"] == "2027-01-31"
    again = owner.api.post(f"{url}/{freeze_id}/end")
    assert again.status_code == 422
    assert again.json()["detail"][0]["loc"][-1] == "freeze"


def test_api_names_bad_freeze_dates(owner, package):
    response = owner.api.post(
        f"/api/packages/{package.pk}/freezes",
        {"starts_on": "2026-12-10", "ends_on": "2026-12-01"},
        content_type=JSON,
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "ends_on"]
    response = owner.api.post(
        f"/api/packages/{package.pk}/freezes",
        {"starts_on": "2026-02-30", "ends_on": "2026-12-01"},
        content_type=JSON,
    )
    assert response.status_code == 422
    assert "starts_on" in response.json()["detail"][0]["loc"]


def test_a_freeze_of_another_package_is_a_404(owner, package):
    other = PackageFactory(studio=owner.studio)
    freeze = services.package_freeze(
        package=other, actor=owner.user, starts_on=TODAY, ends_on=TODAY
    )
    assert owner.api.post(f"/api/packages/{package.pk}/freezes/{freeze.pk}/end").status_code == 404
    url = reverse("packages:freeze-end", args=[package.pk, freeze.pk])
    assert owner.web.post(url).status_code == 404


def test_page_freezes_shows_the_badge_and_ends(owner, package):
    response = owner.web.post(
        reverse("packages:freeze", args=[package.pk]),
        {"freeze-starts_on": "2026-11-24", "freeze-ends_on": "2026-12-05", "freeze-reason": "Flu"},
    )
    assert response.status_code == 302
    page = owner.web.get(reverse("packages:detail", args=[package.pk])).content.decode()
    assert "Frozen until 5 Dec" in page and "Flu" in page and "12 days" in page
    freeze = Freeze.objects.get()
    # It began today, so "end" cancels it: the expiry is back where it was.
    assert "Cancel this freeze" in page
    owner.web.post(reverse("packages:freeze-end", args=[package.pk, freeze.pk]))
    assert fresh(package).expiry_date == date(2027, 1, 31)


def test_page_shows_freeze_errors_next_to_the_fields(owner, package):
    response = owner.web.post(
        reverse("packages:freeze", args=[package.pk]),
        {"freeze-starts_on": "2026-12-10", "freeze-ends_on": "2026-12-01"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_freeze-ends_on_error"' in page
    assert "cannot be before the first" in page
    response = owner.web.post(
        reverse("packages:freeze", args=[package.pk]),
        {"freeze-starts_on": "soon", "freeze-ends_on": ""},
    )
    page = response.content.decode()
    assert 'id="id_freeze-starts_on_error"' in page and 'id="id_freeze-ends_on_error"' in page
    assert not Freeze.objects.exists()


@pytest.mark.parametrize("extra", [0, 8])
def test_package_page_queries_do_not_grow_with_adjustments_and_freezes(
    owner, package, extra, django_assert_max_num_queries
):
    for n in range(extra):
        services.package_adjust(package=package, actor=owner.user, sessions=1, reason=f"comp {n}")
        day = date(2027, 1, 1) + timedelta(days=3 * n)
        services.package_freeze(package=package, actor=owner.user, starts_on=day, ends_on=day)
    with django_assert_max_num_queries(8):
        assert owner.web.get(reverse("packages:detail", args=[package.pk])).status_code == 200


def test_the_pace_forecast_of_a_frozen_package_resumes_after_the_freeze(owner, package):
    for day in (date(2026, 11, 3), date(2026, 11, 10), date(2026, 11, 17)):
        log(owner, package, day)  # 3 in 8 weeks, 9 left: at 0.375 a week, 168 days
    url = reverse("packages:detail", args=[package.pk])
    assert "runs out around <strong>11 May 2027</strong>" in owner.web.get(url).content.decode()
    services.package_freeze(
        package=package, actor=owner.user, starts_on=TODAY, ends_on=TODAY + timedelta(days=9)
    )
    page = owner.web.get(url).content.decode()
    assert "Frozen until 3 Dec; then at" in page
    assert "runs out around <strong>21 May 2027</strong>" in page


def test_client_page_and_balance_link_say_frozen_and_forecast_from_the_freeze_end(owner, package):
    from punchcard.clients import services as client_services

    for day in (date(2026, 11, 3), date(2026, 11, 10), date(2026, 11, 17)):
        log(owner, package, day)
    services.package_freeze(
        package=package, actor=owner.user, starts_on=TODAY, ends_on=TODAY + timedelta(days=9)
    )
    client_page = owner.web.get(reverse("clients:detail", args=[package.client_id]))
    html = client_page.content.decode()
    assert "Frozen until 3 Dec</span>" in html
    assert "runs out around <strong>21 May 2027</strong>" in html
    secret = client_services.balance_link_create(client=package.client, actor=owner.user)
    public = owner.web.get(secret if secret.startswith("/") else f"/b/{secret}/")
    html = public.content.decode()
    assert "Frozen until 3 December" in html
    assert "runs out around <strong>21 May 2027</strong>" in html
