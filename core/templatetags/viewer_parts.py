"""``{% viewer_part "name" %}...{% endviewer_part %}``: a region of a cached page that depends
on who looks at it (core/page_cache.py). Rendered for the cache (the context holds the
parts' marker), the region comes out between markers with its name, so that
:func:`core.page_cache.respond` can put a signed-in visitor's own region in its place;
rendered otherwise, it is its content and nothing more."""

from __future__ import annotations

from django import template
from django.template.base import FilterExpression, Parser, Token
from django.template.context import Context
from django.utils.safestring import SafeString, mark_safe

from core.page_cache import PART_MARKER

register = template.Library()


class ViewerPartNode(template.Node):
    def __init__(self, name: FilterExpression, nodelist: template.NodeList) -> None:
        self.name = name
        self.nodelist = nodelist

    def render(self, context: Context) -> SafeString:
        marker = context.get(PART_MARKER)
        with context.push({PART_MARKER: ""}):  # a part inside a part is just its content
            content = self.nodelist.render(context)
        if not marker:
            return mark_safe(content)  # noqa: S308 (rendered by the template engine, escaped there)
        name = str(self.name.resolve(context))
        return mark_safe(f"{marker}{name}{marker}{content}{marker}")  # noqa: S308 (markers and a template's name)


@register.tag
def viewer_part(parser: Parser, token: Token) -> ViewerPartNode:
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("viewer_part takes one argument: the part's name")
    nodelist = parser.parse(("endviewer_part",))
    parser.delete_first_token()
    return ViewerPartNode(parser.compile_filter(bits[1]), nodelist)
