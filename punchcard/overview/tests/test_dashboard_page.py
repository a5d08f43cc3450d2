"""What the dashboard shows, read from its HTML: the three package lists with their links, bars,
expiry dates, forecasts and Log buttons, and the session tables' rows."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from punchcard.clients.tests.factories import ClientFactory
from punchcard.core.tests.html_page import parse
from punchcard.packages.tests.factories import PackageFactory
from punchcard.training.models import TrainingSession
from punchcard.training.tests.factories import TrainingSessionFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def section(page, heading_id: str):
    return page.one("section", aria_labelledby=heading_id)


def dashboard(persona, **query):
    response = persona.web.get(reverse("core:dashboard"), query)
    assert response.status_code == 200
    return parse(response.content.decode())


def test_running_low_lists_each_package_with_its_bar_and_log_button(owner):
    client = ClientFactory(studio=owner.studio, name="O'Brien & <Sons>")
    package = PackageFactory(
        studio=owner.studio, client=client, name='Pack "1" <b>', total_sessions=3
    )
    TrainingSessionFactory(package=package, starts_at=NOW - timedelta(days=1))
    PackageFactory(studio=owner.studio, name="Plenty", total_sessions=20)

    page = dashboard(owner, page="2", q="a b")
    (item,) = section(page, "near-h").find_all("li")

    link = item.one("a")
    assert link["href"] == reverse("packages:detail", args=[package.pk])
    assert item.find("div").text == 'O\'Brien & <Sons> · Pack "1" <b>'
    bar = item.one(role="progressbar")
    assert bar["aria-valuetext"] == "1 of 3 used, 2 left"
    assert item.one(class_="progress-text").text == "1 of 3 used · 2 left · running low"
    form = item.one("form")
    assert form["action"] == form["hx-post"] == reverse("training:quick-log")
    assert form["hx-target"] == "#log-result"
    inputs = {i["name"]: i["value"] for i in form.find_all("input", type="hidden")}
    assert inputs["client"] == str(client.pk) and inputs["package"] == str(package.pk)
    assert inputs["next"] == "/?page=2&q=a+b" and inputs["csrfmiddlewaretoken"]
    button = form.one("button")
    assert button.text == "Log session for O'Brien & <Sons>" and button["class"] == "secondary"


def test_expiring_and_unused_lists_say_when_and_how_many(owner):
    client = ClientFactory(studio=owner.studio, name="Ida")
    soon = PackageFactory(
        studio=owner.studio,
        client=client,
        name="Ten",
        total_sessions=10,
        expiry_date=TODAY + timedelta(days=5),
    )

    page = dashboard(owner)
    (expiring,) = section(page, "soon-h").find_all("li")
    assert expiring.find("div").text == "Ida · Ten · expires 7 Mar"
    assert expiring.one("a")["href"] == reverse("packages:detail", args=[soon.pk])
    assert expiring.one("strong").text == "7 Mar"
    assert expiring.one(class_="progress-text").text == "0 of 10 used · 10 left"
    assert expiring.find("form") is None

    (unused,) = section(page, "unused-h").find_all("li")
    assert unused.find("div").text == "Ida · Ten · expires 7 Mar"
    forecast = unused.one("p", class_="forecast")
    assert forecast.one(class_="forecast-warning").text == ("10 of 10 sessions will expire unused")
    assert forecast.text.endswith("— no sessions in the last 8 weeks")


def test_empty_lists_say_so(owner):
    page = dashboard(owner)
    assert section(page, "near-h").one("p").text == "No active package is close to running out."
    assert section(page, "soon-h").one("p").text == "Nothing expires in the next two weeks."
    assert section(page, "today-h").one("p").text == "No sessions logged today yet."


def test_session_tables_show_each_session_with_its_links(owner):
    owner.studio.timezone = "Europe/Berlin"
    owner.studio.save()
    client = ClientFactory(studio=owner.studio, name="O'Brien & <Sons>")
    package = PackageFactory(studio=owner.studio, client=client, name="Ten <pack>")
    covered = TrainingSessionFactory(package=package, starts_at=NOW - timedelta(hours=2))
    cancelled = TrainingSessionFactory(
        package=package,
        starts_at=NOW - timedelta(hours=1),
        status=TrainingSession.Status.CANCELLED,
    )
    uncovered = TrainingSessionFactory(client=client, starts_at=NOW - timedelta(days=2))

    page = dashboard(owner, x="1 2")
    today = section(page, "today-h").one("tbody").find_all("tr")
    assert [[cell.text for cell in row.find_all("td")] for row in today] == [
        [
            "Mon 2 Mar, 11:00",  # 10:00 UTC in Berlin
            "O'Brien & <Sons>",
            "Ten <pack>",
            "Completed",
            "60 min",
            "Edit session of O'Brien & <Sons> on 2 Mar",
        ],
        [
            "Mon 2 Mar, 12:00",
            "O'Brien & <Sons>",
            "Ten <pack>",
            "Cancelled (not counted)",
            "60 min",
            "Edit session of O'Brien & <Sons> on 2 Mar",
        ],
    ]
    first = today[0]
    assert [a["href"] for a in first.find_all("a")] == [
        reverse("clients:detail", args=[client.pk]),
        reverse("packages:detail", args=[package.pk]),
        reverse("training:edit", args=[covered.pk]) + "?next=/%3Fx%3D1%2B2",
    ]
    assert (
        today[1].find_all("a")[-1]["href"].startswith(reverse("training:edit", args=[cancelled.pk]))
    )
    assert today[1].one(class_="badge")["class"] == "badge badge-neutral"

    (not_covered,) = section(page, "uncovered-h").one("tbody").find_all("tr")
    assert [cell.text for cell in not_covered.find_all("td")][:3] == [
        "Sat 28 Feb, 13:00",
        "O'Brien & <Sons>",
        "Completed",
    ]
    recent = section(page, "recent-h").one("tbody").find_all("tr")
    assert [row.find_all("td")[2].text for row in recent] == ["Not covered"]
    assert (
        recent[0]
        .find_all("a")[-1]["href"]
        .startswith(reverse("training:edit", args=[uncovered.pk]))
    )
