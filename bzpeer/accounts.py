"""One way in: allauth's log-in, with axes' lockout, for everyone, staff included.

* ``/admin/login/`` checks no password: it sends visitors to allauth's log-in (keeping
  ``next``), so wrong passwords are counted in one place whichever page they came from, and
  a locked account is locked everywhere.
* ``/admin/`` opens for active staff whose email address is verified (allauth's
  ``EmailAddress``): a password alone, or an address nobody confirmed, is not enough.
* axes keeps the failures in PostgreSQL and asks this module who an attempt is for
  (:func:`login_username`) and what a locked-out visitor sees (:func:`login_locked_out`);
  allauth asks :class:`AccountAdapter` for the client address, which is
  ``bzpeer.http.client_ip`` like every other limit.
* allauth's rate limits answer with :func:`rate_limited` (``bzpeer.urls.handler429``).
* Account emails (confirmation, password reset, "unknown account", "account already exists")
  link to ``SITE_URL`` and name its host (:class:`AccountAdapter`): allauth would build them
  from the request's ``Host`` header, which whoever fills in the form chooses, and name the
  ``django.contrib.sites`` row.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.core.internal import ratelimit as allauth_ratelimit
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.admin import AdminSite
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from bzpeer.http import absolute_url, client_ip, too_many_requests, try_again_phrase


@dataclass(frozen=True)
class PublicSite:
    """What allauth's email templates read of ``current_site``."""

    name: str
    domain: str


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request: HttpRequest) -> str:
        """The client address for allauth's rate limits: the one rule (bzpeer.http)."""
        return client_ip(request)

    def get_email_confirmation_url(self, request: HttpRequest | None, emailconfirmation: Any) -> str:
        """The confirmation link, under SITE_URL, carrying the ``next`` the sign-up form had
        (a path of this site only): confirming lands where the person started, even in
        another browser than the one they signed up in (the confirm page posts it on)."""
        url = absolute_url(reverse("account_confirm_email", args=[emailconfirmation.key]))
        next_url = _next_path(request)
        return f"{url}?{urlencode({REDIRECT_FIELD_NAME: next_url})}" if next_url else url

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


def _next_path(request: HttpRequest | None) -> str:
    """The ``next`` of ``request`` (form, else query string) when it is a path on this site."""
    if request is None:
        return ""
    value = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME) or ""
    if not value.startswith("/") or not url_has_allowed_host_and_scheme(value, allowed_hosts=None):
        return ""
    return value


# --- The admin ---------------------------------------------------------------------------------


class StaffAdminSite(AdminSite):
    """Django's admin behind allauth's log-in, for verified staff only."""

    def has_permission(self, request: HttpRequest) -> bool:
        if not super().has_permission(request):
            return False
        email = getattr(request.user, "email", "")
        return EmailAddress.objects.filter(user_id=request.user.pk, email__iexact=email, verified=True).exists()

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        """No password form here: allauth's log-in (with its lockout) and back to ``next``.
        A signed-in visitor the admin does not admit gets 403 and why (sending them to log in
        again would loop: allauth sends signed-in visitors straight back)."""
        next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            next_url = reverse("admin:index", current_app=self.name)
        if self.has_permission(request):
            return redirect(next_url)
        if request.user.is_authenticated:
            return render(request, "admin_denied.html", status=403)
        return redirect_to_login(next_url, reverse("account_login"))


# --- The lockout (axes) ------------------------------------------------------------------------


def login_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """Whom a log-in attempt is for, as axes counts failures: the email address typed,
    trimmed and lower-cased (allauth finds accounts by email whatever its case, so
    "Ada@X.org" and "ada@x.org" are one account and one count)."""
    credentials = credentials or {}
    login = credentials.get("email") or credentials.get("username") or request.POST.get("login")
    return login.strip().lower() if isinstance(login, str) and login.strip() else None


def login_locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """The page of a refused log-in while its account is locked: 429 and when it lifts."""
    username = login_username(request, credentials)
    now = timezone.now()
    cool_off = settings.AXES_COOLOFF_TIME
    retry_at = now + cool_off
    # The lock holds while the failures newer than the cool-off reach the limit: it lifts
    # when the row that makes the newest failures reach it grows older than the cool-off.
    failures = 0
    for attempt_time, count in (
        AccessAttempt.objects.filter(username=username, attempt_time__gt=now - cool_off)
        .order_by("-attempt_time")
        .values_list("attempt_time", "failures_since_start")
    ):
        failures += count
        if failures >= settings.AXES_FAILURE_LIMIT:
            retry_at = attempt_time + cool_off
            break
    return too_many_requests(
        request,
        message=(
            f"Too many wrong passwords for this account: it is locked, and every password is refused "
            f"until the lock lifts. Try again {try_again_phrase(retry_at, now)}."
        ),
        retry_after=max(1, int((retry_at - now).total_seconds())),
        context={"back_url": reverse("account_reset_password"), "back_label": "Reset your password"},
    )


# --- allauth's rate limits ---------------------------------------------------------------------

# allauth's view (URL name) -> its rate-limit action and the form field its "key" rates use.
_ALLAUTH_ACTIONS = {
    "account_login": ("login", None),
    "account_signup": ("signup", None),
    "account_reset_password": ("reset_password", "email"),
    "account_reset_password_from_key": ("reset_password_from_key", None),
}


def rate_limited(request: HttpRequest) -> HttpResponse:
    """allauth's 429 (``handler429`` of the URLconf): the page, with when to try again."""
    wait = _allauth_wait(request)
    now = timezone.now()
    return too_many_requests(
        request,
        message=(
            "Too many attempts from your network in a short time. "
            f"Try again {try_again_phrase(now + timedelta(seconds=wait), now)}."
        ),
        retry_after=wait,
    )


def _allauth_wait(request: HttpRequest) -> int:
    """Seconds until allauth counts this request again: read from its own rate-limit history
    (the cache) for the view's action; the longest window of the action if that fails."""
    match = request.resolver_match
    action, key_field = _ALLAUTH_ACTIONS.get((match.url_name or "") if match else "", ("", None))
    rates = allauth_ratelimit.get_rates(app="allauth.account", action=action) if action else []
    key = str(request.POST.get(key_field, "")).lower() if key_field else None
    now = time.time()
    waits = [0.0]
    for rate in rates:
        if rate.per == "user" or (rate.per == "key" and not key):
            continue
        cache_key = allauth_ratelimit.get_cache_key(
            request, app="allauth.account", action=action, rate=rate, key=key
        )
        recent = [at for at in cache.get(cache_key, []) if at > now - rate.duration]
        if len(recent) >= rate.amount:
            waits.append(sorted(recent, reverse=True)[rate.amount - 1] + rate.duration - now)
    wait = max(waits)
    if wait <= 0:
        wait = max((rate.duration for rate in rates), default=60)
    return max(1, int(wait + 0.999))

