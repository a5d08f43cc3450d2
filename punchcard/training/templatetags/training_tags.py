"""{% log_button client package css_class %}: the one-click "Log session" form, built in Python.

As a template it cost ~85 µs a button (the include, the csrf_token tag, reversing the URL), and
the dashboard shows eight and a search for a client up to twenty. training/_log_button.html
includes this tag, so every page gets the same markup.
"""

from html import escape

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.utils.safestring import SafeString

from punchcard.core.templatetags.links import fixed_url

register = template.Library()


@register.simple_tag(takes_context=True)
def log_button(context, client, package=None, css_class=""):
    """Log a session for `client` (against `package`, else by the rule); htmx shows the result
    in #log-result, and without JavaScript the form posts and comes back to this page."""
    return log_button_html(
        client,
        package,
        css_class,
        csrf=CsrfTokenNode().render(context),
        next_path=context["request"].get_full_path(),
    )


def log_button_html(client, package, css_class, *, csrf: str, next_path: str) -> SafeString:
    """The button's markup, for a list that renders the csrf input and the way back once."""
    url = escape(fixed_url("training:quick-log"))
    package_input = (
        f'<input type="hidden" name="package" value="{int(package.pk)}">' if package else ""
    )
    return SafeString(
        f'<form method="post" action="{url}" class="inline-form"'
        f' hx-post="{url}" hx-target="#log-result" hx-swap="innerHTML">\n'
        f"{csrf}\n"
        f'<input type="hidden" name="client" value="{int(client.pk)}">\n'
        f"{package_input}\n"
        f'<input type="hidden" name="next" value="{escape(next_path)}">\n'
        f'<button type="submit" class="{escape(css_class or "")}">Log session'
        f'<span class="visually-hidden"> for {escape(client.name)}</span></button>\n'
        "</form>"
    )
