import pytest
from django.urls import reverse, set_script_prefix

from punchcard.core.templatetags.links import fixed_url, id_url


@pytest.mark.parametrize("viewname", ["clients:detail", "packages:detail", "packages:edit"])
@pytest.mark.parametrize("pk", [1, 7, 918273, 10**12])
def test_id_url_is_what_reverse_gives(viewname, pk):
    assert id_url(viewname, pk) == reverse(viewname, args=[pk])


def test_id_url_follows_the_script_prefix():
    try:
        set_script_prefix("/studio/")
        assert id_url("packages:detail", 5) == reverse("packages:detail", args=[5])
        assert id_url("packages:detail", 5).startswith("/studio/")
    finally:
        set_script_prefix("/")
    assert id_url("packages:detail", 5) == reverse("packages:detail", args=[5])


def test_id_url_refuses_a_view_without_one_id():
    with pytest.raises(Exception):  # noqa: B017 - NoReverseMatch for no argument, or ValueError
        id_url("packages:list", 5)


def test_fixed_url_is_what_reverse_gives_under_any_script_prefix():
    assert fixed_url("training:quick-log") == reverse("training:quick-log")
    try:
        set_script_prefix("/studio/")
        assert fixed_url("training:quick-log") == reverse("training:quick-log")
        assert fixed_url("training:quick-log").startswith("/studio/")
    finally:
        set_script_prefix("/")
