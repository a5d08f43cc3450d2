import csv
import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse

from punchcard.clients.tests.factories import ClientFactory
from punchcard.packages import services
from punchcard.packages.models import Package, PackageType, Transfer
from punchcard.packages.tests.factories import PackageFactory, PackageTypeFactory
from punchcard.training.tests.factories import TrainingSessionFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def html_of(response) -> str:
    return response.content.decode()


def form_data(client, **overrides) -> dict:
    data = {
        "client_id": client.pk,
        "package_type_id": "",
        "name": "Ten pack",
        "description": "",
        "total_value": "1000.00",
        "total_sessions": "10",
        "is_active": "on",
        "start_date": "",
        "expiry_date": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# List ---------------------------------------------------------------------------------------------


def test_list_shows_each_package_with_its_progress_and_values(owner):
    package = PackageFactory(studio=owner.studio, client__name="Ana Lopez", name="Standard")
    html = html_of(owner.web.get(reverse("packages:list")))
    assert "0 of 12 used · 12 left" in html
    assert "Ana Lopez" in html and reverse("packages:detail", args=[package.pk]) in html
    assert "$1,200.00" in html and "$100.00" in html
    assert 'role="progressbar"' in html and 'aria-valuemax="12"' in html


def test_list_marks_exceeded_low_and_expired_packages_in_words(owner):
    today = owner.studio.today()
    over = PackageFactory(studio=owner.studio, name="Over", total_sessions=2)
    TrainingSessionFactory.create_batch(3, package=over)
    PackageFactory(studio=owner.studio, name="Low", total_sessions=3, sessions_used=2)
    PackageFactory(studio=owner.studio, name="Old", expiry_date=today - timedelta(days=1))
    PackageFactory(studio=owner.studio, name="Soon", expiry_date=today + timedelta(days=3))
    html = html_of(owner.web.get(reverse("packages:list")))
    assert "3 of 2 used · 1 over" in html and "is-over" in html
    assert "Near completion" in html and "is-low" in html
    assert "Expired" in html and "is-expired" in html
    assert "Expiring soon" in html


def test_list_filters_by_client_status_and_active_flag(owner):
    today = owner.studio.today()
    ana, ben = (
        ClientFactory(studio=owner.studio, name="Ana"),
        ClientFactory(studio=owner.studio, name="Ben"),
    )
    PackageFactory(studio=owner.studio, client=ana, name="Ana pack")
    PackageFactory(studio=owner.studio, client=ben, name="Ben pack", is_active=False)
    PackageFactory(
        studio=owner.studio, client=ben, name="Ben old", expiry_date=today - timedelta(days=2)
    )
    url = reverse("packages:list")

    html = html_of(owner.web.get(url, {"client_id": ana.pk}))
    assert "Ana pack" in html and "Ben pack" not in html

    html = html_of(owner.web.get(url, {"status": "expired"}))
    assert "Ben old" in html and "Ana pack" not in html and "Ben pack" not in html

    html = html_of(owner.web.get(url, {"active": "no"}))
    assert "Ben pack" in html and "Ana pack" not in html


def test_list_search_matches_package_and_client_names(owner):
    PackageFactory(studio=owner.studio, client__name="Zoe Quinn", name="Summer deal")
    PackageFactory(studio=owner.studio, client__name="Max Power", name="Winter deal")
    html = html_of(owner.web.get(reverse("packages:list"), {"q": "zoe"}))
    assert "Summer deal" in html and "Winter deal" not in html


def test_list_sorts_by_sessions_remaining_both_ways(owner):
    for name, used in (("Middle", 5), ("Most left", 1), ("Least left", 10)):
        PackageFactory(studio=owner.studio, name=name, sessions_used=used)
    url = reverse("packages:list")
    html = html_of(owner.web.get(url, {"sort": "sessions_remaining"}))
    assert html.index("Least left") < html.index("Middle") < html.index("Most left")
    assert 'aria-sort="ascending"' in html
    assert "sort=-sessions_remaining" in html  # the header link now toggles to descending
    html = html_of(owner.web.get(url, {"sort": "-sessions_remaining"}))
    assert html.index("Most left") < html.index("Middle") < html.index("Least left")
    assert 'aria-sort="descending"' in html


def test_list_ignores_nonsense_filters_instead_of_failing(owner):
    PackageFactory(studio=owner.studio, name="Standard")
    response = owner.web.get(
        reverse("packages:list"),
        {
            "status": "bogus",
            "sort": "price; drop table",
            "client_id": "abc",
            "active": "maybe",
            "page": "x",
        },
    )
    html = html_of(response)
    assert response.status_code == 200
    assert "Standard" in html and "Ignored" in html
    # Each field marked invalid points at an error that is on the page.
    for described in re.findall(r'aria-describedby="([^"]+)"', html):
        for element_id in described.split():
            assert f'id="{element_id}"' in html, element_id
    assert 'aria-describedby="id_status_error"' in html


def test_list_htmx_request_returns_only_the_results(owner):
    PackageFactory(studio=owner.studio, name="Standard")
    response = owner.web.get(
        reverse("packages:list"),
        {"q": "stan", "status": "", "client_q": "", "client_id": ""},
        headers={**HTMX, "HX-Target": "package-results"},
    )
    html = html_of(response)
    assert "Standard" in html
    assert "<html" not in html and 'id="package-filters"' not in html
    # The address bar gets the filters that matter, not every empty field of the form.
    assert response["HX-Push-Url"] == reverse("packages:list") + "?q=stan"


def test_list_pagination_links_keep_the_filters(owner):
    PackageFactory.create_batch(30, studio=owner.studio, name="Bulk")
    html = html_of(owner.web.get(reverse("packages:list"), {"q": "bulk", "sort": "client"}))
    assert "Page 1 of 2" in html
    assert "q=bulk" in html and "page=2" in html and "sort=client&amp;page=2" in html


@pytest.mark.parametrize("count", [5, 40])
def test_list_runs_a_fixed_number_of_queries(owner, django_assert_max_num_queries, count):
    PackageFactory.create_batch(count, studio=owner.studio)
    # Session, user, membership, count, page of rows (clients joined): the same for any page size.
    with django_assert_max_num_queries(6):
        response = owner.web.get(reverse("packages:list"))
    assert response.status_code == 200


def test_list_shows_a_helpful_empty_state(owner):
    html = html_of(owner.web.get(reverse("packages:list")))
    assert "No packages yet — sell one" in html and reverse("packages:new") in html


def test_list_hides_deleted_packages_unless_the_owner_asks(owner, trainer):
    package = PackageFactory(studio=owner.studio, name="Gone")
    services.package_delete(package=package, actor=owner.user)
    url = reverse("packages:list")
    assert "Gone" not in html_of(owner.web.get(url))
    assert "Gone" in html_of(owner.web.get(url, {"include_deleted": "on"}))
    assert "Gone" not in html_of(trainer.web.get(url, {"include_deleted": "on"}))
    assert "Gone" not in html_of(trainer.web.get(url, {"status": "deleted"}))


def test_list_shows_only_the_studios_own_packages(owner, outsider):
    PackageFactory(studio=outsider.studio, name="Elsewhere")
    theirs = PackageFactory(studio=outsider.studio, name="Theirs")
    html = html_of(owner.web.get(reverse("packages:list"), {"client_id": theirs.client_id}))
    assert "Elsewhere" not in html and "Theirs" not in html


def test_csv_export_has_a_header_and_one_row_per_matching_package(owner):
    ana = ClientFactory(studio=owner.studio, name="Ana")
    PackageFactory.create_batch(3, studio=owner.studio, client=ana)
    PackageFactory(studio=owner.studio, name="Someone else's")
    response = owner.web.get(reverse("packages:export"), {"client_id": ana.pk, "sort": "bogus"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["id", "client_name", "name"]
    assert len(rows) == 4 and {row[1] for row in rows[1:]} == {"Ana"}


def test_csv_export_link_carries_the_list_filters(owner):
    PackageFactory(studio=owner.studio)
    html = html_of(owner.web.get(reverse("packages:list"), {"status": "active", "sort": "client"}))
    assert reverse("packages:export") + "?status=active&amp;sort=client" in html


# New and edit -------------------------------------------------------------------------------------


def test_package_is_sold_from_the_form(owner):
    ana = ClientFactory(studio=owner.studio, name="Ana")
    response = owner.web.post(reverse("packages:new"), form_data(ana, is_primary="on"))
    package = Package.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("packages:detail", args=[package.pk])
    assert (package.client, package.total_value_cents, package.total_sessions) == (ana, 100_000, 10)
    assert package.is_primary and package.is_active
    assert package.history.get().history_user == owner.user


def test_package_is_sold_from_a_type(owner):
    ana = ClientFactory(studio=owner.studio)
    ptype = PackageTypeFactory(
        studio=owner.studio,
        name="Quarter",
        total_sessions=24,
        total_value_cents=216_000,
        validity_days=90,
    )
    start = owner.studio.today()
    owner.web.post(
        reverse("packages:new"),
        form_data(
            ana,
            package_type_id=ptype.pk,
            name="",
            total_value="2160.00",
            total_sessions="24",
            start_date=start.isoformat(),
        ),
    )
    package = Package.objects.get()
    assert (package.package_type, package.name, package.total_sessions) == (ptype, "Quarter", 24)
    assert package.expiry_date == start + timedelta(days=90)


def test_choosing_a_type_fills_in_the_fields(owner):
    ptype = PackageTypeFactory(
        studio=owner.studio, name="Quarter", total_sessions=24, total_value_cents=216_000
    )
    url = reverse("packages:new")
    # htmx: only the fields the type fills come back.
    response = owner.web.get(
        url, {"package_type_id": ptype.pk}, headers={**HTMX, "HX-Target": "package-details"}
    )
    html = html_of(response)
    assert "<html" not in html and 'value="Quarter"' in html and 'value="2160.00"' in html
    assert "$90.00" in html
    # Without JavaScript the Apply button re-shows the whole form, keeping the chosen client.
    ana = ClientFactory(studio=owner.studio, name="Ana")
    response = owner.web.post(
        url, form_data(ana, package_type_id=ptype.pk, apply_type="1", name="")
    )
    html = html_of(response)
    assert response.status_code == 200 and not Package.objects.exists()
    assert 'value="Quarter"' in html and 'value="24"' in html
    assert f'value="{ana.pk}" checked' in html


def test_form_names_bad_value_and_sessions_and_writes_nothing(owner):
    ana = ClientFactory(studio=owner.studio)
    response = owner.web.post(
        reverse("packages:new"), form_data(ana, total_value="12.345", total_sessions="0")
    )
    html = html_of(response)
    assert response.status_code == 200
    assert 'id="id_total_value_error"' in html and "at most two decimals" in html
    assert 'id="id_total_sessions_error"' in html
    assert not Package.objects.exists()


def test_form_requires_a_client_of_this_studio(owner, outsider):
    foreign = ClientFactory(studio=outsider.studio)
    response = owner.web.post(reverse("packages:new"), form_data(foreign))
    html = html_of(response)
    assert response.status_code == 200 and "Choose one of your clients." in html
    assert foreign.name not in html
    assert not Package.objects.exists()


def test_per_session_value_is_computed_by_the_server(owner):
    response = owner.web.get(
        reverse("packages:new"),
        {"total_value": "1000", "total_sessions": "12"},
        headers={**HTMX, "HX-Target": "per-session-value"},
    )
    html = html_of(response).strip()
    assert "$83.33" in html and "<html" not in html and "<input" not in html


def test_per_session_value_waits_for_usable_numbers(owner):
    response = owner.web.get(
        reverse("packages:new"),
        {"total_value": "abc", "total_sessions": "0"},
        headers={**HTMX, "HX-Target": "per-session-value"},
    )
    assert "Enter the value and the sessions" in html_of(response)


def test_sell_link_from_the_client_page_preselects_the_client(owner):
    ana = ClientFactory(studio=owner.studio, name="Ana Lopez")
    html = html_of(owner.web.get(reverse("packages:new"), {"client": ana.pk}))
    assert f'value="{ana.pk}" checked' in html and "Ana Lopez" in html


def test_no_js_client_search_reshows_the_form_with_matches(owner):
    ClientFactory(studio=owner.studio, name="Ana Lopez")
    response = owner.web.post(
        reverse("packages:new"), {"client_q": "lop", "find_client": "1", "name": "Kept"}
    )
    html = html_of(response)
    assert "Ana Lopez" in html and 'value="Kept"' in html
    assert 'id="id_client_id_error"' not in html and "Choose the client" not in html
    assert not Package.objects.exists()


def test_edit_records_history_shown_on_the_detail_page(owner):
    package = PackageFactory(studio=owner.studio, total_value_cents=100_000, total_sessions=10)
    services.package_update(
        package=package, actor=owner.user, name="Standard"
    )  # a first history row
    data = {"name": "Standard", "total_value": "1200.00", "total_sessions": "10", "is_active": "on"}
    response = owner.web.post(reverse("packages:edit", args=[package.pk]), data)
    assert response.status_code == 302
    package.refresh_from_db()
    assert package.total_value_cents == 120_000
    html = html_of(owner.web.get(reverse("packages:detail", args=[package.pk])))
    assert "Total value: 1000.00 → 1200.00" in html and "alice@example.com" in html


def test_edit_shows_the_client_but_cannot_change_it(owner):
    package = PackageFactory(studio=owner.studio, client__name="Ana Lopez")
    other = ClientFactory(studio=owner.studio)
    html = html_of(owner.web.get(reverse("packages:edit", args=[package.pk])))
    assert "Ana Lopez" in html and 'name="client_id"' not in html
    data = {"name": "X", "total_value": "1200.00", "total_sessions": "12", "client_id": other.pk}
    owner.web.post(reverse("packages:edit", args=[package.pk]), data)
    package.refresh_from_db()
    assert package.client_id != other.pk


def test_edit_keeps_a_retired_package_type(owner):
    ptype = PackageTypeFactory(studio=owner.studio, name="Old offer")
    package = PackageFactory(studio=owner.studio, package_type=ptype)
    services.package_type_delete(package_type=ptype)
    html = html_of(owner.web.get(reverse("packages:edit", args=[package.pk])))
    assert f'<option value="{ptype.pk}" selected>Old offer</option>' in html
    data = {
        "package_type_id": ptype.pk,
        "name": "Renamed",
        "total_value": "1200.00",
        "total_sessions": "12",
    }
    owner.web.post(reverse("packages:edit", args=[package.pk]), data)
    package.refresh_from_db()
    assert (package.name, package.package_type_id) == ("Renamed", ptype.pk)


def test_edit_errors_stay_next_to_the_fields(owner):
    package = PackageFactory(studio=owner.studio)
    data = {
        "name": "Standard",
        "total_value": "-5",
        "total_sessions": "12",
        "expiry_date": "2026-01-01",
        "start_date": "2026-02-01",
    }
    html = html_of(owner.web.post(reverse("packages:edit", args=[package.pk]), data))
    assert 'id="id_total_value_error"' in html and 'id="id_expiry_date_error"' in html
    package.refresh_from_db()
    assert package.total_value_cents == 120_000


# Client options ---------------------------------------------------------------------------------


def test_client_options_lists_at_most_20_of_the_studios_own_clients(owner, outsider):
    ClientFactory.create_batch(25, studio=owner.studio, name="Sam Smith")
    ClientFactory(studio=outsider.studio, name="Sam Stranger")
    html = html_of(owner.web.get(reverse("packages:client-options"), {"client_q": "sam"}))
    assert html.count('type="radio"') == 20
    assert "Sam Stranger" not in html and "<html" not in html
    assert "first 20 matches" in html


def test_client_options_keeps_the_chosen_client_checked(owner, outsider):
    ana = ClientFactory(studio=owner.studio, name="Ana")
    foreign = ClientFactory(studio=outsider.studio, name="Foreign")
    html = html_of(
        owner.web.get(reverse("packages:client-options"), {"client_q": "zzz", "client_id": ana.pk})
    )
    assert f'value="{ana.pk}" checked' in html and "No client matches" in html
    html = html_of(owner.web.get(reverse("packages:client-options"), {"client_id": foreign.pk}))
    assert "Foreign" not in html


# Detail and actions ---------------------------------------------------------------------------


def test_detail_shows_balance_values_and_sessions(owner):
    package = PackageFactory(studio=owner.studio, total_value_cents=100_000, total_sessions=12)
    TrainingSessionFactory.create_batch(7, package=package)
    html = html_of(owner.web.get(reverse("packages:detail", args=[package.pk])))
    assert "7 of 12 used · 5 left" in html
    assert "$1,000.00" in html and "$83.33" in html and "$583.33" in html and "$416.67" in html
    assert html.count("<time") >= 7


@pytest.mark.parametrize("count", [2, 30])
def test_detail_runs_a_fixed_number_of_queries(owner, django_assert_max_num_queries, count):
    package = PackageFactory(studio=owner.studio)
    TrainingSessionFactory.create_batch(count, package=package, trainer=owner.user)
    for n in range(count):
        services.package_update(package=package, actor=owner.user, name=f"Renamed {n}")
    with django_assert_max_num_queries(8):
        response = owner.web.get(reverse("packages:detail", args=[package.pk]))
    assert response.status_code == 200


def test_detail_says_when_no_session_was_logged(owner):
    package = PackageFactory(studio=owner.studio)
    assert "No sessions yet" in html_of(
        owner.web.get(reverse("packages:detail", args=[package.pk]))
    )


def test_make_primary_moves_the_flag(owner):
    old = PackageFactory(studio=owner.studio, is_primary=True)
    new = PackageFactory(studio=owner.studio, client=old.client)
    response = owner.web.post(reverse("packages:make-primary", args=[new.pk]))
    assert response.status_code == 302
    old.refresh_from_db()
    new.refresh_from_db()
    assert new.is_primary and not old.is_primary


def test_transfer_moves_the_package_with_a_reason(trainer):
    package = PackageFactory(studio=trainer.studio, client__name="Ana")
    ben = ClientFactory(studio=trainer.studio, name="Ben")
    response = trainer.web.post(
        reverse("packages:transfer", args=[package.pk]),
        {"client_id": ben.pk, "reason": "Gift to her brother"},
    )
    assert response.status_code == 302
    package.refresh_from_db()
    assert package.client == ben
    transfer = Transfer.objects.get()
    assert transfer.reason == "Gift to her brother" and transfer.actor == trainer.user
    html = html_of(trainer.web.get(reverse("packages:detail", args=[package.pk])))
    assert "Ana → Ben" in html and "Gift to her brother" in html


def test_transfer_to_the_same_client_is_refused_in_place(owner):
    package = PackageFactory(studio=owner.studio)
    response = owner.web.post(
        reverse("packages:transfer", args=[package.pk]), {"client_id": package.client_id}
    )
    assert response.status_code == 200
    assert "already belongs" in html_of(response)
    assert not Transfer.objects.exists()


def test_owner_deletes_and_restores_a_package(owner):
    package = PackageFactory(studio=owner.studio, name="Standard")
    owner.web.post(reverse("packages:delete", args=[package.pk]))
    package.refresh_from_db()
    assert package.deleted_at is not None
    html = html_of(owner.web.get(reverse("packages:detail", args=[package.pk])))
    assert (
        "<strong>Deleted</strong>" in html
        and reverse("packages:restore", args=[package.pk]) in html
    )
    owner.web.post(reverse("packages:restore", args=[package.pk]))
    package.refresh_from_db()
    assert package.deleted_at is None
    html = html_of(owner.web.get(reverse("packages:detail", args=[package.pk])))
    assert "Restored" in html and "Deleted" in html  # both in the history timeline


def test_trainer_cannot_delete_restore_or_see_deleted_packages(owner, trainer):
    package = PackageFactory(studio=trainer.studio)
    assert trainer.web.post(reverse("packages:delete", args=[package.pk])).status_code == 403
    services.package_delete(package=package, actor=owner.user)
    assert trainer.web.post(reverse("packages:restore", args=[package.pk])).status_code == 403
    assert trainer.web.get(reverse("packages:detail", args=[package.pk])).status_code == 404
    package.refresh_from_db()
    assert package.deleted_at is not None


@pytest.mark.parametrize(
    ("method", "name"),
    [
        ("get", "detail"),
        ("get", "edit"),
        ("post", "edit"),
        ("post", "transfer"),
        ("post", "delete"),
        ("post", "restore"),
        ("post", "make-primary"),
    ],
)
def test_it_checks_ownership(outsider, studio, method, name):
    package = PackageFactory(studio=studio)
    changes = package.history.count()
    response = getattr(outsider.web, method)(reverse(f"packages:{name}", args=[package.pk]))
    assert response.status_code == 404
    package.refresh_from_db()
    assert package.deleted_at is None and package.history.count() == changes


def test_outsider_cannot_transfer_to_a_foreign_client(owner, outsider):
    package = PackageFactory(studio=owner.studio)
    foreign = ClientFactory(studio=outsider.studio)
    response = owner.web.post(
        reverse("packages:transfer", args=[package.pk]), {"client_id": foreign.pk}
    )
    assert response.status_code == 200 and "Choose one of your clients." in html_of(response)
    assert not Transfer.objects.exists()


# Client page ------------------------------------------------------------------------------------


def test_client_page_lists_every_package_ever_held(owner):
    ana = ClientFactory(studio=owner.studio, name="Ana")
    ben = ClientFactory(studio=owner.studio, name="Ben")
    PackageFactory(studio=owner.studio, client=ana, name="Current one")
    gone = PackageFactory(studio=owner.studio, client=ana, name="Given away")
    services.package_transfer(package=gone, actor=owner.user, to_client=ben)
    deleted = PackageFactory(studio=owner.studio, client=ana, name="Removed one")
    services.package_delete(package=deleted, actor=owner.user)
    html = html_of(owner.web.get(reverse("clients:detail", args=[ana.pk])))
    assert "Current one" in html and "0 of 12 used · 12 left" in html
    assert "Given away" in html and "Transferred to Ben" in html
    assert "Removed one" in html and "badge-deleted" in html
    assert f"{reverse('packages:new')}?client={ana.pk}" in html


# Package types ----------------------------------------------------------------------------------


def test_owner_manages_package_types(owner):
    response = owner.web.post(
        reverse("packages:type-new"),
        {
            "name": "Ten pack",
            "description": "",
            "total_sessions": "10",
            "total_value": "950.00",
            "validity_days": "60",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    ptype = PackageType.objects.get(name="Ten pack")
    assert (ptype.total_value_cents, ptype.validity_days) == (95_000, 60)
    assert "$95.00" in html_of(owner.web.get(reverse("packages:type-list")))

    owner.web.post(
        reverse("packages:type-edit", args=[ptype.pk]),
        {
            "name": "Ten pack",
            "total_sessions": "10",
            "total_value": "1000.00",
            "is_active": "on",
        },
    )
    ptype.refresh_from_db()
    assert (ptype.total_value_cents, ptype.validity_days) == (100_000, None)

    owner.web.post(reverse("packages:type-delete", args=[ptype.pk]))
    ptype.refresh_from_db()
    assert ptype.deleted_at is not None
    assert ">Ten pack</a>" not in html_of(owner.web.get(reverse("packages:type-list")))


def test_package_type_form_names_the_bad_field(owner):
    response = owner.web.post(
        reverse("packages:type-new"), {"name": "", "total_sessions": "0", "total_value": "1.999"}
    )
    html = html_of(response)
    assert 'id="id_name_error"' in html and 'id="id_total_sessions_error"' in html
    assert 'id="id_total_value_error"' in html


@pytest.mark.parametrize("name", ["type-list", "type-new"])
def test_trainer_cannot_manage_package_types(trainer, name):
    assert trainer.web.get(reverse(f"packages:{name}")).status_code == 403


def test_trainer_cannot_edit_or_delete_a_package_type(trainer):
    ptype = PackageTypeFactory(studio=trainer.studio)
    assert trainer.web.get(reverse("packages:type-edit", args=[ptype.pk])).status_code == 403
    assert trainer.web.post(reverse("packages:type-delete", args=[ptype.pk])).status_code == 403
    ptype.refresh_from_db()
    assert ptype.deleted_at is None


def test_package_types_of_another_studio_are_not_found(outsider, studio):
    ptype = PackageTypeFactory(studio=studio)
    assert outsider.web.get(reverse("packages:type-edit", args=[ptype.pk])).status_code == 404
    assert outsider.web.post(reverse("packages:type-delete", args=[ptype.pk])).status_code == 404


def test_new_package_form_offers_only_the_studios_live_types(owner, outsider):
    PackageTypeFactory(studio=owner.studio, name="Mine")
    PackageTypeFactory(studio=outsider.studio, name="Theirs")
    gone = PackageTypeFactory(studio=owner.studio, name="Retired")
    services.package_type_delete(package_type=gone)
    html = html_of(owner.web.get(reverse("packages:new")))
    assert "Mine" in html and "Theirs" not in html and "Retired" not in html


def test_package_type_pages_answer_404_before_403_for_another_studio(trainer, outsider):
    from django.urls import reverse

    from punchcard.packages.tests.factories import PackageTypeFactory

    theirs = PackageTypeFactory(studio=outsider.studio)
    ours = PackageTypeFactory(studio=trainer.studio)
    assert trainer.web.get(reverse("packages:type-edit", args=[theirs.pk])).status_code == 404
    assert trainer.web.post(reverse("packages:type-delete", args=[theirs.pk])).status_code == 404
    assert trainer.web.get(reverse("packages:type-edit", args=[ours.pk])).status_code == 403
    assert trainer.web.post(reverse("packages:type-delete", args=[ours.pk])).status_code == 403
