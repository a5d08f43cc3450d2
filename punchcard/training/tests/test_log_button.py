"""The one-click Log session form, wherever a page shows it."""

import re

import pytest
from django.urls import reverse

from punchcard.clients.tests.factories import ClientFactory
from punchcard.packages.tests.factories import PackageFactory

pytestmark = pytest.mark.django_db


def log_forms(html: str) -> list[str]:
    return re.findall(r'<form method="post" action="/sessions/log/".*?</form>', html, re.S)


def test_the_dashboard_button_posts_client_package_and_way_back(owner):
    client = ClientFactory(studio=owner.studio, name="Bo & <Co>")
    package = PackageFactory(studio=owner.studio, client=client, total_sessions=2)
    (form,) = log_forms(owner.web.get(reverse("core:dashboard")).content.decode())
    assert 'hx-post="/sessions/log/" hx-target="#log-result"' in form
    assert re.search(r'name="csrfmiddlewaretoken" value="\w{64}"', form)
    assert f'name="client" value="{client.pk}"' in form
    assert f'name="package" value="{package.pk}"' in form
    assert 'name="next" value="/"' in form and 'class="secondary"' in form
    assert '<span class="visually-hidden"> for Bo &amp; &lt;Co&gt;</span>' in form


def test_the_client_page_button_leaves_the_package_to_the_rule(owner):
    client = ClientFactory(studio=owner.studio, name="Ana")
    PackageFactory(studio=owner.studio, client=client)
    path = reverse("clients:detail", args=[client.pk])
    (form,) = log_forms(owner.web.get(path, {"tab": "x"}).content.decode())
    assert f'name="client" value="{client.pk}"' in form and 'name="package"' not in form
    assert f'name="next" value="{path}?tab=x"' in form and 'class=""' in form


def test_a_logged_form_logs(owner):
    client = ClientFactory(studio=owner.studio)
    package = PackageFactory(studio=owner.studio, client=client, total_sessions=2)
    (form,) = log_forms(owner.web.get(reverse("core:dashboard")).content.decode())
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form))
    response = owner.web.post(reverse("training:quick-log"), fields)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    package.refresh_from_db()
    assert package.sessions_used == 1
