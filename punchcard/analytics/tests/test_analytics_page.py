"""The /analytics page: cards, charts with their tables, presets, CSV exports, owner only."""

import csv
import io
import re
from datetime import date

import pytest
from django.urls import reverse

from punchcard.analytics.tests.test_analytics_selectors import (
    NOW,
    _frozen_now,  # noqa: F401  (autouse: the fixture's "today")
    at,
    build_fixture,
    make_package,
)
from punchcard.analytics.views import preset_range
from punchcard.clients.tests.factories import ClientFactory
from punchcard.packages.tests.factories import PackageTypeFactory
from punchcard.training.tests.factories import TrainingSessionFactory

pytestmark = pytest.mark.django_db

URL = reverse("analytics:dashboard")
YEAR = {"from": "2026-01-01", "to": "2026-12-31"}


def html_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def figure(html: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}">([^<]*)<', html)
    assert match, f"no {name} card"
    return match.group(1).strip()


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_it_shows_the_hand_computed_figures_on_cards(owner):
    build_fixture(owner.studio)
    html = html_of(owner.web.get(URL, YEAR))
    assert figure(html, "package_count") == "7"
    assert figure(html, "revenue") == "$5,700.00"
    assert figure(html, "average_package_value") == "$814.29"
    assert figure(html, "completion_rate") == "66.7%"
    assert "2 of 3 ended packages used up" in html
    assert figure(html, "unused_session_value") == "$1,635.71"
    assert "prepaid sessions not yet delivered" in html
    assert figure(html, "expired_unused_value") == "$416.67"
    assert "from <strong>1 Jan 2026</strong> to <strong>31 Dec 2026</strong>" in html
    assert "No sessions delivered in this period." in html  # the fixture has counters, no rows


def test_every_figure_links_to_the_closest_packages_list(owner):
    build_fixture(owner.studio)
    html = html_of(owner.web.get(URL, YEAR))
    for href in (
        'href="/packages/"',
        'href="/packages/?sort=-total_value"',
        'href="/packages/?status=completed"',
        'href="/packages/?status=active&amp;sort=-sessions_remaining"',
        'href="/packages/?status=expired"',
        'href="/packages/?q=Custom+7"',
        'href="/packages/?q=Flex+12"',
    ):
        assert href in html, href
    assert "shows packages of every date" in html


def test_charts_are_labelled_svg_followed_by_their_tables(owner):
    build_fixture(owner.studio)
    TrainingSessionFactory(
        client=ClientFactory(studio=owner.studio), starts_at=at(owner.studio, 2026, 11, 2, 9)
    )
    html = html_of(owner.web.get(URL, YEAR))
    for chart in ("chart-revenue", "chart-popular", "chart-months"):
        assert f'role="img" aria-labelledby="{chart}-title" aria-describedby="{chart}-desc"' in html
        assert f'<title id="{chart}-title">' in html
    assert "Standard: $2,400.00; Flex 12: $2,000.00; Custom 7: $1,200.00; Trial: $100.00" in html
    assert html.count("<summary>Show as table</summary>") == 3
    charts = re.findall(r'<svg class="chart.*?</svg>', html, flags=re.S)
    assert len(charts) == 3
    # Colours come from CSS variables, so dark mode recolours the charts.
    assert all('class="chart-bar"' in svg and "fill" not in svg for svg in charts)
    # The month table links each month to the sessions list of that month.
    assert 'href="/sessions/?date_from=2026-11-01&amp;date_to=2026-11-30">November 2026</a>' in html


def test_the_longest_bar_is_the_largest_value(owner):
    build_fixture(owner.studio)
    html = html_of(owner.web.get(URL, YEAR))
    revenue = html.split('id="chart-revenue-desc"')[1].split("</svg>")[0]
    widths = re.findall(r'class="chart-bar" x="0" y="\d+" width="([\d.]+)%"', revenue)
    # 2400 : 2000 : 1200 : 100
    assert widths == ["100", "83.333", "50", "4.167"]


@pytest.mark.parametrize(
    ("today", "key", "expected"),
    [
        (date(2026, 11, 24), "this-month", (date(2026, 11, 1), date(2026, 11, 24))),
        (date(2026, 11, 24), "last-3-months", (date(2026, 9, 1), date(2026, 11, 24))),
        (date(2026, 1, 15), "last-3-months", (date(2025, 11, 1), date(2026, 1, 15))),
        (date(2026, 3, 31), "last-3-months", (date(2026, 1, 1), date(2026, 3, 31))),
        (date(2026, 11, 24), "this-year", (date(2026, 1, 1), date(2026, 11, 24))),
        (date(2026, 11, 24), "all", (None, None)),
    ],
)
def test_presets_are_calendar_ranges_ending_today(today, key, expected):
    date_range = preset_range(key, today)
    assert (date_range.start, date_range.end) == expected


def test_a_preset_changes_the_figures_and_is_marked_current(owner):
    build_fixture(owner.studio)
    html = html_of(owner.web.get(URL, {"range": "this-month"}))
    assert figure(html, "package_count") == "1"  # F, sold today
    assert figure(html, "revenue") == "$700.00"
    assert 'href="?range=this-month" hx-get="?range=this-month" aria-current="true"' in html
    assert 'value="2026-11-01"' in html and 'value="2026-11-24"' in html
    assert figure(html_of(owner.web.get(URL)), "package_count") == "8"  # all time by default


