"""The package list's rows and sort links are built in Python; they must say what the template
code they replaced said, to the eye and to screen readers (whitespace aside)."""

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from punchcard.packages.forms import PackageFilterForm
from punchcard.packages.models import Package
from punchcard.packages.tests.factories import PackageFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 24)

# The row as package_list.html wrote it before {% package_rows %}.
ROW_TEMPLATE = """{% load packages_tags links %}{% for package in packages %}{% package_state package as state %}
<tr{% if package.deleted_at %} class="is-deleted"{% endif %}>
  <td><a href="{% url 'clients:detail' package.client_id %}">{{ package.client_name }}</a></td>
  <td><a href="{% url 'packages:detail' package.pk %}">{{ package.name }}</a>{% if package.is_primary %} <span class="badge badge-neutral">Primary</span>{% endif %}</td>
  <td>{% progress package state flags=False %}</td>
  <td><span class="badge badge-{{ state.status }}">{{ state.label }}</span>
    {% if state.near_completion %}<span class="badge badge-warn">Near completion</span>{% endif %}
    {% if state.expiring_soon %}<span class="badge badge-warn">Expiring soon</span>{% endif %}</td>
  <td class="num">{{ package.total_value_cents|money:studio.currency }}</td>
  <td class="num">{{ package.per_session_cents|money:studio.currency }}</td>
  <td>{% if package.expiry_date %}<time datetime="{{ package.expiry_date|date:'Y-m-d' }}">{{ package.expiry_date|date:"j M Y" }}</time>{% else %}<span class="muted">No expiry</span>{% endif %}</td>
</tr>{% endfor %}"""

SORT_LINK_TEMPLATE = """<a class="sort-link" href="{{ col.url }}" hx-get="{{ col.url }}" hx-target="#package-results" hx-push-url="true">{{ col.label }}<span aria-hidden="true" class="sort-arrow">{% if col.aria_sort == "ascending" %} ▲{% elif col.aria_sort == "descending" %} ▼{% endif %}</span><span class="visually-hidden">{% if col.aria_sort == "ascending" %} (sorted ascending, select to sort descending){% elif col.aria_sort == "descending" %} (sorted descending, select to sort ascending){% else %} (select to sort){% endif %}</span></a>"""


def squeeze(html: str) -> str:
    """Whitespace between and inside tags as a browser collapses it."""
    html = re.sub(r"\s+", " ", html)
    return re.sub(r"\s*(<|>)\s*", r"\1", html).strip()


def render(source: str, **context) -> str:
    return Template(source).render(Context(context))


def test_rows_say_what_the_row_template_said(studio):
    studio.currency = "EUR"
    studio.low_balance_threshold = 2
    soon, past = TODAY + timedelta(days=5), TODAY - timedelta(days=1)
    rows = [
        PackageFactory(studio=studio, name='<b>"Ten" & co</b>', client__name="O'Neil <i>"),
        PackageFactory(
            studio=studio, name="Low", total_sessions=3, sessions_used=2, is_primary=True
        ),
        PackageFactory(studio=studio, name="Over", total_sessions=2, sessions_used=3),
        PackageFactory(studio=studio, expiry_date=past, total_value_cents=99_999),
        PackageFactory(studio=studio, expiry_date=soon, total_sessions=7, total_value_cents=1),
        PackageFactory(studio=studio, name="", is_active=False, expiry_date=date(2027, 1, 5)),
        PackageFactory(studio=studio, deleted_at=timezone.now()),
    ]
    packages = list(
        Package.objects.filter(pk__in=[p.pk for p in rows])
        .annotate(client_name=F("client__name"))
        .order_by("id")
    )
    context = {"packages": packages, "studio": studio, "today": TODAY}

    built = render("{% load packages_tags %}{% package_rows packages %}", **context)

    assert squeeze(built) == squeeze(render(ROW_TEMPLATE, **context))
    assert "&lt;b&gt;&quot;Ten&quot; &amp; co&lt;/b&gt;" in built and "<b>" not in built
    assert "€999.99" in built and "5 Jan 2027" in built and 'class="is-deleted"' in built


@pytest.mark.parametrize("aria_sort", ["ascending", "descending", None])
def test_sort_link_says_what_the_sort_link_template_said(aria_sort):
    column = {"label": "Per session", "aria_sort": aria_sort, "url": "/packages/?q=a&sort=client"}

    built = render("{% load packages_tags %}{% sort_link col %}", col=column)

    assert built == render(SORT_LINK_TEMPLATE, col=column)
    assert 'href="/packages/?q=a&amp;sort=client"' in built


def test_list_page_links_each_row_and_sorts_by_words(owner):
    package = PackageFactory(studio=owner.studio, name="Standard", is_primary=True)
    html = owner.web.get(reverse("packages:list") + "?sort=-client").content.decode()
    assert f'href="{reverse("packages:detail", args=[package.pk])}"' in html
    assert f'href="{reverse("clients:detail", args=[package.client_id])}"' in html
    assert (
        'aria-sort="descending"' in html and "(sorted descending, select to sort ascending)" in html
    )
    assert f'href="{reverse("analytics:dashboard")}"' in html  # base.html's menu, for the owner


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"status": "expired", "active": "no", "include_deleted": "on"},
        {"status": "x", "active": "?"},
    ],
)
def test_filter_fields_say_what_django_widgets_say(query):
    form = PackageFilterForm(query, is_owner=True)
    for name in ("status", "active", "include_deleted"):
        built = render("{% load packages_tags %}{% filter_field field %}", field=form[name])
        assert squeeze(built) == squeeze(str(form[name])), name
    assert ("selected>Expired</option>" in str(form["status"])) is (
        query.get("status") == "expired"
    )


# The page and its count by one query (views.ListPaginator) ---------------------------------------


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
    from punchcard.studios import tallies

    PackageFactory.create_batch(30, studio=owner.studio, name="Bulk")
    PackageFactory.create_batch(3, studio=owner.studio, name="Odd", is_active=False)
    PackageFactory(studio=owner.studio, deleted_at=timezone.now())
    assert page_of(owner)[0].paginator.count == 33  # no tally row: counted
    tallies.recount([owner.studio.pk])
    assert page_of(owner, sort="client")[0].paginator.count == 33  # the tally
    assert page_of(owner, active="no")[0].paginator.count == 3
    assert page_of(owner, include_deleted="on")[0].paginator.count == 34
    assert "No package matches" in page_of(owner, q="nothing like it")[1]


def test_list_count_and_rows_come_by_one_query(owner):
    PackageFactory.create_batch(30, studio=owner.studio, is_active=False)
    with CaptureQueriesContext(connection) as captured:
        owner.web.get(reverse("packages:list"), {"active": "no"})
    reads = [q["sql"] for q in captured.captured_queries if "packages_package" in q["sql"]]
    assert len(reads) == 1 and "COUNT(*)" in reads[0]
