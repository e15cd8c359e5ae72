"""``{% url %}`` remembers its reversals (core/templatetags/cached_url.py, a built-in that
replaces Django's tag in every template) and answers what Django's would: with arguments,
keyword arguments, ``as``, a script prefix, another URL configuration, a name that does not
reverse."""

from __future__ import annotations

import pytest
from django.http import HttpRequest, HttpResponse
from django.template import Context, Template, TemplateSyntaxError
from django.test import override_settings
from django.urls import NoReverseMatch, path, reverse, set_script_prefix
from django.urls.base import get_script_prefix

from core.templatetags.cached_url import CachedURLNode, _reverse


def render(source: str, **context: object) -> str:
    return Template(source).render(Context(context))


def test_the_tag_is_the_remembering_one_in_every_template() -> None:
    assert isinstance(Template("{% url 'pages:home' %}").nodelist[0], CachedURLNode)


def test_it_answers_what_reverse_answers_and_remembers_it() -> None:
    _reverse.cache_clear()
    for _ in range(3):
        assert render("{% url 'pages:detail' rid %}", rid="A123") == reverse("pages:detail", args=["A123"])
        assert render("{% url 'pages:detail' openalex_id=rid %}", rid="A9") == "/researchers/A9/"
        assert render("{% url 'pages:detail' rid as u %}[{{ u }}]", rid="A5") == "[/researchers/A5/]"
    info = _reverse.cache_info()
    assert info.misses == 3 and info.hits == 6
    # Different arguments are different answers, never a neighbour's.
    assert render("{% url 'pages:detail' rid %}", rid="A124") == "/researchers/A124/"


def test_arguments_are_escaped_as_django_escapes_them() -> None:
    assert render("{% url 'pages:detail' rid %}", rid="a b&c") == "/researchers/a%20b&amp;c/"
    unescaped = render("{% autoescape off %}{% url 'pages:detail' rid %}{% endautoescape %}", rid="a&c")
    assert unescaped == "/researchers/a&c/"


def test_a_name_that_does_not_reverse_raises_every_time_unless_as() -> None:
    for _ in range(2):
        with pytest.raises(NoReverseMatch):
            render("{% url 'pages:nothing-here' %}")
    assert render("{% url 'pages:nothing-here' as u %}[{{ u }}]") == "[]"
    with pytest.raises(TemplateSyntaxError):
        Template("{% url %}")


def test_the_script_prefix_and_the_url_configuration_are_part_of_the_answer() -> None:
    before = get_script_prefix()
    try:
        set_script_prefix("/mounted/")
        assert render("{% url 'pages:home' %}") == "/mounted/"
    finally:
        set_script_prefix(before)
    assert render("{% url 'pages:home' %}") == "/"
    with override_settings(ROOT_URLCONF=__name__):
        assert render("{% url 'elsewhere' %}") == "/somewhere-else/"
        with pytest.raises(NoReverseMatch):
            render("{% url 'pages:home' %}")
    assert render("{% url 'pages:home' %}") == "/"


def _view(request: HttpRequest) -> HttpResponse:  # never called: only reversed
    raise AssertionError


urlpatterns = [path("somewhere-else/", _view, name="elsewhere")]
