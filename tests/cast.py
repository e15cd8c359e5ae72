"""The cast: the accounts tests sign in as, each built with the state its role implies
(healthchecks' hc/test.py does the same with alice, bob and charlie).

tests/conftest.py turns each role into a fixture of the same name, around the shared ``record``
(``factories.record()``: Ada Example, A5000000001, ORCID ``ORCID``, Example University at
example.edu, two works). A test that needs a second account of a role, or a role on another
record, calls the builder here: ``cast.owner(other_record, "other_owner")``.

* ``anonymous``: not signed in (a fixture only: a fresh ``Client``).
* ``verified_user``: a verified primary email and nothing else.
* ``claimant``: verified, with an open (pending, evidence) claim on the record.
* ``owner``: verified, owns the record (an approved claim).
* ``stranger``: verified, no relation to the record.
* ``staff``: a moderator.

Every account's email is ``<name>@example.org`` and its password ``PASSWORD``. Roles are built
straight through the ORM, like the rest of the test data: a claim row and no audit event, no
mail. A test about what submitting or deciding writes goes through the service itself.
"""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from django.utils import timezone

from claims.models import Claim
from profiles.models import Researcher
from tests.factories import ORCID

PASSWORD = "correct horse battery staple"
OTHER_ORCID = "0000-0001-5109-3700"  # a valid iD that is not the record's
EVIDENCE = "https://www.example.edu/people/ada"  # the claimant's evidence link
NOTE = "My department page lists my papers."  # the claimant's note to the moderator


# --- Helpers ----------------------------------------------------------------------------------


def account(name: str, **extra: Any) -> Any:
    """A bare account: no email address row, so neither verified nor unverified. Tests about
    unverified accounts start here and add the unverified address themselves."""
    return get_user_model().objects.create_user(
        username=name, email=f"{name}@example.org", password=PASSWORD, **extra
    )


def verify(user: Any, email: str | None = None) -> EmailAddress:
    """Give ``user`` a verified email address: their own as the primary one by default, or
    ``email`` as a further one."""
    return EmailAddress.objects.create(user=user, email=email or user.email, verified=True, primary=email is None)


def sign_in_with_orcid(user: Any, orcid: str = ORCID) -> SocialAccount:
    """What allauth's ORCID provider stores after a successful sign-in (uid = the bare iD)."""
    return SocialAccount.objects.create(
        user=user, provider="orcid", uid=orcid, extra_data={"orcid-identifier": {"path": orcid}}
    )


def _open_or_owned(record: Researcher) -> bool:
    return Claim.objects.filter(researcher=record, state__in=[*Claim.OPEN_STATES, Claim.State.APPROVED]).exists()


# --- The roles: each line above a builder says what the role may see and do ------------------


# Follows anyone and may file a claim; sees no one else's claim and no moderation page.
def verified_user(name: str = "verified") -> Any:
    user = account(name)
    verify(user)
    return user


# Sees their claim's status, evidence and note, may withdraw it or add evidence; cannot edit or moderate.
def claimant(record: Researcher, name: str = "claimant", **claim: Any) -> Any:
    user = verified_user(name)
    fields = {"method": "evidence", "evidence_url": EVIDENCE, "note": NOTE, "is_dispute": _open_or_owned(record)}
    Claim.objects.create(user=user, researcher=record, state=Claim.State.PENDING, **{**fields, **claim})
    return user


# Edits the record (bio, name, collaboration, hidden works), reverts own changes, releases it; cannot moderate.
def owner(record: Researcher, name: str = "owner", *, method: str | None = None, **claim: Any) -> Any:
    """The approved claim is by ORCID sign-in when the record carries an iD, else by evidence."""
    user = verified_user(name)
    method = method or ("orcid" if record.orcid else "evidence")
    fields: dict[str, Any] = {"method": method, "decided_at": timezone.now()}
    if method == "orcid":
        fields["orcid"] = record.orcid
    Claim.objects.create(user=user, researcher=record, state=Claim.State.APPROVED, **{**fields, **claim})
    return user


# Views, follows, may dispute; never sees another's claim, never edits or moderates (permission tests' user).
def stranger(name: str = "stranger") -> Any:
    return verified_user(name)


# A moderator: the queue, claims with evidence, the audit log; decides, revokes, reverts, imports; never edits.
def staff(name: str = "staff") -> Any:
    user = account(name, is_staff=True)
    verify(user)
    return user
