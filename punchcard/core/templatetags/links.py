"""{% id_url 'packages:detail' package.pk %}: `{% url %}` for the one-id URLs of long lists, and
{% fixed_url 'packages:list' %} for the argument-free ones (the menu every page shows, and the
links that tags built in Python put on every row).

`{% url %}` walks the resolver on every call, and a list page links each of its rows
two or three times. The URL of a view that takes one integer id is the same text around the id,
so it is reversed once (per view name and script prefix) and the id put in place after that.
"""

from functools import lru_cache

from django import template
from django.urls import get_script_prefix, reverse

register = template.Library()

_MARKER = 918273645  # an id no test or real row reaches, so it splits the URL unambiguously


@lru_cache(maxsize=128)
def _around_id(viewname: str, prefix: str) -> tuple[str, str]:
    url = reverse(viewname, args=[_MARKER])
    head, marker, tail = url.partition(str(_MARKER))
    if not marker or str(_MARKER) in tail:
        raise ValueError(f"{viewname} does not take exactly one id")
    return head, tail


def id_url(viewname: str, pk: int) -> str:
    head, tail = _around_id(viewname, get_script_prefix())
    return f"{head}{int(pk)}{tail}"


def id_urls(viewname: str):
    """id_url for the many ids of one list, the look-ups done once: `url = id_urls(name)`,
    then `url(pk)` for each row."""
    head, tail = _around_id(viewname, get_script_prefix())
    return lambda pk: f"{head}{int(pk)}{tail}"


@lru_cache(maxsize=128)
def _reversed(viewname: str, prefix: str) -> str:
    return reverse(viewname)


def fixed_url(viewname: str) -> str:
    """A URL without arguments, reversed once per view name and script prefix."""
    return _reversed(viewname, get_script_prefix())


register.simple_tag(id_url, name="id_url")
register.simple_tag(fixed_url, name="fixed_url")
