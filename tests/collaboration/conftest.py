"""The collaboration cast: two owners (Ada owns the shared ``record``, Bo owns a second record
open to collaborate; they co-authored a work), a user without a claim, a stranger, a user
Bo blocked, and staff."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from collaboration import services
from collaboration.models import Block
from profiles.models import Researcher
from tests import cast
from tests import factories as f


@dataclass
class Collab:
    ada: Any  # owns ``ada_record``
    ada_record: Researcher
    bo: Any  # owns ``bo_record``, open to collaborate
    bo_record: Researcher
    no_claim: Any
    stranger: Any
    blocked: Any  # owns a record; Bo blocked them
    blocked_record: Researcher
    staff: Any


@pytest.fixture
def collab(record: Researcher) -> Collab:
    return make_collab(record)


def make_collab(record: Researcher) -> Collab:
    """The cast around ``record`` (Ada's); tests outside this folder build it with this."""
    bo_record = f.researcher("Bo Colleague", open_to_collaborate=True, orcid="")
    f.work([record, bo_record], title="A shared work")
    f.edges()
    blocked_record = f.researcher("Blocked Person", orcid="")
    blocked = cast.owner(blocked_record, "blocked")
    bo = cast.owner(bo_record, "bo")
    Block.objects.create(blocker=bo, blocked=blocked)
    return Collab(
        ada=cast.owner(record, "ada"),
        ada_record=record,
        bo=bo,
        bo_record=bo_record,
        no_claim=cast.verified_user("noclaim"),
        stranger=cast.stranger(),
        blocked=blocked,
        blocked_record=blocked_record,
        staff=cast.staff(),
    )


def client_of(user: Any) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def invite(c: Collab, **fields: Any) -> Any:
    return services.invitation_send(
        sender=c.ada,
        recipient_record_id=c.bo_record.pk,
        subject=fields.pop("subject", "Work together?"),
        message=fields.pop("message", "I liked our shared work."),
        **fields,
    )


def conversation(c: Collab) -> Any:
    return services.invitation_accept(user=c.bo, invitation_id=invite(c).pk)
