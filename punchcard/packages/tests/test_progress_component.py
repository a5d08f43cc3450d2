"""{% progress %}: the sessions bar every package page, list and balance link shows."""

from datetime import date, timedelta

import pytest
from django.template import Context, Template

from punchcard.packages.models import Package
from punchcard.packages.rules import state as package_state_on

TODAY = date(2026, 11, 24)


def render(package: Package, **options) -> str:
    state = package_state_on(package, today=TODAY, threshold=2)
    args = " ".join(f"{key}={value}" for key, value in options.items())
    template = Template("{% load packages_tags %}{% progress package state " + args + " %}")
    return template.render(Context({"package": package, "state": state}))


def package(used: int, total: int = 10, **fields) -> Package:
    return Package(
        name=fields.pop("name", "Ten pack"),
        total_sessions=total,
        sessions_used=used,
        sessions_remaining=total - used,
        total_value_cents=100_000,
        **fields,
    )


def test_plain_bar_says_used_and_left_in_words_and_aria():
    html = render(package(3))
    assert 'class="progress"' in html
    assert 'aria-label="Sessions used: Ten pack"' in html
    assert 'aria-valuemax="10" aria-valuenow="3"' in html
    assert 'aria-valuetext="3 of 10 used, 7 left"' in html
    assert 'style="width: 30%"' in html
    assert "3 of 10 used · 7 left</span>" in html


@pytest.mark.parametrize(("flags", "shown"), [("True", True), ("False", False)])
def test_running_low_is_a_class_and_words_unless_flags_are_off(flags, shown):
    html = render(package(9), flags=flags)
    assert "progress is-low" in html
    assert ("· running low" in html) is shown


def test_overage_caps_the_bar_and_says_how_many_over():
    html = render(package(12))
    assert "is-over" in html and "is-low" not in html
    assert 'aria-valuenow="10"' in html and "2 over" in html
    assert 'style="width: 100%"' in html


def test_expired_and_big():
    html = render(package(4, expiry_date=TODAY - timedelta(days=1)), big="True")
    assert 'class="progress progress-big is-expired"' in html
    assert "· expired" in html


def test_the_package_name_is_escaped():
    html = render(package(1, name='<b>"Pack"</b>'))
    assert "<b>" not in html
    assert "Sessions used: &lt;b&gt;&quot;Pack&quot;&lt;/b&gt;" in html
