"""``{% url %}`` as Django's, with each reversal remembered by the process (a built-in of the
template engine, bzpeer/settings.py, so it replaces Django's tag in every template).

Reversing a name walks the URL patterns: about 30 µs each, and a signed-in visitor's parts
of a cached profile reverse nine (core/page_cache.py), a tenth of their cost. The answer
depends only on its inputs, the URL configuration in force, the script prefix and the
language, which are all in the key; names with arguments other than strings and integers
(none of ours) and names that do not reverse are passed to Django every time."""

from __future__ import annotations

import functools
from typing import Any

from django import template
from django.conf import settings
from django.template.base import Parser, Token
from django.template.context import Context
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape
from django.utils.translation import get_language

register = template.Library()


@functools.lru_cache(maxsize=8192)
def _reverse(
    view_name: str,
    args: tuple[str | int, ...],
    kwargs: tuple[tuple[str, str | int], ...],
    current_app: str | None,
    urlconf: str | None,
    root: str,
    prefix: str,
    language: str | None,
) -> str:
    return reverse(view_name, args=args, kwargs=dict(kwargs), current_app=current_app, urlconf=urlconf)


def cached_reverse(view_name: str, args: list[Any], kwargs: dict[str, Any], current_app: str | None) -> str:
    """``reverse(view_name, args, kwargs, current_app)``, remembered when every argument is a
    ``str`` or an ``int`` (as keys, 1, True and 1.0 are one; a model instance equals another
    of the same pk); NoReverseMatch is raised, never remembered."""
    urlconf = get_urlconf()
    if not all(type(value) in (str, int) for value in (*args, *kwargs.values())):
        return reverse(view_name, args=args, kwargs=kwargs, current_app=current_app, urlconf=urlconf)
    key = (tuple(args), tuple(sorted(kwargs.items())), current_app, urlconf, settings.ROOT_URLCONF)
    return _reverse(view_name, *key, get_script_prefix(), get_language())


class CachedURLNode(URLNode):
    def render(self, context: Context) -> str:
        """URLNode.render with :func:`cached_reverse` for ``reverse``."""
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        try:
            current_app = context.request.current_app  # type: ignore[attr-defined]
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace  # type: ignore[attr-defined]
            except AttributeError:
                current_app = None
        url = ""
        try:
            url = cached_reverse(view_name, args, kwargs, current_app)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser: Parser, token: Token) -> CachedURLNode:
    node = django_url(parser, token)
    return CachedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
