"""What the database itself guarantees: one owner per record, one approved and one open claim
per account, bounded fields, and an audit log nobody can change or delete (also not through
Django admin)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test import Client

from profiles.models import Claim, ClaimAuditEvent, Researcher
from tests import factories as f

pytestmark = pytest.mark.django_db


def _claim(user, researcher: Researcher, state: str, **extra) -> Claim:
    return Claim.objects.create(user=user, researcher=researcher, state=state, **extra)


def _refused(make) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def test_a_record_has_at_most_one_owner(record, owner, stranger) -> None:
    _claim(owner, record, "approved")
    _refused(lambda: _claim(stranger, record, "approved"))
    _claim(stranger, record, "pending")  # a second, open claim is allowed: it is a dispute
    _claim(stranger, record, "revoked")


def test_an_account_holds_one_approved_and_one_open_claim(record, owner) -> None:
    other = f.record("A5000000002")
    third = f.record("A5000000003")
    _claim(owner, record, "approved")
    _refused(lambda: _claim(owner, other, "approved"))
    _claim(owner, other, "pending")
    _refused(lambda: _claim(owner, third, "pending"))
    _refused(lambda: _claim(owner, third, "needs_evidence"))
    _claim(owner, third, "rejected")
    _claim(owner, third, "withdrawn")


def test_states_methods_links_and_notes_are_checked(record, owner) -> None:
    _refused(lambda: _claim(owner, record, "maybe"))
    _refused(lambda: _claim(owner, record, "pending", method="telepathy"))
    _refused(lambda: _claim(owner, record, "pending", evidence_url="javascript:alert(1)"))
    _refused(lambda: _claim(owner, record, "pending", note="x" * 1001))
    _refused(lambda: _claim(owner, record, "rejected", message="x" * 2001))
    _claim(owner, record, "pending", evidence_url="https://example.edu/ada", note="x" * 1000)


# --- The audit log is append-only --------------------------------------------------------------


def test_the_audit_log_refuses_updates_and_deletes_in_the_database(record, owner) -> None:
    event = ClaimAuditEvent.objects.create(kind="submitted", actor=owner, researcher=record, message="original")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        ClaimAuditEvent.objects.filter(pk=event.pk).update(message="rewritten")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        event.delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM profiles_claimauditevent")
    event.refresh_from_db()
    assert event.message == "original"
    ClaimAuditEvent.objects.create(kind="withdrawn", actor=owner, researcher=record)  # appending still works
    assert ClaimAuditEvent.objects.count() == 2


def test_the_log_outlives_what_it_names(record, owner) -> None:
    """No foreign-key constraint and no cascade: deleting an account leaves its log entries."""
    claim = _claim(owner, record, "pending")
    ClaimAuditEvent.objects.create(kind="submitted", actor=owner, claim=claim, researcher=record)
    owner.delete()  # the claim goes with the account; the event stays, naming the old ids
    assert not Claim.objects.exists()
    event = ClaimAuditEvent.objects.get()
    assert (event.claim_id, event.researcher_id) == (claim.pk, record.pk)


def test_django_admin_shows_claims_and_the_log_read_only(client: Client, django_user_model, record, owner) -> None:
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "correct horse battery staple")
    claim = _claim(owner, record, "pending", evidence_url="https://example.edu/ada")
    event = ClaimAuditEvent.objects.create(kind="submitted", actor=owner, claim=claim, researcher=record, message="m")
    client.force_login(admin)
    for model in ("claim", "claimauditevent", "profilecorrection"):
        assert client.get(f"/admin/profiles/{model}/").status_code == 200
        assert client.get(f"/admin/profiles/{model}/add/").status_code == 403
    assert client.get(f"/admin/profiles/claimauditevent/{event.pk}/change/").status_code == 200
    assert client.get(f"/admin/profiles/claim/{claim.pk}/change/").status_code == 200
    # Changing or deleting, even by a superuser, is refused and changes nothing.
    response = client.post(f"/admin/profiles/claimauditevent/{event.pk}/change/", {"message": "rewritten"})
    assert response.status_code == 403
    assert client.post(f"/admin/profiles/claimauditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.post(f"/admin/profiles/claim/{claim.pk}/delete/", {"post": "yes"}).status_code == 403
    bulk = client.post(
        "/admin/profiles/claimauditevent/", {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"}
    )
    assert bulk.status_code in (200, 302)
    event.refresh_from_db()
    claim.refresh_from_db()
    assert (event.message, claim.state) == ("m", "pending")
