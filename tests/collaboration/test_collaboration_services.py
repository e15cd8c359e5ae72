"""collaboration.services and rules: who may invite whom, refusals that write nothing, limits,
conversations, blocks, reports, the append-only moderation log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from collaboration import rules, selectors, services, stamps
from collaboration.models import (
    Block,
    Conversation,
    Invitation,
    Message,
    ModerationEvent,
    Policy,
    Report,
    Suspension,
)
from core.limits import RateLimited
from profiles.models import Researcher
from tests import cast
from tests import factories as f
from tests.collaboration.conftest import Collab, conversation, invite
from tests.outbox import run_outbox

pytestmark = pytest.mark.django_db


def refused(c: Collab, sender, record, match: str, **fields) -> None:  # type: ignore[no-untyped-def]
    before = Invitation.objects.count()
    with pytest.raises(services.Refused, match=match):
        services.invitation_send(
            sender=sender,
            recipient_record_id=record.pk,
            subject=fields.get("subject", "Hello"),
            message=fields.get("message", "Shall we?"),
            about_topic_id=fields.get("about_topic_id"),
        )
    assert Invitation.objects.count() == before


# --- Who may invite whom ----------------------------------------------------------------------


def test_an_owner_invites_an_open_claimed_record_with_a_why_you_line(collab: Collab) -> None:
    sent = invite(collab)
    assert (sent.sender_id, sent.recipient_id, sent.recipient_record_id) == (
        collab.ada.pk,
        collab.bo.pk,
        collab.bo_record.pk,
    )
    assert sent.state == Invitation.State.PENDING
    assert sent.why_you == "You share 1 work."
    assert selectors.unread_count(collab.bo.pk) == 1


def test_the_why_you_line_names_shared_coauthors_and_topics(collab: Collab) -> None:
    carol = f.researcher("Carol Third")
    f.work([collab.ada_record, carol])
    f.work([collab.bo_record, carol])
    f.edges()
    topic = f.topic("Graph theory")
    f.give_topic(collab.ada_record, topic, rank=1, works_count=1)
    f.give_topic(collab.bo_record, topic, rank=1, works_count=1)
    assert invite(collab).why_you == "You share 1 co-author (Carol Third), 1 work and the topic Graph theory."


def test_it_refuses_an_invitation_to_oneself(collab: Collab) -> None:
    refused(collab, collab.ada, collab.ada_record, "yourself")


def test_it_refuses_a_sender_without_a_record_of_their_own(collab: Collab) -> None:
    refused(collab, collab.no_claim, collab.bo_record, "Claim your own record first")


def test_it_refuses_an_unclaimed_record(collab: Collab) -> None:
    refused(collab, collab.ada, f.researcher("Nobody Claimed", open_to_collaborate=True), "not claimed")


def test_it_refuses_a_record_not_open_to_collaborate(collab: Collab) -> None:
    Researcher.objects.filter(pk=collab.bo_record.pk).update(open_to_collaborate=False)
    refused(collab, collab.ada, collab.bo_record, "not open")


def test_it_refuses_a_blocked_sender_without_telling_of_the_block(collab: Collab) -> None:
    # The sentence everyone reads of a record that is not open: the block is not told.
    closed = "^This researcher is not open to collaboration invitations right now.$"
    refused(collab, collab.blocked, collab.bo_record, closed)


def test_it_refuses_a_suspended_sender(collab: Collab) -> None:
    Suspension.objects.create(user=collab.ada)
    refused(collab, collab.ada, collab.bo_record, "suspended")


def test_it_refuses_a_second_pending_invitation_in_either_direction(collab: Collab) -> None:
    invite(collab)
    refused(collab, collab.ada, collab.bo_record, "already waiting")
    Researcher.objects.filter(pk=collab.ada_record.pk).update(open_to_collaborate=True)
    refused(collab, collab.bo, collab.ada_record, "already waiting")


def test_after_a_decline_the_sender_waits_30_days(collab: Collab) -> None:
    first = invite(collab)
    services.invitation_decline(user=collab.bo, invitation_id=first.pk)
    refused(collab, collab.ada, collab.bo_record, "declined your last invitation")
    Invitation.objects.filter(pk=first.pk).update(decided_at=timezone.now() - timedelta(days=31))
    assert invite(collab).state == Invitation.State.PENDING


def test_decline_and_block_stops_every_later_invitation(collab: Collab) -> None:
    first = invite(collab)
    services.invitation_decline(user=collab.bo, invitation_id=first.pk, block=True)
    assert Block.objects.filter(blocker=collab.bo, blocked=collab.ada).exists()
    Invitation.objects.filter(pk=first.pk).update(decided_at=timezone.now() - timedelta(days=60))
    refused(collab, collab.ada, collab.bo_record, "not open to collaboration")


@pytest.mark.parametrize(
    ("policy", "admits_ada"),
    [("any", True), ("nobody", False), ("l3", True), ("coauthors", True)],
)
def test_the_policy_decides_who_may_invite(collab: Collab, policy: str, admits_ada: bool) -> None:
    Policy.objects.create(researcher=collab.bo_record, policy=policy)
    if admits_ada:
        assert invite(collab).pk
    else:
        refused(collab, collab.ada, collab.bo_record, "not open")


def test_the_l3_policy_refuses_a_sender_whose_record_is_unverified(collab: Collab) -> None:
    Policy.objects.create(researcher=collab.bo_record, policy="l3")
    Researcher.objects.filter(pk=collab.ada_record.pk).update(record_status="deleted")  # L0 whatever the claim
    refused(collab, collab.ada, collab.bo_record, "L3 or higher")


def test_the_coauthor_policy_admits_coauthors_of_coauthors_and_no_one_further(collab: Collab) -> None:
    Policy.objects.create(researcher=collab.bo_record, policy="coauthors")
    far_record = f.researcher("Far Away", orcid="")
    far = cast.owner(far_record, "far")
    refused(collab, far, collab.bo_record, "co-authors")
    f.work([far_record, collab.ada_record])  # Ada co-authored with both
    f.edges()
    sent = services.invitation_send(sender=far, recipient_record_id=collab.bo_record.pk, subject="Hi", message="Hello")
    assert sent.sender_id == far.pk


def test_over_long_text_and_foreign_topics_are_refused(collab: Collab) -> None:
    refused(collab, collab.ada, collab.bo_record, "limit is", message="x" * (rules.MESSAGE_MAX + 1))
    refused(collab, collab.ada, collab.bo_record, "Write a subject", subject="   ")
    other_topic = f.topic("Not Bo's")
    refused(collab, collab.ada, collab.bo_record, "researcher's topics", about_topic_id=other_topic.pk)


def test_young_accounts_send_5_invitations_a_day_and_then_get_when_to_try_again(collab: Collab) -> None:
    for n in range(5):
        record = f.researcher(f"Open {n}", open_to_collaborate=True, orcid="")
        cast.owner(record, f"open{n}")
        services.invitation_send(sender=collab.ada, recipient_record_id=record.pk, subject="Hi", message="Hello")
    sixth = f.researcher("Sixth", open_to_collaborate=True, orcid="")
    cast.owner(sixth, "sixth")
    with pytest.raises(RateLimited) as limited:
        services.invitation_send(sender=collab.ada, recipient_record_id=sixth.pk, subject="Hi", message="Hello")
    assert limited.value.rate == rules.INVITES_YOUNG[0]
    assert limited.value.retry_after > 0
    assert Invitation.objects.filter(sender=collab.ada).count() == 5


def test_older_accounts_get_20_a_day() -> None:
    assert rules.invite_rates(timedelta(days=8)) == rules.INVITES
    assert rules.invite_rates(timedelta(days=2)) == rules.INVITES_YOUNG


# --- Conversations -------------------------------------------------------------------------------


def test_accepting_opens_a_conversation_of_the_two(collab: Collab) -> None:
    opened = conversation(collab)
    assert sorted(opened.members.values_list("user_id", flat=True)) == sorted([collab.ada.pk, collab.bo.pk])
    assert selectors.conversation_page(opened.pk, collab.stranger.pk) is None
    assert selectors.conversation_page(opened.pk, collab.staff.pk) is None
    assert selectors.unread_count(collab.bo.pk) == 0


def test_only_the_recipient_answers_and_only_once(collab: Collab) -> None:
    sent = invite(collab)
    with pytest.raises(Invitation.DoesNotExist):
        services.invitation_accept(user=collab.ada, invitation_id=sent.pk)
    with pytest.raises(Invitation.DoesNotExist):
        services.invitation_accept(user=collab.stranger, invitation_id=sent.pk)
    services.invitation_accept(user=collab.bo, invitation_id=sent.pk)
    with pytest.raises(services.Refused, match="already answered"):
        services.invitation_decline(user=collab.bo, invitation_id=sent.pk)


def test_messages_count_as_unread_for_the_other_until_read(collab: Collab) -> None:
    opened = conversation(collab)
    message = services.message_send(sender=collab.ada, conversation_id=opened.pk, body="Hello Bo")
    assert selectors.unread_count(collab.bo.pk) == 1
    assert selectors.unread_count(collab.ada.pk) == 0
    services.conversation_read(user_id=collab.bo.pk, conversation_id=opened.pk, up_to=message.pk)
    assert selectors.unread_count(collab.bo.pk) == 0


def test_a_message_raises_the_version_and_its_redis_stamp(collab: Collab, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    opened = conversation(collab)
    with django_capture_on_commit_callbacks(execute=True):
        services.message_send(sender=collab.ada, conversation_id=opened.pk, body="Hello")
    opened.refresh_from_db()
    assert opened.version == 2
    assert stamps.conversation_get(opened.pk) == 2
    assert stamps.unread_get(collab.bo.pk) == 1


def test_strangers_cannot_write_and_nothing_is_written(collab: Collab) -> None:
    opened = conversation(collab)
    with pytest.raises(Conversation.DoesNotExist):
        services.message_send(sender=collab.stranger, conversation_id=opened.pk, body="Let me in")
    assert not Message.objects.exists()


def test_messages_are_bounded_and_not_empty(collab: Collab) -> None:
    opened = conversation(collab)
    with pytest.raises(services.Refused, match="limit is"):
        services.message_send(sender=collab.ada, conversation_id=opened.pk, body="x" * (rules.BODY_MAX + 1))
    with pytest.raises(services.Refused, match="Write a message"):
        services.message_send(sender=collab.ada, conversation_id=opened.pk, body=" \n ")
    assert not Message.objects.exists()


def test_ten_messages_a_minute_then_when_to_try_again(collab: Collab) -> None:
    opened = conversation(collab)
    for n in range(10):
        services.message_send(sender=collab.ada, conversation_id=opened.pk, body=f"m{n}")
    with pytest.raises(RateLimited) as limited:
        services.message_send(sender=collab.ada, conversation_id=opened.pk, body="eleven")
    assert 0 < limited.value.retry_after <= 60
    assert Message.objects.count() == 10


def test_after_leaving_no_one_can_write(collab: Collab) -> None:
    opened = conversation(collab)
    services.conversation_leave(user=collab.bo, conversation_id=opened.pk)
    with pytest.raises(services.Refused, match="closed"):
        services.message_send(sender=collab.ada, conversation_id=opened.pk, body="Still there?")
    with pytest.raises(services.Refused, match="You left"):
        services.message_send(sender=collab.bo, conversation_id=opened.pk, body="Oops")
    page = selectors.conversation_page(opened.pk, collab.ada.pk)
    assert page is not None and page.closed and page.other.left_at is not None


def test_a_block_closes_the_conversation_and_a_suspension_stops_messages(collab: Collab) -> None:
    opened = conversation(collab)
    services.block(user=collab.bo, blocked_id=collab.ada.pk)
    with pytest.raises(services.Refused, match="closed"):
        services.message_send(sender=collab.ada, conversation_id=opened.pk, body="Hello?")
    second = f.researcher("Open Two", open_to_collaborate=True, orcid="")
    owner_two = cast.owner(second, "two")
    Researcher.objects.filter(pk=collab.ada_record.pk).update(open_to_collaborate=True)
    chat = services.invitation_accept(
        user=collab.ada,
        invitation_id=services.invitation_send(
            sender=owner_two, recipient_record_id=collab.ada_record.pk, subject="Hi", message="Hello"
        ).pk,
    )
    Suspension.objects.create(user=owner_two)
    with pytest.raises(services.Refused, match="suspended"):
        services.message_send(sender=owner_two, conversation_id=chat.pk, body="Hello")
    assert not Message.objects.exists()


# --- Reports and the moderation log --------------------------------------------------------------


def test_a_report_hands_moderators_the_messages_up_to_then_only(collab: Collab) -> None:
    opened = conversation(collab)
    first = services.message_send(sender=collab.ada, conversation_id=opened.pk, body="Rude words")
    report = services.report_file(reporter=collab.bo, reason="harassment", conversation_id=opened.pk)
    services.message_send(sender=collab.bo, conversation_id=opened.pk, body="After the report")
    assert (report.reported_id, report.up_to_message_id) == (collab.ada.pk, first.pk)
    page = selectors.report_page(report.pk)
    assert page is not None and [m.body for m in page.messages] == ["Rude words"]
    assert ModerationEvent.objects.get().kind == ModerationEvent.Kind.REPORTED


def test_only_the_recipient_reports_an_invitation(collab: Collab) -> None:
    sent = invite(collab)
    for user in (collab.ada, collab.stranger, collab.staff):
        with pytest.raises(Invitation.DoesNotExist):
            services.report_file(reporter=user, reason="spam", invitation_id=sent.pk)
    assert not Report.objects.exists()


def test_ten_reports_a_day(collab: Collab) -> None:
    opened = conversation(collab)
    for _ in range(10):
        services.report_file(reporter=collab.bo, reason="spam", conversation_id=opened.pk)
    with pytest.raises(RateLimited):
        services.report_file(reporter=collab.bo, reason="spam", conversation_id=opened.pk)
    assert Report.objects.count() == 10


def test_suspend_decision_suspends_messaging_and_is_logged_once(collab: Collab) -> None:
    opened = conversation(collab)
    report = services.report_file(reporter=collab.bo, reason="spam", conversation_id=opened.pk)
    services.report_decide(moderator=collab.staff, report_id=report.pk, decision="suspend", message="Spam.")
    assert Suspension.objects.filter(user=collab.ada).exists()
    assert list(ModerationEvent.objects.order_by("id").values_list("kind", flat=True)) == ["reported", "suspended"]
    with pytest.raises(services.Refused, match="already decided"):
        services.report_decide(moderator=collab.staff, report_id=report.pk, decision="dismiss")


def test_the_moderation_log_is_append_only_in_the_database(collab: Collab) -> None:
    opened = conversation(collab)
    services.report_file(reporter=collab.bo, reason="spam", conversation_id=opened.pk)
    event = ModerationEvent.objects.get()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        ModerationEvent.objects.filter(pk=event.pk).update(message="changed")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        ModerationEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE collaboration_moderationevent SET kind = 'dismissed'")
    assert ModerationEvent.objects.get().message == ""


def test_a_warning_is_emailed_to_the_reported_account_through_the_outbox(collab: Collab, mailoutbox) -> None:  # type: ignore[no-untyped-def]
    opened = conversation(collab)
    report = services.report_file(reporter=collab.bo, reason="spam", conversation_id=opened.pk)
    services.report_decide(moderator=collab.staff, report_id=report.pk, decision="warn", message="No ads, please.")
    assert mailoutbox == []  # after the commit, on a worker
    run_outbox()
    assert [m.to for m in mailoutbox] == [[collab.ada.email]]
    assert "No ads, please." in mailoutbox[0].body and "warning" in mailoutbox[0].subject.lower()
    assert not Suspension.objects.exists()


def test_a_sender_cannot_invite_someone_they_blocked(collab: Collab) -> None:
    services.block(user=collab.ada, blocked_id=collab.bo.pk)
    refused(collab, collab.ada, collab.bo_record, "not open to collaboration")


def test_decline_and_block_closes_an_earlier_conversation_at_once(
    collab: Collab, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    opened = conversation(collab)
    version = Conversation.objects.get(pk=opened.pk).version
    Invitation.objects.filter(conversation=opened).update(decided_at=timezone.now() - timedelta(days=60))
    Researcher.objects.filter(pk=collab.bo_record.pk).update(open_to_collaborate=True)
    Invitation.objects.update(state=Invitation.State.DECLINED)
    again = invite(collab)
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_decline(user=collab.bo, invitation_id=again.pk, block=True)
    # What a block does: the shared conversation's version moves (its open pages learn it is closed).
    assert Conversation.objects.get(pk=opened.pk).version > version
    assert stamps.conversation_get(opened.pk) == Conversation.objects.get(pk=opened.pk).version
    with pytest.raises(services.Refused):
        services.message_send(sender=collab.ada, conversation_id=opened.pk, body="Still there?")


def test_a_moderator_cannot_decide_a_report_they_filed(collab: Collab) -> None:
    opened = conversation(collab)
    report = services.report_file(reporter=collab.bo, reason="spam", conversation_id=opened.pk)
    with pytest.raises(services.Refused, match="you filed"):
        services.report_decide(moderator=collab.bo, report_id=report.pk, decision="suspend")
    assert not Suspension.objects.exists() and Report.objects.get().state == Report.State.OPEN


def test_a_stamp_read_from_the_database_never_replaces_a_newer_one() -> None:
    stamps.conversation_set(999_001, 5)  # a writer, after its commit
    stamps.conversation_set(999_001, 4, if_missing=True)  # a reader that read before that commit
    assert stamps.conversation_get(999_001) == 5
    stamps.unread_set(999_002, 3)
    stamps.unread_set(999_002, 1, if_missing=True)
    assert stamps.unread_get(999_002) == 3
    stamps.conversation_set(999_003, 2, if_missing=True)  # none there: the reader fills it
    assert stamps.conversation_get(999_003) == 2
