"""The API's cast: a record with works (one hidden by its owner), co-authors, a topic, an
institution, a trust score; users with emails, a claim with evidence, follows and a
conversation, none of which any API answer may show."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from claims import corrections
from collaboration import services as collaboration_services
from graph.trust_services import trust_recompute
from profiles.models import Follow, Researcher, ResearcherAlias
from tests import cast
from tests import factories as f
from works.models import Work

RLO = "\u202e"
HOSTILE_NAME = f'<b>Ada</b> "Quote" {{brace}} back\\slash {RLO}Example'
HIDDEN_TITLE = "A work the owner hid from their profile"
SECRET_NOTE = "secret-claim-note-7c1d"
SECRET_EVIDENCE = "https://www.example.edu/secret-evidence-9f2e"
SECRET_MESSAGE = "secret-conversation-message-41aa"
SECRET_SUBJECT = "secret-invitation-subject-0b3c"


@dataclass
class ApiSite:
    record: Researcher
    colleague: Researcher
    gone: Researcher
    alias: str
    topic: str
    works: list[Work]  # the record's visible works
    hidden: Work
    emails: list[str]
    secrets: list[str]


@pytest.fixture
def api_site(db) -> ApiSite:
    record = f.record(name=HOSTILE_NAME, works=0)
    colleague = f.researcher("Close Colleague")
    second = f.researcher("Second Colleague")
    topic = f.topic("Deep Topic")
    f.give_topic(record, topic, rank=1, works_count=3)
    works = []
    for n in range(25):
        authors = [record, colleague] if n % 2 else [record, second] if n % 5 == 0 else [record]
        work = f.work(authors, year=2000 + n % 7, title=f"Paper {n:02d}", cited_by_count=n * 7 % 11)
        works.append(work)
    f.tag(works[0], topic)
    many = f.work([record, *[f.stub(f"Author {i}") for i in range(30)]], year=2010, title="Thirty-one authors")
    works.append(many)
    hidden = f.work([record], title=HIDDEN_TITLE, year=2001)
    f.edges()
    ResearcherAlias.objects.create(openalex_id="A5999000001", researcher=record, reason=ResearcherAlias.Reason.MERGED)
    gone = f.researcher("Gone Person", record_status=Researcher.RecordStatus.DELETED)

    owner = cast.owner(record, method="evidence", evidence_url=SECRET_EVIDENCE, note=SECRET_NOTE)
    corrections.work_hide(owner=owner, researcher_id=record.pk, work_id=hidden.pk, reason="other", note=SECRET_NOTE)
    claimant = cast.claimant(colleague, evidence_url=SECRET_EVIDENCE + "/2", note=SECRET_NOTE + "-2")
    stranger = cast.stranger()
    Follow.objects.create(user=stranger, researcher=record)
    Follow.objects.create(user=claimant, researcher=colleague)
    Researcher.objects.filter(pk__in=[record.pk, colleague.pk]).update(open_to_collaborate=True)
    colleague_owner = cast.owner(colleague, "colleague_owner", method="evidence", evidence_url=SECRET_EVIDENCE)
    invitation = collaboration_services.invitation_send(
        sender=colleague_owner, recipient_record_id=record.pk, subject=SECRET_SUBJECT, message=SECRET_MESSAGE
    )
    chat = collaboration_services.invitation_accept(user=owner, invitation_id=invitation.pk)
    collaboration_services.message_send(sender=colleague_owner, conversation_id=chat.pk, body=SECRET_MESSAGE + "-2")
    trust_recompute(researcher_ids=[record.pk, colleague.pk, second.pk])
    record.refresh_from_db()
    users = [owner, claimant, stranger, colleague_owner]
    return ApiSite(
        record=record,
        colleague=colleague,
        gone=gone,
        alias="A5999000001",
        topic=topic.openalex_id,
        works=works,
        hidden=hidden,
        emails=[u.email for u in users],
        secrets=[SECRET_NOTE, SECRET_EVIDENCE, SECRET_MESSAGE, SECRET_SUBJECT, HIDDEN_TITLE, "@example.org"],
    )
