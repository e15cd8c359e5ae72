"""What the database itself guarantees: one owner per record, one approved and one open claim
per account, bounded fields, and an audit log nobody can change or delete (also not through
Django admin)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test import Client

from claims.models import Claim, ClaimAuditEvent
from profiles.models import Researcher
from tests import cast
from tests import factories as f

pytestmark = pytest.mark.django_db


def _claim(user, researcher: Researcher, state: str, **extra) -> Claim:
    return Claim.objects.create(user=user, researcher=researcher, state=state, **extra)


def _refused(make) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def test_a_record_has_at_most_one_owner(record, owner, stranger) -> None:
    # ``owner`` holds the approved claim.
    _refused(lambda: _claim(stranger, record, "approved"))
    _claim(stranger, record, "pending")  # a second, open claim is allowed: it is a dispute
    _claim(stranger, record, "revoked")


def test_an_account_holds_one_approved_and_one_open_claim(record, owner) -> None:
    other = f.record("A5000000002")
    third = f.record("A5000000003")
    # ``owner`` holds the approved claim on ``record``.
    _refused(lambda: _claim(owner, other, "approved"))
    _claim(owner, other, "pending")
    _refused(lambda: _claim(owner, third, "pending"))
    _refused(lambda: _claim(owner, third, "needs_evidence"))
    _claim(owner, third, "rejected")
    _claim(owner, third, "withdrawn")


def test_states_methods_links_and_notes_are_checked(record, verified_user) -> None:
    _refused(lambda: _claim(verified_user, record, "maybe"))
    _refused(lambda: _claim(verified_user, record, "pending", method="telepathy"))
    _refused(lambda: _claim(verified_user, record, "pending", evidence_url="javascript:alert(1)"))
    _refused(lambda: _claim(verified_user, record, "pending", note="x" * 1001))
    _refused(lambda: _claim(verified_user, record, "rejected", message="x" * 2001))
    _claim(verified_user, record, "pending", evidence_url="https://example.edu/ada", note="x" * 1000)


# --- The audit log is append-only --------------------------------------------------------------


def test_the_audit_log_refuses_updates_and_deletes_in_the_database(record, verified_user) -> None:
    event = ClaimAuditEvent.objects.create(kind="submitted", actor=verified_user, researcher=record, message="original")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        ClaimAuditEvent.objects.filter(pk=event.pk).update(message="rewritten")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        event.delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM profiles_claimauditevent")
    event.refresh_from_db()
    assert event.message == "original"
    ClaimAuditEvent.objects.create(kind="withdrawn", actor=verified_user, researcher=record)  # appending still works
    assert ClaimAuditEvent.objects.count() == 2


def test_the_log_outlives_what_it_names(record, claimant) -> None:
    """No foreign-key constraint and no cascade: deleting an account leaves its log entries."""
    claim = claimant.claims.get()
    ClaimAuditEvent.objects.create(kind="submitted", actor=claimant, claim=claim, researcher=record)
    claimant.delete()  # the claim goes with the account; the event stays, naming the old ids
    assert not Claim.objects.exists()
    event = ClaimAuditEvent.objects.get()
    assert (event.claim_id, event.researcher_id) == (claim.pk, record.pk)


def test_django_admin_shows_claims_and_the_log_read_only(client: Client, record, claimant) -> None:
    admin = cast.account("root", is_staff=True, is_superuser=True)  # Django admin's superuser, not a moderator
    cast.verify(admin)  # the admin opens only for staff with a verified email address
    claim = claimant.claims.get()
    event = ClaimAuditEvent.objects.create(
        kind="submitted", actor=claimant, claim=claim, researcher=record, message="m"
    )
    client.force_login(admin)
    for model in ("claim", "claimauditevent", "profilecorrection"):
        assert client.get(f"/admin/claims/{model}/").status_code == 200
        assert client.get(f"/admin/claims/{model}/add/").status_code == 403
    assert client.get(f"/admin/claims/claimauditevent/{event.pk}/change/").status_code == 200
    assert client.get(f"/admin/claims/claim/{claim.pk}/change/").status_code == 200
    # Changing or deleting, even by a superuser, is refused and changes nothing.
    response = client.post(f"/admin/claims/claimauditevent/{event.pk}/change/", {"message": "rewritten"})
    assert response.status_code == 403
    assert client.post(f"/admin/claims/claimauditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.post(f"/admin/claims/claim/{claim.pk}/delete/", {"post": "yes"}).status_code == 403
    bulk = client.post(
        "/admin/claims/claimauditevent/", {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"}
    )
    assert bulk.status_code in (200, 302)
    event.refresh_from_db()
    claim.refresh_from_db()
    assert (event.message, claim.state) == ("m", "pending")
