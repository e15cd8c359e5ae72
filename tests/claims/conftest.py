"""Fixtures of the claim tests: a record with an institution and works, verified accounts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount

from claims.models import Claim
from profiles.models import Institution, Researcher, ResearcherAffiliation
from works.models import Authorship, Work

ORCID = "0000-0002-1825-0097"  # the ORCID documentation's example iD (valid check digit)
OTHER_ORCID = "0000-0001-5109-3700"


def verify(user: Any, email: str | None = None) -> EmailAddress:
    """Give ``user`` a verified email address (their own by default)."""
    return EmailAddress.objects.create(user=user, email=email or user.email, verified=True, primary=email is None)


def sign_in_with_orcid(user: Any, orcid: str = ORCID) -> SocialAccount:
    """What allauth's ORCID provider stores after a successful sign-in (uid = the bare iD)."""
    return SocialAccount.objects.create(
        user=user, provider="orcid", uid=orcid, extra_data={"orcid-identifier": {"path": orcid}}
    )


def make_record(
    openalex_id: str = "A5000000001",
    *,
    orcid: str = ORCID,
    domains: list[str] | None = None,
    works: int = 2,
    name: str = "Ada Example",
) -> Researcher:
    researcher = Researcher.objects.create(
        openalex_id=openalex_id,
        display_name=name,
        orcid=orcid,
        record_status="imported",
        generated_bio="Works on examples at Example University.",
    )
    institution, _ = Institution.objects.get_or_create(
        openalex_id="I100", defaults={"display_name": "Example University", "email_domains": domains or ["example.edu"]}
    )
    ResearcherAffiliation.objects.create(
        researcher=researcher, institution=institution, years=[2024, 2025], is_last_known=True, source="affiliations"
    )
    for n in range(works):
        work = Work.objects.create(
            openalex_id=f"W{openalex_id[1:]}{n}",
            title=f"Paper {n} of {name}",
            type="article",
            publication_year=2020 + n,
        )
        Authorship.objects.create(work=work, position=0, researcher=researcher, raw_author_name=name)
    return researcher


@pytest.fixture
def record(db) -> Researcher:
    return make_record()


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
