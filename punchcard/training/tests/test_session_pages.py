import pytest
from django.urls import reverse

from punchcard.clients.tests.factories import ClientFactory
from punchcard.packages.models import Package
from punchcard.packages.services import package_transfer
from punchcard.packages.tests.factories import PackageFactory
from punchcard.training.models import TrainingSession
from punchcard.training.services import session_log
from punchcard.training.tests.factories import TrainingSessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana(owner):
    return ClientFactory(studio=owner.studio, name="Ana Lopez")


def test_one_click_log_shows_new_count_in_place(trainer, ana):
    package = PackageFactory(studio=trainer.studio, client=ana, total_sessions=12)
    for _ in range(7):
        TrainingSessionFactory(package=package)
    response = trainer.web.post(
        reverse("training:quick-log"), {"client": ana.pk}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "8 of 12 used · 4 left" in html
    assert Package.objects.get(pk=package.pk).sessions_used == 8


def test_quick_log_on_last_session_then_over_warns_in_words(trainer, ana):
    package = PackageFactory(studio=trainer.studio, client=ana, total_sessions=1)
    trainer.web.post(reverse("training:quick-log"), {"client": ana.pk, "package": package.pk})
    response = trainer.web.post(
        reverse("training:quick-log"),
        {"client": ana.pk, "package": package.pk},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert "2 of 1 used · 1 over" in html
    assert "This package is used up" in html
    assert TrainingSession.objects.filter(package=package).count() == 2


def test_quick_log_without_js_redirects_with_a_message(trainer, ana):
    response = trainer.web.post(
        reverse("training:quick-log"), {"client": ana.pk, "next": "/"}, follow=True
    )
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == "/"
    assert "Session logged for Ana Lopez" in html and "Not covered by a package" in html


def test_full_form_preselects_the_package_by_the_rule(owner, ana):
    package = PackageFactory(studio=owner.studio, client=ana)
    html = owner.web.get(reverse("training:new"), {"client": ana.pk}).content.decode()
    assert f'<option value="{package.pk}" selected>' in html


def test_full_form_logs_and_errors_name_the_field(owner, ana):
    url = reverse("training:new") + f"?client={ana.pk}"
    bad = owner.web.post(
        url,
        {
            "client": ana.pk,
            "starts_at": "2026-11-20T09:00",
            "duration_minutes": 0,
            "status": "completed",
        },
    )
    assert 'id="id_duration_minutes_error"' in bad.content.decode()
    assert not TrainingSession.objects.exists()
    ok = owner.web.post(
        url,
        {
            "client": ana.pk,
            "starts_at": "2026-11-20T09:00",
            "duration_minutes": 45,
            "status": "no_show",
        },
    )
    assert ok.status_code == 302
    assert TrainingSession.objects.get().duration_minutes == 45


def test_edit_and_delete_move_counts(owner, ana):
    package = PackageFactory(studio=owner.studio, client=ana)
    session = TrainingSessionFactory(package=package)
    owner.web.post(
        reverse("training:edit", args=[session.pk]),
        {
            "package": package.pk,
            "starts_at": "2026-11-20T09:00",
            "duration_minutes": 60,
            "status": "cancelled",
        },
    )
    assert Package.objects.get(pk=package.pk).sessions_used == 0
    owner.web.post(
        reverse("training:edit", args=[session.pk]),
        {
            "package": package.pk,
            "starts_at": "2026-11-20T09:00",
            "duration_minutes": 60,
            "status": "completed",
        },
    )
    assert Package.objects.get(pk=package.pk).sessions_used == 1
    owner.web.post(reverse("training:delete", args=[session.pk]))
    assert Package.objects.get(pk=package.pk).sessions_used == 0


def test_session_list_filters_by_client_and_returns_fragment_to_htmx(owner, ana):
    ben = ClientFactory(studio=owner.studio, name="Ben Okafor")
    TrainingSessionFactory(client=ana, studio=owner.studio)
    TrainingSessionFactory(client=ben, studio=owner.studio)
    html = owner.web.get(
        reverse("training:list"), {"client": ana.pk}, headers={"HX-Request": "true"}
    ).content.decode()
    assert "Ana Lopez" in html and "Ben Okafor" not in html and "<html" not in html


def test_pages_run_fixed_queries(owner, ana, django_assert_max_num_queries):
    package = PackageFactory(studio=owner.studio, client=ana, total_sessions=12)
    for _ in range(30):
        TrainingSessionFactory(package=package)
    for url in [reverse("training:list"), reverse("core:dashboard")]:
        with django_assert_max_num_queries(8):
            assert owner.web.get(url).status_code == 200


def test_dashboard_shows_warnings_uncovered_and_recent(owner, ana):
    today = owner.studio.today()
    low = PackageFactory(studio=owner.studio, client=ana, name="Low one", total_sessions=3)
    TrainingSessionFactory(package=low)
    import datetime

    PackageFactory(
        studio=owner.studio,
        client=ana,
        name="Soon one",
        expiry_date=today + datetime.timedelta(days=3),
    )
    TrainingSessionFactory(
        client=ClientFactory(studio=owner.studio, name="Cara Nopack"), studio=owner.studio
    )
    html = owner.web.get(reverse("core:dashboard")).content.decode()
    assert "Low one" in html and "1 of 3 used · 2 left" in html
    assert "Soon one" in html
    assert "Cara Nopack" in html and "Not covered by a package" in html


def test_expired_report_page_and_csv_are_owner_only(owner, trainer, ana):
    import datetime

    PackageFactory(
        studio=owner.studio,
        client=ana,
        name="Old",
        total_value_cents=100_000,
        total_sessions=12,
        expiry_date=owner.studio.today() - datetime.timedelta(days=5),
    )
    html = owner.web.get(reverse("reports-expired")).content.decode()
    assert "Old" in html and "$1,000.00" in html
    csv_body = b"".join(
        owner.web.get(reverse("reports-expired"), {"format": "csv"}).streaming_content
    ).decode()
    assert csv_body.splitlines()[1].endswith(",12,0,12,83.33,1000.00,USD")
    assert trainer.web.get(reverse("reports-expired")).status_code == 403


def test_outsider_gets_404_on_session_pages(owner, outsider, ana):
    session = TrainingSessionFactory(client=ana, studio=owner.studio)
    assert outsider.web.get(reverse("training:edit", args=[session.pk])).status_code == 404
    assert outsider.web.post(reverse("training:delete", args=[session.pk])).status_code == 404
    assert outsider.web.post(reverse("training:quick-log"), {"client": ana.pk}).status_code == 404
    assert outsider.web.get(reverse("training:new"), {"client": ana.pk}).status_code == 404
    assert TrainingSession.objects.filter(deleted_at__isnull=True).count() == 1


def test_client_and_package_pages_list_sessions_and_offer_one_click_log(owner, ana):
    package = PackageFactory(studio=owner.studio, client=ana, name="Ana's Standard")
    TrainingSessionFactory(package=package, status="no_show")
    client_html = owner.web.get(reverse("clients:detail", args=[ana.pk])).content.decode()
    package_html = owner.web.get(reverse("packages:detail", args=[package.pk])).content.decode()
    for html in (client_html, package_html):
        assert "No-show" in html
        assert f'name="client" value="{ana.pk}"' in html and reverse("training:quick-log") in html
    assert f'name="package" value="{package.pk}"' in package_html


@pytest.mark.parametrize("url_name", ["training:list", "clients:detail"])
def test_pages_show_session_times_in_the_studios_zone(owner, ana, url_name):
    from datetime import UTC, datetime

    owner.studio.timezone = "Europe/Berlin"  # UTC+1 in November
    owner.studio.save()
    TrainingSessionFactory(
        studio=owner.studio, client=ana, starts_at=datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    )
    args = [ana.pk] if url_name == "clients:detail" else []
    html = owner.web.get(reverse(url_name, args=args)).content.decode()
    assert "10:00" in html
    assert "09:00" not in html


def test_editing_a_session_keeps_its_package_after_the_package_moved_to_another_client(owner, ana):
    ben = ClientFactory(studio=owner.studio, name="Ben Okafor")
    package = PackageFactory(studio=owner.studio, client=ana, total_sessions=10)
    session = session_log(
        studio=owner.studio, actor=owner.user, client=ana, package=package
    ).session
    package_transfer(package=package, actor=owner.user, to_client=ben, reason="moved away")
    url = reverse("training:edit", args=[session.pk])

    page = owner.web.get(url).content.decode()
    assert f'<option value="{package.pk}" selected>' in page
    assert "now held by Ben Okafor" in page

    response = owner.web.post(
        url,
        {
            "package": package.pk,
            "starts_at": "2026-11-20T09:00",
            "duration_minutes": 45,
            "status": "completed",
            "notes": "longer warm-up",
        },
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.package_id, session.duration_minutes) == (package.pk, 45)
    # Ben, who holds the package now, did not get Ana's session back.
    assert Package.objects.get(pk=package.pk).sessions_used == 1


def test_a_session_cannot_be_moved_onto_another_clients_package(owner, ana):
    ben = ClientFactory(studio=owner.studio, name="Ben Okafor")
    own = PackageFactory(studio=owner.studio, client=ana)
    bens = PackageFactory(studio=owner.studio, client=ben)
    session = TrainingSessionFactory(package=own)
    response = owner.web.post(
        reverse("training:edit", args=[session.pk]),
        {
            "package": bens.pk,
            "starts_at": "2026-11-20T09:00",
            "duration_minutes": 60,
            "status": "completed",
        },
    )
    assert response.status_code == 200
    assert 'id="id_package_error"' in response.content.decode()
    session.refresh_from_db()
    assert session.package_id == own.pk
