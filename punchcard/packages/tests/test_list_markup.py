"""What the package list shows, read from its HTML as a browser would: each row's links, bar,
badges, money and expiry; the sort links' targets and aria-sort; the filter fields' values and
labels; and the page and its count."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from punchcard.core.tests.html_page import parse
from punchcard.packages.tests.factories import PackageFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 24)


@pytest.fixture
def frozen():
    with time_machine.travel(datetime(2026, 11, 24, 12, tzinfo=UTC), tick=False):
        yield


def list_page(persona, **query):
    response = persona.web.get(reverse("packages:list"), query)
    assert response.status_code == 200
    return parse(response.content.decode())


def rows_by_package(page) -> dict:
    """The table's rows, keyed by the name their package link shows."""
    rows = page.one("table", class_="packages-table").one("tbody").find_all("tr")
    return {row.find_all("td")[1].one("a").text: row for row in rows}


def test_each_row_shows_its_package_in_words_links_and_bar(owner, frozen):
    studio = owner.studio
    studio.currency, studio.low_balance_threshold = "EUR", 2
    studio.save()
    soon, past = TODAY + timedelta(days=5), TODAY - timedelta(days=1)
    tricky = PackageFactory(studio=studio, name='<b>"Ten" & co</b>', client__name="O'Neil <i>")
    PackageFactory(studio=studio, name="Low", total_sessions=3, sessions_used=2, is_primary=True)
    PackageFactory(studio=studio, name="Over", total_sessions=2, sessions_used=3)
    PackageFactory(studio=studio, name="Lapsed", expiry_date=past, total_value_cents=99_999)
    PackageFactory(studio=studio, name="Soon", expiry_date=soon, total_sessions=7)
    PackageFactory(studio=studio, name="Off", is_active=False, expiry_date=date(2027, 1, 5))
    PackageFactory(studio=studio, name="Gone", deleted_at=timezone.now())

    response = owner.web.get(reverse("packages:list"), {"include_deleted": "on"})
    html = response.content.decode()
    rows = rows_by_package(parse(html))

    assert set(rows) == {'<b>"Ten" & co</b>', "Low", "Over", "Lapsed", "Soon", "Off", "Gone"}
    assert "<b>" not in html and "<i>" not in html  # names are text, not markup
    client_link, package_link = (
        cell.one("a") for cell in rows['<b>"Ten" & co</b>'].find_all("td")[:2]
    )
    assert client_link.text == "O'Neil <i>"
    assert client_link["href"] == reverse("clients:detail", args=[tricky.client_id])
    assert package_link["href"] == reverse("packages:detail", args=[tricky.pk])
    bar = rows['<b>"Ten" & co</b>'].one(role="progressbar")
    assert bar["aria-label"] == 'Sessions used: <b>"Ten" & co</b>'

    def cells(name):
        return [cell.text for cell in rows[name].find_all("td")]

    # Client, package, sessions, status, total, per session, expiry
    low = cells("Low")
    assert low[1] == "Low Primary" and low[2] == "2 of 3 used · 1 left"
    assert low[3] == "Active Near completion"
    assert "is-low" in rows["Low"].one(class_="progress").classes
    assert cells("Over")[2] == "3 of 2 used · 1 over" and cells("Over")[3] == "Completed"
    over_bar = rows["Over"].one(role="progressbar")
    assert (over_bar["aria-valuenow"], over_bar["aria-valuemax"]) == ("2", "2")
    assert over_bar["aria-valuetext"] == "3 of 2 used, 1 over"
    lapsed = cells("Lapsed")
    assert lapsed[3] == "Expired" and lapsed[4] == "€999.99"
    assert cells("Soon")[3] == "Active Expiring soon"
    off_expiry = rows["Off"].one("time")
    assert (off_expiry["datetime"], off_expiry.text) == ("2027-01-05", "5 Jan 2027")
    assert cells("Off")[3] == "Inactive" and cells("Low")[6] == "No expiry"
    # The list's badges carry the warnings: the bar does not repeat them.
    assert "running low" not in low[2]
    assert [name for name, row in rows.items() if "is-deleted" in row.classes] == ["Gone"]


def test_sort_links_say_where_they_go_and_how_the_table_is_sorted(owner):
    PackageFactory(studio=owner.studio)
    page = list_page(owner, sort="-client", q="a", page="")
    headers = page.one("table", class_="packages-table").one("thead").find_all("th")
    links = {link.children[0]: link for link in page.find_all("a", class_="sort-link")}
    assert list(links) == ["Client", "Used", "Left", "Total value", "Per session", "Expiry"]
    sorted_by = [th for th in headers if th.get("aria-sort")]
    assert [(th.text.split(" (")[0], th["aria-sort"]) for th in sorted_by] == [
        ("Client ▼", "descending")
    ]
    client = links["Client"]
    # Selecting it sorts the other way; the search stays, the empty page is dropped.
    assert client["href"] == client["hx-get"] == "/packages/?q=a&sort=client"
    assert (client["hx-target"], client["hx-push-url"]) == ("#package-results", "true")
    assert client.one(class_="visually-hidden").text == (
        "(sorted descending, select to sort ascending)"
    )
    assert client.one(class_="sort-arrow")["aria-hidden"] == "true"
    for key, label in [("sessions_used", "Used"), ("per_session_value", "Per session")]:
        assert links[label]["href"] == f"/packages/?q=a&sort={key}"
        assert links[label].one(class_="visually-hidden").text == "(select to sort)"
    ascending = list_page(owner, sort="sessions_remaining")
    sessions = next(th for th in ascending.find_all("th") if th.get("aria-sort"))
    assert sessions["aria-sort"] == "ascending" and sessions.text.startswith("Sessions:")
    assert "(sorted ascending, select to sort descending)" in sessions.text
    assert sessions.find("a", href="/packages/?sort=-sessions_remaining") is not None