def test_htmx_gets_only_the_fragment(owner):
    build_fixture(owner.studio)
    response = owner.web.get(URL, {"range": "this-year"}, headers={"HX-Request": "true"})
    html = html_of(response)
    assert "<html" not in html and html.lstrip().startswith('<div id="analytics-body"')
    assert figure(html, "package_count") == "7"


def test_an_empty_studio_gets_a_friendly_page(owner):
    html = html_of(owner.web.get(URL))
    assert figure(html, "package_count") == "0"
    assert figure(html, "average_package_value") == "$0.00"
    assert figure(html, "completion_rate") == "—"
    assert "No packages sold yet" in html and reverse("packages:new") in html
    assert '<svg class="chart' not in html and "Sessions delivered per month" not in html


def test_an_empty_range_says_so(owner):
    build_fixture(owner.studio)
    html = html_of(owner.web.get(URL, {"from": "2020-01-01", "to": "2020-12-31"}))
    assert "No packages sold in this range" in html and figure(html, "revenue") == "$0.00"


@pytest.mark.parametrize(
    ("params", "field"),
    [({"from": "2026-02-30"}, "from"), ({"from": "2026-03-02", "to": "2026-03-01"}, "to")],
)
def test_invalid_dates_are_shown_next_to_the_field(owner, params, field):
    html = html_of(owner.web.get(URL, params))
    assert f'id="range-{field}-error"' in html and 'aria-invalid="true"' in html
    assert "data-figure" not in html


def test_an_unknown_preset_falls_back_to_all_time(owner):
    make_package(owner.studio, NOW)
    html = html_of(owner.web.get(URL, {"range": "forever"}))
    assert figure(html, "package_count") == "1"
    assert 'href="?range=all" hx-get="?range=all" aria-current="true"' in html


def test_dates_at_the_ends_of_the_calendar_never_fail(owner):
    assert owner.web.get(URL, {"from": "0001-01-01", "to": "9999-12-31"}).status_code == 200


def test_each_chart_table_exports_as_csv(owner):
    build_fixture(owner.studio)
    standard_id = owner.studio.package_types.get(name="Standard").pk
    response = owner.web.get(URL, {**YEAR, "export": "revenue_by_type"})
    assert response["Content-Type"].startswith("text/csv")
    assert (
        'filename="analytics-revenue_by_type-2026-01-01-to-2026-12-31.csv"'
        in response["Content-Disposition"]
    )
    rows = csv_rows(response)
    assert rows[0] == ["package_type", "package_type_id", "packages", "revenue", "currency"]
    assert rows[1] == ["Standard", str(standard_id), "2", "2400.00", "USD"]
    assert rows[-1] == ["Trial", "", "1", "100.00", "USD"]
    popular = csv_rows(owner.web.get(URL, {**YEAR, "export": "popular_types"}))
    assert [r[0] for r in popular] == ["package_type", "Custom 7", "Flex 12", "Standard", "Trial"]
    months = csv_rows(owner.web.get(URL, {"range": "all", "export": "sessions_by_month"}))
    assert months == [["month", "sessions"]]


def test_the_page_links_to_the_exports_of_its_range(owner):
    build_fixture(owner.studio)
    html = html_of(owner.web.get(URL, {"range": "this-year"}))
    assert 'href="?range=this-year&amp;export=revenue_by_type"' in html
    html = html_of(owner.web.get(URL, YEAR))
    assert 'href="?from=2026-01-01&amp;to=2026-12-31&amp;export=popular_types"' in html


def test_csv_keeps_a_formula_looking_name_as_text(owner):
    make_package(owner.studio, NOW, name='=HYPERLINK("x")')
    rows = csv_rows(owner.web.get(URL, {"export": "popular_types"}))
    assert rows[1][0] == '\'=HYPERLINK("x")'


def test_an_unknown_export_or_bad_range_export_is_a_400(owner):
    assert owner.web.get(URL, {"export": "everything"}).status_code == 400
    assert owner.web.get(URL, {"export": "popular_types", "to": "nope"}).status_code == 400


def test_it_checks_the_role(trainer):
    assert trainer.web.get(URL).status_code == 403
    assert trainer.web.get(URL, {"export": "revenue_by_type"}).status_code == 403
    nav = html_of(trainer.web.get(reverse("core:dashboard")))
    assert URL not in nav


def test_the_owner_nav_marks_analytics_current(owner):
    html = html_of(owner.web.get(URL))
    assert f'<a href="{URL}" aria-current="page">Analytics</a>' in html


def test_it_requires_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/signin/" in response["Location"]


def test_it_checks_ownership(owner, outsider):
    build_fixture(owner.studio)
    make_package(
        outsider.studio, NOW, name="Charlie's ten", total_value_cents=77_700, total_sessions=10
    )
    html = html_of(outsider.web.get(URL))
    assert figure(html, "package_count") == "1" and figure(html, "revenue") == "$777.00"
    assert "Flex 12" not in html and "Charlie&#x27;s ten" in html


@pytest.mark.parametrize("size", [3, 40])
def test_it_runs_a_fixed_number_of_queries(owner, size, django_assert_max_num_queries):
    kinds = [PackageTypeFactory(studio=owner.studio, name=n) for n in ("Starter", "Elite")]
    client = ClientFactory(studio=owner.studio)
    for i in range(size):
        package = make_package(owner.studio, NOW, client=client, package_type=kinds[i % 2])
        TrainingSessionFactory(package=package, starts_at=at(owner.studio, 2026, 1 + i % 11, 3))
    # Session, user and membership, then the three analytics queries.
    with django_assert_max_num_queries(6):
        html = html_of(owner.web.get(URL))
    assert figure(html, "package_count") == str(size)
