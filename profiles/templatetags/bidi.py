"""The two bidirectional-isolation filters every template has (a builtin library, see
``TEMPLATES`` in bzpeer/settings.py); profiles/bidi.py says which goes where."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString

from profiles import bidi as rules

register = template.Library()


@register.filter(is_safe=True)
def bdi(value: Any) -> SafeString | str:
    """``value``, escaped, in a ``<bdi>`` element; "" for an empty or missing value (so that
    ``|default`` still works before it)."""
    if value is None or value == "":
        return ""
    # conditional_escape keeps already-safe strings (e.g. linebreaksbr output) as they are.
    return format_html("<bdi>{}</bdi>", conditional_escape(_balanced(value)))


@register.filter(is_safe=True)
def isolate(value: Any) -> Any:
    """``value`` for a place without markup (title, attribute, option, plain text):
    between isolate characters when it holds right-to-left text or controls."""
    if value is None or value == "":
        return value
    if isinstance(value, SafeString):
        return SafeString(rules.isolate_text(value))
    return rules.isolate_text(str(value))


def _balanced(value: Any) -> Any:
    if isinstance(value, SafeString):
        return SafeString(rules.balance_isolates(value))
    return rules.balance_isolates(str(value))
