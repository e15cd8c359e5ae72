"""django-allauth's account adapter: account emails (confirmation, password reset, "unknown
account", "account already exists") link to ``SITE_URL`` and name its host.

allauth builds these links from the request (its ``Host`` header, which whoever fills in
the form chooses: a reset mail for someone else's address would otherwise carry the sender's
host) and names the ``django.contrib.sites`` row (``example.com`` unless someone edits it).
Every link here comes from :func:`bzpeer.http.absolute_url` instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from bzpeer.http import absolute_url


@dataclass(frozen=True)
class PublicSite:
    """What allauth's email templates read of ``current_site``."""

    name: str
    domain: str


class AccountAdapter(DefaultAccountAdapter):
    def get_email_confirmation_url(self, request: HttpRequest | None, emailconfirmation: Any) -> str:
        return absolute_url(reverse("account_confirm_email", args=[emailconfirmation.key]))

    def get_reset_password_from_key_url(self, key: str) -> str:
        # allauth's own construction (its URL takes uidb36 and key joined by "-"), under SITE_URL.
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
        return absolute_url(path.replace("UID-KEY", quote(key)))

    def send_account_already_exists_mail(self, email: str) -> None:
        self.send_mail(
            "account/email/account_already_exists",
            email,
            {
                "signup_url": absolute_url(reverse("account_signup")),
                "password_reset_url": absolute_url(reverse("account_reset_password")),
            },
        )

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Every account email: the site it names is SITE_URL's host, and the sign-up link
        (which allauth's "unknown account" mail builds from the request) is under SITE_URL."""
        context = {**context, "current_site": PublicSite("BZPEER", urlsplit(settings.SITE_URL).netloc)}
        if "signup_url" in context:
            context["signup_url"] = absolute_url(reverse("account_signup"))
        super().send_mail(template_prefix, email, context)
