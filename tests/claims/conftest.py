"""Fixtures of the claim tests: a record with an institution and works (``factories.record``), verified accounts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount

from profiles.models import Claim, Researcher
from tests import factories as f
from tests.factories import ORCID

OTHER_ORCID = "0000-0001-5109-3700"


def verify(user: Any, email: str | None = None) -> EmailAddress:
    """Give ``user`` a verified email address (their own by default)."""
    return EmailAddress.objects.create(user=user, email=email or user.email, verified=True, primary=email is None)


def sign_in_with_orcid(user: Any, orcid: str = ORCID) -> SocialAccount:
    """What allauth's ORCID provider stores after a successful sign-in (uid = the bare iD)."""
    return SocialAccount.objects.create(
        user=user, provider="orcid", uid=orcid, extra_data={"orcid-identifier": {"path": orcid}}
    )


@pytest.fixture
def record(db) -> Researcher:
    return f.record()


@pytest.fixture
def verified(db) -> Callable[..., EmailAddress]:
    return verify


@pytest.fixture
def owned(record: Researcher, owner) -> Claim:
    """``owner`` owns ``record`` (approved through ORCID sign-in)."""
    from django.utils import timezone

    verify(owner)
    return Claim.objects.create(
        user=owner, researcher=record, state="approved", method="orcid", orcid=ORCID, decided_at=timezone.now()
    )