def field_of(page, name):
    """The filter form's field `name` and the text of the label that names it."""
    form = page.one("form", id="package-filters")
    field = form.one(name=name)
    label = form.one("label", **{"for": field["id"]})
    return field, label.text


def test_filter_fields_show_the_chosen_filters_with_their_labels(owner):
    page = list_page(owner, status="expired", active="no", include_deleted="on")

    status, label = field_of(page, "status")
    assert status.tag == "select" and label == "Status"
    options = [(o["value"], o.text) for o in status.find_all("option")]
    assert options[:2] == [("", "Any status"), ("active", "Active")]
    assert [o["value"] for o in status.find_all("option", selected=True)] == ["expired"]
    active, label = field_of(page, "active")
    assert label == "Active flag"
    assert [o["value"] for o in active.find_all("option", selected=True)] == ["no"]
    deleted, label = field_of(page, "include_deleted")
    assert (deleted["type"], label) == ("checkbox", "Include deleted")
    assert "checked" in deleted.attrs
    assert "aria-invalid" not in status.attrs

    plain = list_page(owner)
    assert [o["value"] for o in field_of(plain, "status")[0].find_all("option", selected=True)] == [
        ""
    ]
    assert "checked" not in field_of(plain, "include_deleted")[0].attrs


def test_filter_fields_name_what_they_ignored(owner):
    page = list_page(owner, status="x", active="?")
    status, _ = field_of(page, "status")
    assert status["aria-invalid"] == "true"
    error = page.one(id=status["aria-describedby"])
    assert error.text == "Ignored: not a status."
    assert not status.find_all("option", selected=True)
    active, _ = field_of(page, "active")
    assert page.one(id=active["aria-describedby"]).text == "Ignored: not a choice here."


def test_trainers_get_no_deleted_filter(trainer):
    page = list_page(trainer)
    assert page.one("form", id="package-filters").find(name="include_deleted") is None
    assert "deleted" not in [o["value"] for o in field_of(page, "status")[0].find_all("option")]


def test_the_results_come_alone_for_htmx(owner):
    PackageFactory(studio=owner.studio, name="Standard")
    response = owner.web.get(
        reverse("packages:list"),
        {"sort": "expiry_date"},
        headers={"HX-Request": "true", "HX-Target": "package-results"},
    )
    html = response.content.decode()
    assert "<html" not in html and 'id="package-filters"' not in html
    page = parse(html)
    assert list(rows_by_package(page)) == ["Standard"]
    assert page.one(aria_sort="ascending").find("a", class_="sort-link") is not None


def test_list_page_links_each_row_and_sorts_by_words(owner):
    package = PackageFactory(studio=owner.studio, name="Standard", is_primary=True)
    html = owner.web.get(reverse("packages:list") + "?sort=-client").content.decode()
    assert f'href="{reverse("packages:detail", args=[package.pk])}"' in html
    assert f'href="{reverse("clients:detail", args=[package.client_id])}"' in html
    assert (
        'aria-sort="descending"' in html and "(sorted descending, select to sort ascending)" in html
    )
    assert f'href="{reverse("analytics:dashboard")}"' in html  # base.html's menu, for the owner


# Pages and the count (Django's Paginator over selectors.PackagePages) ---------------------------


def page_of(owner, **query):
    response = owner.web.get(reverse("packages:list"), query)
    return response.context["page"], response.content.decode()


@pytest.mark.parametrize(
    ("asked", "shown"),
    [("2", 2), ("9", 3), ("0", 3), ("-1", 3), ("x", 1), ("2.0", 1), (str(10**30), 3)],
)
def test_list_pages_like_django_paginator(owner, asked, shown):
    PackageFactory.create_batch(60, studio=owner.studio)  # 3 pages of 25
    page, html = page_of(owner, page=asked)
    assert page.number == shown and page.paginator.count == 60
    assert f"Page {shown} of 3" in html and "60 packages" in html


def test_list_count_rides_on_the_page_with_and_without_a_tally(owner):
    from punchcard.packages import tallies

    PackageFactory.create_batch(30, studio=owner.studio, name="Bulk")
    PackageFactory.create_batch(3, studio=owner.studio, name="Odd", is_active=False)
    PackageFactory(studio=owner.studio, deleted_at=timezone.now())
    assert page_of(owner)[0].paginator.count == 33  # no tally row: counted
    tallies.recount([owner.studio.pk])
    assert page_of(owner, sort="client")[0].paginator.count == 33  # the tally
    assert page_of(owner, active="no")[0].paginator.count == 3
    assert page_of(owner, include_deleted="on")[0].paginator.count == 34
    assert "No package matches" in page_of(owner, q="nothing like it")[1]
