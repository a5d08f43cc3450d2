import pytest
from django.urls import reverse

from punchcard.studios.backends import StudioUserBackend
from punchcard.studios.tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_user_comes_with_membership_and_studio_in_one_query(django_assert_num_queries):
    membership = MembershipFactory()
    with django_assert_num_queries(1):
        user = StudioUserBackend().get_user(membership.user.pk)
        assert user.membership.studio.name == membership.studio.name


def test_an_inactive_or_unknown_user_is_nobody():
    membership = MembershipFactory(user__is_active=False)
    assert StudioUserBackend().get_user(membership.user.pk) is None
    assert StudioUserBackend().get_user(10**9) is None


def test_a_signed_in_page_costs_the_session_and_one_user_query(
    client, django_assert_max_num_queries
):
    membership = MembershipFactory()
    client.force_login(membership.user)
    with django_assert_max_num_queries(2 + 1) as queries:  # session, user, the page's own
        assert client.get(reverse("packages:type-list")).status_code == 200
    assert [q["sql"] for q in queries.captured_queries][1].count("JOIN") == 2


def test_a_user_without_a_studio_has_none_and_is_sent_to_sign_in(client):
    client.force_login(UserFactory())
    response = client.get(reverse("core:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("studios:signin"))
