"""collaboration.views: the card's six states, the invite form, invitations, conversations and
their poll (204 from one Redis GET and no query; the database when Redis is down), the
header's unread count, strangers, CSRF, limits."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client, RequestFactory

from collaboration import selectors, services, stamps
from collaboration.context_processors import unread
from collaboration.models import Invitation, Message, Report
from profiles.models import Researcher
from tests import factories as f
from tests.collaboration.conftest import Collab, client_of, conversation, invite
from tests.redis_outage import free_port, redis_at

pytestmark = pytest.mark.django_db


def card_text(client: Client, record: Researcher) -> str:
    response = client.get(f"/researchers/{record.openalex_id}/collaboration/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    text = response.content.decode()
    assert text.lstrip().startswith('<section class="card" id="direct-collaboration"')
    return text


# --- The card ------------------------------------------------------------------------------------


def test_the_card_has_six_states_in_order(collab: Collab, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    unclaimed = f.researcher("Nobody Claimed", open_to_collaborate=True)
    assert "Claim this author entity first to unlock direct invitations." in card_text(client_of(collab.bo), unclaimed)
    assert "Your invitations" in card_text(client_of(collab.bo), collab.bo_record)
    assert "Log in</a> to invite" in card_text(Client(), collab.bo_record)
    assert "claim your own record first" in card_text(client_of(collab.no_claim), collab.bo_record)
    # A blocked viewer reads the closed record's sentence: the block is not told.
    blocked_view = card_text(client_of(collab.blocked), collab.bo_record)
    assert "not open to collaboration invitations right now" in blocked_view and "from you" not in blocked_view
    assert "not open to collaboration" in card_text(client_of(collab.bo), collab.ada_record)
    ada = client_of(collab.ada)
    with django_assert_num_queries(5):  # the session with its user, record, owner, viewer's record, facts
        assert "Invite to collaborate" in card_text(ada, collab.bo_record)


def test_the_card_escapes_record_text(collab: Collab) -> None:
    Researcher.objects.filter(pk=collab.bo_record.pk).update(display_name='<script>alert("x")</script>')
    page = Client().get(f"/researchers/{collab.bo_record.openalex_id}/collaboration/")
    assert page.status_code == 200
    assert b"<script>alert" not in page.content and b"&lt;script&gt;" in page.content


def test_the_profile_page_shows_the_card(collab: Collab) -> None:
    page = client_of(collab.ada).get(f"/researchers/{collab.bo_record.openalex_id}/")
    assert b"Invite to collaborate" in page.content


# --- Inviting ------------------------------------------------------------------------------------


def test_the_invite_form_opens_in_place_and_sends(collab: Collab) -> None:
    ada = client_of(collab.ada)
    url = f"/researchers/{collab.bo_record.openalex_id}/invite/"
    fragment = ada.get(url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and b"<form" in fragment.content and b"<html" not in fragment.content
    response = ada.post(url, {"subject": "Together?", "message": "Our shared work was fun."})
    sent = Invitation.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/invitations/{sent.pk}/"


def test_a_refused_invitation_says_why_and_writes_nothing(collab: Collab) -> None:
    url = f"/researchers/{collab.bo_record.openalex_id}/invite/"
    response = client_of(collab.blocked).post(url, {"subject": "Hi", "message": "Hello"})
    assert response.status_code == 400
    assert b"not open to collaboration invitations right now" in response.content
    response = client_of(collab.ada).post(url, {"subject": "Hi", "message": "x" * 2001})
    assert response.status_code == 400
    assert not Invitation.objects.exists()


def test_a_forged_sender_field_is_ignored(collab: Collab) -> None:
    url = f"/researchers/{collab.bo_record.openalex_id}/invite/"
    client_of(collab.ada).post(url, {"subject": "Hi", "message": "Hello", "sender": collab.blocked.pk})
    assert Invitation.objects.get().sender_id == collab.ada.pk


def test_an_invitation_over_the_limit_is_429_with_retry_after(collab: Collab, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from core.limits import Rate

    monkeypatch.setattr("collaboration.rules.INVITES_YOUNG", (Rate(0 + 1, 86400),))
    other = f.researcher("Open Other", open_to_collaborate=True, orcid="")
    from tests import cast

    cast.owner(other, "other")
    invite(collab)
    response = client_of(collab.ada).post(
        f"/researchers/{other.openalex_id}/invite/", {"subject": "Hi", "message": "Hello"}
    )
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0 and b"Try again in" in response.content
    assert Invitation.objects.count() == 1


def test_a_post_without_csrf_is_refused(collab: Collab) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(collab.ada)
    response = client.post(
        f"/researchers/{collab.bo_record.openalex_id}/invite/", {"subject": "Hi", "message": "Hello"}
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists()


# --- Invitations and strangers -------------------------------------------------------------------


def test_it_returns_404_for_strangers_on_every_invitation_url(collab: Collab) -> None:
    sent = invite(collab)
    for user in (collab.stranger, collab.staff, collab.no_claim):
        client = client_of(user)
        assert client.get(f"/invitations/{sent.pk}/").status_code == 404
        for action in ("accept", "decline", "block"):
            assert client.post(f"/invitations/{sent.pk}/{action}/").status_code == 404
        assert client.get(f"/invitations/{sent.pk}/report/").status_code == 404
    assert client_of(collab.ada).post(f"/invitations/{sent.pk}/accept/").status_code == 404  # the sender
    assert Invitation.objects.get().state == "pending"


def test_the_recipient_accepts_in_one_click(collab: Collab) -> None:
    sent = invite(collab)
    bo = client_of(collab.bo)
    assert b"Work together?" in bo.get(f"/invitations/{sent.pk}/").content
    response = bo.post(f"/invitations/{sent.pk}/accept/")
    assert response.status_code == 302 and response["Location"].startswith("/conversations/")


# --- Conversations -------------------------------------------------------------------------------


def poll_url(page: bytes) -> str:
    match = re.search(rb'id="poller" data-hx-get="([^"]+)"', page)
    assert match, "no poller"
    return match.group(1).decode().replace("&amp;", "&")


def test_it_returns_404_for_strangers_and_staff_on_every_conversation_url(collab: Collab) -> None:
    opened = conversation(collab)
    services.message_send(sender=collab.ada, conversation_id=opened.pk, body="Private")
    for user in (collab.stranger, collab.staff, collab.no_claim):
        client = client_of(user)
        assert client.get(f"/conversations/{opened.pk}/").status_code == 404
        assert client.post(f"/conversations/{opened.pk}/", {"body": "Hi"}).status_code == 404
        assert client.get(f"/conversations/{opened.pk}/poll/?after=0&v=0").status_code == 404
        for action in ("leave", "block"):
            assert client.post(f"/conversations/{opened.pk}/{action}/").status_code == 404
        assert client.get(f"/conversations/{opened.pk}/report/").status_code == 404
    assert Message.objects.count() == 1


def test_a_poll_with_nothing_new_is_204_from_one_redis_read_and_no_query(
    collab: Collab, django_assert_num_queries, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    opened = conversation(collab)
    bo = client_of(collab.bo)
    url = poll_url(bo.get(f"/conversations/{opened.pk}/").content)
    stamps.conversation_set(opened.pk, 1)
    with django_assert_num_queries(0):
        response = bo.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert "no-store" in response["Cache-Control"]
    with django_capture_on_commit_callbacks(execute=True):
        services.message_send(sender=collab.ada, conversation_id=opened.pk, body="News from Ada")
    news = bo.get(url, headers={"HX-Request": "true"})
    assert news.status_code == 200 and b"News from Ada" in news.content
    assert b'data-hx-swap-oob="beforeend:#messages"' in news.content
    with django_assert_num_queries(0):
        assert bo.get(poll_url(news.content), headers={"HX-Request": "true"}).status_code == 204


def test_a_poll_token_of_another_conversation_or_user_gets_no_answer(collab: Collab) -> None:
    opened = conversation(collab)
    url = poll_url(client_of(collab.bo).get(f"/conversations/{opened.pk}/").content)
    stamps.conversation_set(opened.pk, 1)
    assert client_of(collab.stranger).get(url).status_code == 204  # a leaked token tells "no change", no more
    forged = url.replace("t=", "t=x")
    assert client_of(collab.stranger).get(forged).status_code == 404
    assert Client().get(forged).status_code == 404


def test_the_poll_reads_the_database_when_redis_is_down(collab: Collab) -> None:
    opened = conversation(collab)
    bo = client_of(collab.bo)
    url = poll_url(bo.get(f"/conversations/{opened.pk}/").content)
    with redis_at(f"redis://127.0.0.1:{free_port()}/0"):
        assert bo.get(url, headers={"HX-Request": "true"}).status_code == 204
        services.message_send(sender=collab.ada, conversation_id=opened.pk, body="During the outage")
        news = bo.get(url, headers={"HX-Request": "true"})
        assert news.status_code == 200 and b"During the outage" in news.content
        page = bo.get("/invitations/")
        assert page.status_code == 200


def test_the_header_shows_the_unread_count_from_one_redis_read(collab: Collab, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    invite(collab)
    bo = client_of(collab.bo)  # logging in stamps the count (collaboration.receivers)
    assert re.search(rb'id="unread-count">1<', bo.get("/claims/").content)
    stamps.unread_set(collab.bo.pk, 7)
    assert re.search(rb'id="unread-count">7<', bo.get("/claims/").content)
    request = RequestFactory().get("/")
    request.user = collab.bo
    with django_assert_num_queries(0):
        assert unread(request)["collaboration_unread"]() == 7
    with redis_at(f"redis://127.0.0.1:{free_port()}/0"), django_assert_num_queries(2):
        assert unread(request)["collaboration_unread"]() == 1  # the database
    anonymous = RequestFactory().get("/")
    anonymous.user = AnonymousUser()
    assert unread(anonymous) == {}
    assert b'id="unread-count"' not in Client().get("/").content


def test_a_message_posted_with_htmx_returns_the_composer_and_triggers_a_poll(collab: Collab) -> None:
    opened = conversation(collab)
    response = client_of(collab.ada).post(
        f"/conversations/{opened.pk}/", {"body": "Hello"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and response["HX-Trigger"] == "collaboration-sent"
    assert Message.objects.get().body == "Hello"


def test_messages_over_the_limit_get_429(collab: Collab) -> None:
    opened = conversation(collab)
    ada = client_of(collab.ada)
    for n in range(10):
        ada.post(f"/conversations/{opened.pk}/", {"body": f"m{n}"})
    response = ada.post(f"/conversations/{opened.pk}/", {"body": "eleven"}, headers={"HX-Request": "true"})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert Message.objects.count() == 10


def test_after_a_block_the_blocked_cannot_write(collab: Collab) -> None:
    opened = conversation(collab)
    assert client_of(collab.bo).post(f"/conversations/{opened.pk}/block/").status_code == 302
    response = client_of(collab.ada).post(f"/conversations/{opened.pk}/", {"body": "Hello?"})
    assert response.status_code == 400 and b"closed" in response.content
    assert not Message.objects.exists()


def test_leaving_tells_the_other(collab: Collab) -> None:
    opened = conversation(collab)
    client_of(collab.bo).post(f"/conversations/{opened.pk}/leave/")
    assert b"left the conversation" in client_of(collab.ada).get(f"/conversations/{opened.pk}/").content


def test_the_conversation_opens_with_the_invitation_it_came_from(collab: Collab) -> None:
    """Accepting must not lose the invitation's words: both sides see them above the messages,
    escaped, and a stranger sees nothing of them."""
    topic = f.topic("Shared <b>Topic</b>")
    f.give_topic(collab.bo_record, topic, rank=1)
    sent = invite(collab, message="Let us write <script>x</script> a paper\non B.", about_topic_id=topic.pk)
    opened = services.invitation_accept(user=collab.bo, invitation_id=sent.pk)
    sent.refresh_from_db()
    assert sent.why_you  # computed from the graph when it was sent
    bo_page = client_of(collab.bo).get(f"/conversations/{opened.pk}/").content.decode()
    opening = bo_page[bo_page.index('id="invitation-opening"') : bo_page.index('id="messages"')]
    assert "The invitation from <bdi>Ada" in opening and "Why you: " in opening
    assert "Let us write &lt;script&gt;x&lt;/script&gt; a paper<br>on B." in opening
    assert f'href="/topics/{topic.openalex_id}/"><bdi>Shared &lt;b&gt;Topic&lt;/b&gt;</bdi></a>' in opening
    ada_page = client_of(collab.ada).get(f"/conversations/{opened.pk}/").content.decode()
    assert "Your invitation" in ada_page and "Why them: " in ada_page and "a paper<br>on B." in ada_page
    assert client_of(collab.stranger).get(f"/conversations/{opened.pk}/").status_code == 404


def test_a_long_conversation_opens_on_its_last_page(collab: Collab) -> None:
    opened = conversation(collab)
    Message.objects.bulk_create(
        Message(conversation=opened, sender=collab.ada, body=f"message {n}") for n in range(300)
    )
    page = client_of(collab.bo).get(f"/conversations/{opened.pk}/")
    assert b"message 299" in page.content and b"message 249" not in page.content
    assert b"Earlier messages" in page.content
    assert b'id="invitation-opening"' not in page.content  # it opens the first page only
    first = client_of(collab.bo).get(f"/conversations/{opened.pk}/?before={Message.objects.order_by('id')[50].pk}")
    assert b'id="invitation-opening"' in first.content and b"message 0" in first.content


# --- Reports and moderation ----------------------------------------------------------------------


def test_a_report_goes_to_moderators_and_its_status_to_the_reporter_only(collab: Collab) -> None:
    opened = conversation(collab)
    services.message_send(sender=collab.ada, conversation_id=opened.pk, body="Spam spam")
    response = client_of(collab.bo).post(f"/conversations/{opened.pk}/report/", {"reason": "spam", "note": "Ads"})
    report = Report.objects.get()
    assert response["Location"] == f"/reports/{report.pk}/"
    assert client_of(collab.ada).get(f"/reports/{report.pk}/").status_code == 404
    assert client_of(collab.staff).get(f"/reports/{report.pk}/").status_code == 404
    staff = client_of(collab.staff)
    assert b"Spam spam" in staff.get(f"/moderation/reports/{report.pk}/").content
    assert client_of(collab.stranger).get(f"/moderation/reports/{report.pk}/").status_code == 403
    staff.post(f"/moderation/reports/{report.pk}/decide/", {"decision": "warn", "message": "Stop."})
    assert b"The account was warned" in client_of(collab.bo).get(f"/reports/{report.pk}/").content
    assert b"Account warned" in staff.get("/moderation/reports/log/").content
    assert b"/moderation/reports/" in staff.get("/moderation/").content


def test_unsubscribe_needs_a_valid_token_and_a_post(collab: Collab) -> None:
    from collaboration.models import NoticeOptOut

    token = services.unsubscribe_token(collab.bo.pk)
    assert Client().get("/notices/unsubscribe/forged/").status_code == 404
    assert Client().get(f"/notices/unsubscribe/{token}/").status_code == 200
    assert not NoticeOptOut.objects.exists()
    Client().post(f"/notices/unsubscribe/{token}/")
    assert NoticeOptOut.objects.filter(user=collab.bo).exists()


def test_hostile_message_cursors_are_ignored_not_a_500(collab: Collab) -> None:
    opened = conversation(collab)
    ada = client_of(collab.ada)
    for value in ("\u00b2", "99999999999999999999", "-3"):
        assert ada.get(f"/conversations/{opened.pk}/", {"before": value}).status_code == 200
        assert ada.get(f"/conversations/{opened.pk}/poll/", {"after": value, "v": "x"}).status_code in (200, 204)


def test_a_head_request_marks_nothing_read(collab: Collab) -> None:
    opened = conversation(collab)
    services.message_send(sender=collab.ada, conversation_id=opened.pk, body="Unread until opened")
    bo = client_of(collab.bo)
    assert bo.head(f"/conversations/{opened.pk}/").status_code == 200
    assert selectors.unread_count(collab.bo.pk) == 1
    bo.get(f"/conversations/{opened.pk}/")
    assert selectors.unread_count(collab.bo.pk) == 0
