"""Direct collaboration pages: the profile card (also an htmx fragment), the invite form, the
owner's policy, invitations, conversations with their poll, blocks, reports, unsubscribe.

Anonymous visitors are sent to log in and back. An invitation, conversation or report that
is not yours is "not found" (404), for staff too: moderators read only what a report hands
them, on /moderation/reports/. Every write is a POST with CSRF, done by
collaboration.services; a refusal says why and writes nothing; over a limit, 429 with when
to try again.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from bzpeer.http import HtmxRequest, is_head, is_htmx_partial, too_many_requests, whole_number
from collaboration import rules, selectors, services, stamps
from collaboration.forms import InvitationForm, MessageForm, PolicyForm, ReportForm
from collaboration.models import Conversation, Invitation
from core.limits import RateLimited
from profiles.shortcuts import researcher_or_response

POLL_SALT = "collaboration.poll"


def _user(request: HtmxRequest) -> AbstractUser:
    return cast(AbstractUser, request.user)


def _uid(request: HtmxRequest) -> int:
    return int(request.user.pk or 0)


def _limited(request: HtmxRequest, limited: RateLimited, what: str, back: str) -> HttpResponse:
    message = f"You have sent too many {what} ({limited.rate}). Try again {limited.when}."
    return too_many_requests(
        request, message=message, retry_after=limited.retry_after, context={"back_url": back, "back_label": "Go back"}
    )


# --- The card, the invite form, the policy ----------------------------------------------------------


@require_safe
@vary_on_headers("HX-Request")
def card(request: HtmxRequest, researcher_id: str) -> HttpResponse:
    """The "Direct collaboration" card for this visitor: a fragment for htmx (the graph
    explorer's node panel), a small page otherwise."""
    researcher = researcher_or_response(request, researcher_id, view="collaboration:card")
    if isinstance(researcher, HttpResponse):
        return researcher
    context = {"card": selectors.card(request.user, researcher), "researcher": researcher}
    if is_htmx_partial(request):
        return render(request, "collaboration/card.html#direct-collaboration", context)
    return render(request, "collaboration/card_page.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@vary_on_headers("HX-Request")
def invite(request: HtmxRequest, researcher_id: str) -> HttpResponse:
    """The invitation form (in place of the card for htmx, a page without JS) and its send."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    researcher = researcher_or_response(request, researcher_id, view="collaboration:invite")
    if isinstance(researcher, HttpResponse):
        return researcher
    the_card = selectors.card(request.user, researcher)
    topics, works = selectors.invite_choices(researcher.pk)
    form = InvitationForm(request.POST or None, topics=topics, works=works)
    status = 200 if the_card.decision.may_invite else 403
    if request.method == "POST" and form.is_valid():
        try:
            sent = services.invitation_send(
                sender=_user(request),
                recipient_record_id=researcher.pk,
                subject=form.cleaned_data["subject"],
                message=form.cleaned_data["message"],
                about_topic_id=form.cleaned_data["about_topic"],
                about_work_id=form.cleaned_data["about_work"],
            )
        except RateLimited as limited:
            return _limited(request, limited, "invitations", reverse("pages:detail", args=[researcher.openalex_id]))
        except services.Refused as refused:
            form.add_error(None, str(refused))
            status = 400
        else:
            messages.success(request, "Your invitation is sent. You will see the answer here.")
            return redirect("collaboration:invitation", sent.pk)
    elif form.is_bound:
        status = 400
    context = {"card": the_card, "researcher": researcher, "form": form}
    template = "collaboration/invite.html#invite-form" if is_htmx_partial(request) else "collaboration/invite.html"
    return render(request, template, context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def policy(request: HtmxRequest, researcher_id: str) -> HttpResponse:
    """The owner chooses who may invite them (the record's flag "open to collaborate" stays
    on the owner's edit page)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    researcher = researcher_or_response(request, researcher_id, view="collaboration:policy")
    if isinstance(researcher, HttpResponse):
        return researcher
    if selectors.record_owner_id(researcher.pk) != request.user.pk:
        raise PermissionDenied("Only the record's owner chooses who may invite them.")
    form = PolicyForm(request.POST or {"policy": selectors.policy_of(researcher.pk)})
    if request.method == "POST" and form.is_valid():
        services.policy_set(owner=_user(request), researcher_id=researcher.pk, policy=form.cleaned_data["policy"])
        messages.success(request, "Saved: who may invite you.")
        return redirect("pages:detail", researcher.openalex_id)
    status = 400 if request.method == "POST" else 200
    return render(request, "collaboration/policy.html", {"researcher": researcher, "form": form}, status=status)


# --- Invitations ----------------------------------------------------------------------------------


@require_safe
def invitations(request: HtmxRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    received, sent = selectors.invitations_of(_uid(request))
    context = {"received": received, "sent": sent, "reports": selectors.reports_of(_uid(request))}
    return render(request, "collaboration/invitations.html", context)


def _invitation(request: HtmxRequest, invitation_id: int) -> Invitation:
    found = selectors.invitation_for(_uid(request), invitation_id)
    if found is None:
        raise Http404("No such invitation")
    return found


@require_safe
def invitation(request: HtmxRequest, invitation_id: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    found = _invitation(request, invitation_id)
    return render(
        request, "collaboration/invitation.html", {"invitation": found, "received": found.recipient_id == _uid(request)}
    )


@require_POST
def invitation_answer(request: HtmxRequest, invitation_id: int, answer: str) -> HttpResponse:
    """accept / decline / block (decline and block the sender), one click each."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("collaboration:invitation", args=[invitation_id]))
    try:
        if answer == "accept":
            conversation = services.invitation_accept(user=_user(request), invitation_id=invitation_id)
            return redirect("collaboration:conversation", conversation.pk)
        services.invitation_decline(user=_user(request), invitation_id=invitation_id, block=answer == "block")
    except Invitation.DoesNotExist:
        raise Http404("No such invitation") from None
    except services.Refused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, "Declined, and the sender is blocked." if answer == "block" else "Declined.")
    return redirect("collaboration:invitation", invitation_id)


# --- Conversations --------------------------------------------------------------------------------


def poll_token(conversation_id: int, user_id: int) -> str:
    """Proof, without a query, that the page was rendered for this participant."""
    return signing.Signer(salt=POLL_SALT).sign(f"{conversation_id}.{user_id}")


def _poll_user(token: str, conversation_id: int) -> int | None:
    try:
        value = signing.Signer(salt=POLL_SALT).unsign(token)
    except signing.BadSignature:
        return None
    conversation, _, user = value.partition(".")
    return int(user) if conversation == str(conversation_id) and user.isdigit() else None


def _conversation_context(
    page: selectors.ConversationPage, user_id: int, form: MessageForm | None = None
) -> dict[str, Any]:
    version = page.conversation.version
    return {
        "page": page,
        "form": form or MessageForm(),
        "version": version,
        "poll_token": poll_token(page.conversation.pk, user_id),
        "poll_seconds": rules.POLL_SECONDS,
        "after": page.last_id,
        "polling": False,
    }


@require_http_methods(["GET", "HEAD", "POST"])
@vary_on_headers("HX-Request")
def conversation(request: HtmxRequest, conversation_id: int) -> HttpResponse:
    """The conversation, on its last page (``?before=<id>`` for earlier ones); POST writes
    a message (htmx gets the composer back, and the poll brings the message)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    before = request.GET.get("before", "")
    page = selectors.conversation_page(conversation_id, _uid(request), before=whole_number(before))
    if page is None:
        raise Http404("No such conversation")
    form = MessageForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.message_send(
                    sender=_user(request), conversation_id=conversation_id, body=form.cleaned_data["body"]
                )
            except RateLimited as limited:
                return _message_limited(request, page, limited)
            except services.Refused as refused:
                form.add_error(None, str(refused))
            else:
                if not request.htmx:
                    return redirect("collaboration:conversation", conversation_id)
                response = render(
                    request, "collaboration/conversation.html#composer", {"page": page, "form": MessageForm()}
                )
                response["HX-Trigger"] = "collaboration-sent"
                return response
        status = 400
        if request.htmx:  # htmx swaps no 4xx (templates/base.html): the refusal comes as 200
            return render(request, "collaboration/conversation.html#composer", {"page": page, "form": form})
    elif page.messages and before == "" and not is_head(request):  # a HEAD (a link checker) reads nothing
        services.conversation_read(user_id=_uid(request), conversation_id=conversation_id, up_to=page.last_id)
    return render(
        request, "collaboration/conversation.html", _conversation_context(page, _uid(request), form), status=status
    )


def _message_limited(request: HtmxRequest, page: selectors.ConversationPage, limited: RateLimited) -> HttpResponse:
    message = f"You have sent too many messages ({limited.rate}). Try again {limited.when}."
    if request.htmx:
        form = MessageForm(request.POST)
        context: dict[str, Any] = {"page": page, "form": form, "limit_message": message}
        return too_many_requests(
            request,
            message=message,
            retry_after=limited.retry_after,
            template="collaboration/conversation.html#composer",
            context=context,
        )
    back = reverse("collaboration:conversation", args=[page.conversation.pk])
    return too_many_requests(
        request,
        message=message,
        retry_after=limited.retry_after,
        context={"back_url": back, "back_label": "Back to the conversation"},
    )


@require_safe
def conversation_poll(request: HtmxRequest, conversation_id: int) -> HttpResponse:
    """News for the open conversation (htmx, every few seconds): 204 when its version is
    still ``v``, decided from one Redis GET and no query when the signed token ``t`` names
    this conversation; otherwise the new messages (after ``after``) and its state, for a
    participant only (404 for anyone else). A database read when Redis fails."""
    version = request.GET.get("v", "")
    if _poll_user(request.GET.get("t", ""), conversation_id) is not None:
        stamped = stamps.conversation_get(conversation_id)
        if stamped is not None and str(stamped) == version:
            return _private(HttpResponse(status=204))
    if not request.user.is_authenticated:
        raise Http404("No such conversation")
    after = request.GET.get("after", "")
    page = selectors.conversation_page(conversation_id, _uid(request), after=whole_number(after) or 0)
    if page is None:
        raise Http404("No such conversation")
    stamps.conversation_set(conversation_id, page.conversation.version, if_missing=True)
    if str(page.conversation.version) == version:
        return _private(HttpResponse(status=204))
    last = page.last_id or whole_number(after) or 0
    if page.messages and not is_head(request):
        services.conversation_read(user_id=_uid(request), conversation_id=conversation_id, up_to=page.last_id)
    context = {**_conversation_context(page, _uid(request)), "after": last, "polling": True}
    return _private(render(request, "collaboration/conversation.html#poll", context))


def _private(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, private=True, no_store=True)
    return response


@require_POST
def conversation_leave(request: HtmxRequest, conversation_id: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("collaboration:conversation", args=[conversation_id]))
    try:
        services.conversation_leave(user=_user(request), conversation_id=conversation_id)
    except Conversation.DoesNotExist:
        raise Http404("No such conversation") from None
    messages.success(request, "You left the conversation.")
    return redirect("collaboration:conversations")


@require_POST
def conversation_block(request: HtmxRequest, conversation_id: int) -> HttpResponse:
    """Block the other participant: nothing more from them (they are not told)."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("collaboration:conversation", args=[conversation_id]))
    pair = selectors.memberships(conversation_id, _uid(request))
    if pair is None:
        raise Http404("No such conversation")
    services.block(user=_user(request), blocked_id=pair[1].user_id)
    messages.success(request, "Blocked: you will get no more invitations or messages from this account.")
    return redirect("collaboration:conversation", conversation_id)


@require_safe
def conversations(request: HtmxRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    received, _ = selectors.invitations_of(_uid(request))
    waiting = [i for i in received if i.state == Invitation.State.PENDING]
    context = {"memberships": selectors.conversations_of(_uid(request)), "waiting": waiting}
    return render(request, "collaboration/conversations.html", context)


# --- Reports --------------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def report(request: HtmxRequest, kind: str, object_id: int) -> HttpResponse:
    """Report an invitation received or a conversation one takes part in."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if kind == "invitation":
        found = selectors.invitation_for(_uid(request), object_id)
        if found is None or found.recipient_id != _uid(request):
            raise Http404("No such invitation")
        back = reverse("collaboration:invitation", args=[object_id])
    else:
        if selectors.memberships(object_id, _uid(request)) is None:
            raise Http404("No such conversation")
        back = reverse("collaboration:conversation", args=[object_id])
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        target = {"invitation_id": object_id} if kind == "invitation" else {"conversation_id": object_id}
        try:
            filed = services.report_file(
                reporter=_user(request), reason=form.cleaned_data["reason"], note=form.cleaned_data["note"], **target
            )
        except RateLimited as limited:
            return _limited(request, limited, "reports", back)
        messages.success(request, "Reported: a moderator will look at it. You can follow its status here.")
        return redirect("collaboration:report_status", filed.pk)
    status = 400 if form.is_bound else 200
    return render(request, "collaboration/report.html", {"form": form, "kind": kind, "back": back}, status=status)


@require_safe
def report_status(request: HtmxRequest, report_id: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    found = selectors.report_for_reporter(_uid(request), report_id)
    if found is None:
        raise Http404("No such report")
    return render(request, "collaboration/report_status.html", {"report": found})


# --- Unsubscribe ----------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HtmxRequest, token: str) -> HttpResponse:
    """The link in every notice: a page with one button (a GET changes nothing: mail
    scanners open links), no sign-in needed; the signed token names the account."""
    user_id = services.unsubscribe_user_id(token)
    if user_id is None:
        raise Http404("This link is not valid.")
    done = False
    if request.method == "POST":
        services.notices_stop(user_id=user_id)
        done = True
    return render(request, "collaboration/unsubscribe.html", {"done": done})
