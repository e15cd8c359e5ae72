"""After approval: the owner's bio, name, collaborate flag and hidden works; the public history;
reverts by the owner or a moderator; and that re-imports and OpenAlex merges keep all of it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from claims import corrections, services
from claims.models import Claim, ClaimAuditEvent, ProfileCorrection
from claims.selectors import correction_history
from profiles.models import Researcher
from tests import cast
from tests import factories as f
from tests import openalex_records as oa
from tests.cast import OTHER_ORCID, sign_in_with_orcid, verify
from tests.factories import ORCID
from works.models import HiddenWork, Work
from works.selectors import researcher_works

pytestmark = pytest.mark.django_db


def _edit(record) -> str:
    return f"/researchers/{record.openalex_id}/edit/"


def _first_work(record) -> Work:
    return Work.objects.filter(authorships__researcher=record).order_by("openalex_id")[0]


# --- Who may edit ------------------------------------------------------------------------------


def test_only_the_owner_edits(client: Client, record, owner, stranger, staff) -> None:
    assert client.get(_edit(record))["Location"] == f"/accounts/login/?next={_edit(record)}"
    work = _first_work(record)
    for user in (stranger, staff):  # moderators revert, they do not write for the owner
        client.force_login(user)
        assert client.get(_edit(record)).status_code == 403
        assert client.post(_edit(record), {"bio": "Hacked."}).status_code == 403
        assert client.post(_edit(record) + f"works/{work.pk}/hide/", {"reason": "not_mine"}).status_code == 403
    record.refresh_from_db()
    assert record.owner_bio == "" and not HiddenWork.objects.exists() and not ProfileCorrection.objects.exists()


def test_a_pending_claimant_is_no_owner(client: Client, record, claimant) -> None:
    client.force_login(claimant)
    assert client.get(_edit(record)).status_code == 403


# --- The owner's changes -----------------------------------------------------------------------


def test_the_owner_writes_a_bio_sets_a_name_and_opens_to_collaboration(
    client: Client, record, owner, django_assert_num_queries
) -> None:
    client.force_login(owner)
    # 7 (the session with its user: one) + the header's owned record (claims.context_processors)
    with django_assert_num_queries(8):
        page = client.get(_edit(record)).content.decode()
    assert "Works on examples at Example University." in page  # the generated bio, for reference
    response = client.post(
        _edit(record), {"bio": "I study <em>examples</em>.", "preferred_name": "Ada  E.", "open_to_collaborate": "on"}
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert (record.owner_bio, record.preferred_name, record.open_to_collaborate) == (
        "I study <em>examples</em>.",
        "Ada E.",
        True,
    )
    assert (record.bio, record.bio_is_generated, record.name) == ("I study <em>examples</em>.", False, "Ada E.")
    kinds = list(ProfileCorrection.objects.order_by("id").values_list("kind", "old_value", "new_value"))
    assert kinds == [
        ("bio", "", "I study <em>examples</em>."),
        ("preferred_name", "", "Ada E."),
        ("collaborate", "false", "true"),
    ]
    assert ClaimAuditEvent.objects.filter(kind="correction", actor=owner).count() == 3
    # Saving the same values again logs nothing.
    client.post(
        _edit(record), {"bio": "I study <em>examples</em>.", "preferred_name": "Ada E.", "open_to_collaborate": "on"}
    )
    assert ProfileCorrection.objects.count() == 3
    # The public history says what changed, escaped, without repeating the name.
    history = client.get(f"/researchers/{record.openalex_id}/history/").content.decode()
    assert "The owner wrote their own bio" in history and "The owner set their preferred name" in history
    entries = history[history.index('<ul class="history">') :].split("</ul>")[0]
    assert "Ada E." not in entries  # names, earlier or new, stay out of the public history
    assert "The owner opened the record to collaboration" in history


def test_bounds_are_enforced(client: Client, record, owner) -> None:
    client.force_login(owner)
    response = client.post(_edit(record), {"bio": "x" * 601, "preferred_name": ""})
    assert response.status_code == 400 and "at most 600 characters" in response.content.decode()
    with pytest.raises(services.ClaimRefused):
        corrections.profile_update(owner=owner, researcher_id=record.pk, preferred_name="n" * 201)
    assert not ProfileCorrection.objects.exists()


def test_the_owner_hides_and_shows_a_work(client: Client, record, owner) -> None:
    work = _first_work(record)
    client.force_login(owner)
    assert researcher_works(record).count() == 2
    response = client.post(_edit(record) + f"works/{work.pk}/hide/", {"reason": "not_mine"}, follow=True)
    assert "The work is hidden from your profile" in response.content.decode()
    hidden = HiddenWork.objects.get()
    assert (hidden.researcher, hidden.work, hidden.reason, hidden.hidden_by) == (record, work, "not_mine", owner)
    assert list(researcher_works(record)) == [w for w in researcher_works(record) if w != work]
    assert researcher_works(record).count() == 1
    history = client.get(f"/researchers/{record.openalex_id}/history/").content.decode()
    link = f'<a href="/works/{work.openalex_id}/"><bdi>{work.title}</bdi></a>'
    assert f"The owner hid\n{link} (<bdi>not theirs</bdi>)" in history
    # Hiding twice or hiding a work that is not on the record is refused.
    again = client.post(_edit(record) + f"works/{work.pk}/hide/", {"reason": "duplicate"}, follow=True)
    assert "already hidden" in again.content.decode()
    foreign = Work.objects.create(openalex_id="W999", title="Someone else's")
    refused = client.post(_edit(record) + f"works/{foreign.pk}/hide/", {"reason": "not_mine"}, follow=True)
    assert "not on your record" in refused.content.decode()
    other = client.post(_edit(record) + f"works/{_first_work(record).pk}/hide/", {"reason": "other"}, follow=True)
    assert "Say in a few words why" in other.content.decode()
    assert HiddenWork.objects.count() == 1
    client.post(_edit(record) + f"works/{work.pk}/unhide/")
    assert not HiddenWork.objects.exists() and researcher_works(record).count() == 2
    assert list(ProfileCorrection.objects.order_by("id").values_list("kind", flat=True)) == ["hide_work", "unhide_work"]


def test_hiding_a_work_takes_it_out_of_every_count_of_works(client: Client, record, owner) -> None:
    work = _first_work(record)
    topic = f.topic("Hidden Topic")
    f.give_topic(record, topic, rank=1, works_count=6)  # OpenAlex's count: 6 works on it
    f.tag(work, topic)
    client.force_login(owner)
    profile = f"/researchers/{record.openalex_id}/"
    before = client.get(profile).content.decode()
    assert "<strong>2</strong> works" in before and "6 works</span>" in before
    client.post(_edit(record) + f"works/{work.pk}/hide/", {"reason": "not_mine"})
    after = client.get(profile).content.decode()
    # The total, the topic's count (profile and topic page) and the year facets follow it.
    assert "<strong>1</strong> work<" in after and "5 works</span>" in after and "6 works" not in after
    assert "5 works on this topic" in client.get(f"/topics/{topic.openalex_id}/").content.decode()
    assert researcher_works(record, year=work.publication_year).count() == 0
    # Citations, h-index and i10 stay OpenAlex's, and say so.
    assert "<dt>Citations (OpenAlex)</dt>" in after and "<dt>h-index (OpenAlex)</dt>" in after
    assert "<dt>i10-index (OpenAlex)</dt>" in after
    client.post(_edit(record) + f"works/{work.pk}/unhide/")
    assert "6 works</span>" in client.get(profile).content.decode()


# --- Reverting ---------------------------------------------------------------------------------


def test_the_owner_or_a_moderator_reverts_and_nobody_else(client: Client, record, owner, stranger, staff) -> None:
    corrections.profile_update(owner=owner, researcher_id=record.pk, bio="First.")
    corrections.profile_update(owner=owner, researcher_id=record.pk, bio="Second.")
    first, second = ProfileCorrection.objects.order_by("id")
    url = f"/researchers/{record.openalex_id}/history/{{}}/revert/"
    client.force_login(stranger)
    assert client.post(url.format(second.pk)).status_code == 404
    client.force_login(owner)
    refused = client.post(url.format(first.pk), follow=True).content.decode()
    assert "was changed again since" in refused
    assert client.post(url.format(second.pk)).status_code == 302
    record.refresh_from_db()
    assert record.owner_bio == "First."
    client.force_login(staff)
    history = client.get(f"/researchers/{record.openalex_id}/history/").content.decode()
    assert history.count(">Revert</button>") == 1  # the reverted change offers no second revert
    assert client.post(url.format(first.pk)).status_code == 302
    record.refresh_from_db()
    assert record.owner_bio == "" and record.bio_is_generated
    assert ProfileCorrection.objects.get(pk=first.pk).reverted_by == staff
    again = client.post(url.format(first.pk), follow=True).content.decode()
    assert "already reverted" in again
    assert ClaimAuditEvent.objects.filter(kind="correction_reverted").count() == 2


def test_reverting_a_hidden_work_shows_it_again(record, owner) -> None:
    work = _first_work(record)
    correction = corrections.work_hide(
        owner=owner, researcher_id=record.pk, work_id=work.pk, reason="other", note="conference abstract"
    )
    assert correction_history(record)[0]["hide_reason"] == "conference abstract"
    corrections.correction_revert(actor=owner, correction_id=correction.pk)
    assert not HiddenWork.objects.exists()
    unhide = corrections.work_hide(
        owner=owner, researcher_id=record.pk, work_id=work.pk, reason="duplicate"
    )
    undo = corrections.work_unhide(owner=owner, researcher_id=record.pk, work_id=work.pk)
    corrections.correction_revert(actor=owner, correction_id=undo.pk)  # hides it again, same reason
    assert HiddenWork.objects.get().reason == "duplicate" and unhide.kind == "hide_work"


# --- Re-imports and merges keep what people own -------------------------------------------------

AUTHOR = "A5000000101"


def _write(path: Path, records: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return path


def _openalex_files(folder: Path, *, updated: str, title_suffix: str = "") -> list[str]:
    uni = {
        **oa.institution("I900", "Example University", homepage="https://www.example.edu/", full=True),
        "updated_date": updated,
    }
    dehydrated = oa.institution("I900", "Example University")
    author = oa.author(AUTHOR, "Ada Imported", orcid=ORCID, institutions=[dehydrated], updated=updated)
    works = [
        oa.work(
            f"W90{n}",
            f"Paper {n}{title_suffix}",
            [oa.authorship(AUTHOR, "Ada Imported", position="first", institutions=[dehydrated])],
            updated=updated,
        )
        for n in range(3)
    ]
    return [
        str(_write(folder / "institutions.jsonl", [uni])),
        str(_write(folder / "authors.jsonl", [author])),
        str(_write(folder / "works.jsonl", works)),
    ]


def test_owner_data_and_hidden_works_survive_every_reimport(tmp_path: Path, verified_user) -> None:
    call_command("import_openalex", *_openalex_files(tmp_path, updated="2025-10-01T00:00:00"), "--followups=now")
    record = Researcher.objects.get(openalex_id=AUTHOR)
    assert record.affiliations.get().institution.email_domains == ["example.edu"]
    verify(verified_user, "ada.imported@example.edu")  # the record is "Ada Imported"
    claim = services.claim_submit(user=verified_user, researcher_id=record.pk, method="email_domain")
    assert claim.state == "approved"
    corrections.profile_update(
        owner=verified_user,
        researcher_id=record.pk,
        bio="My own words.",
        preferred_name="Ada O.",
        open_to_collaborate=True,
    )
    hidden_work = Work.objects.get(openalex_id="W901")
    corrections.work_hide(owner=verified_user, researcher_id=record.pk, work_id=hidden_work.pk, reason="not_mine")

    # OpenAlex changed everything it owns; the same import runs again, twice.
    for _ in range(2):
        call_command(
            "import_openalex",
            *_openalex_files(tmp_path, updated="2026-02-01T00:00:00", title_suffix=" (v2)"),
            "--followups=now",
        )
    record.refresh_from_db()
    assert Work.objects.get(openalex_id="W901").title == "Paper 1 (v2)"  # the import did run
    assert (record.owner_bio, record.preferred_name, record.open_to_collaborate) == ("My own words.", "Ada O.", True)
    assert HiddenWork.objects.get().work.openalex_id == "W901"
    assert sorted(researcher_works(record).values_list("openalex_id", flat=True)) == ["W900", "W902"]
    assert Claim.objects.get().state == "approved" and ProfileCorrection.objects.count() == 4


def test_an_openalex_merge_moves_the_claim_corrections_and_hidden_works(tmp_path: Path, record, owner) -> None:
    old = record  # A5000000001 with two works
    corrections.profile_update(owner=owner, researcher_id=old.pk, bio="Mine.")
    work = _first_work(old)
    corrections.work_hide(owner=owner, researcher_id=old.pk, work_id=work.pk, reason="duplicate")
    survivor = f.researcher("Ada Survivor", openalex_id="A5000000777", imported_at=None)
    merged = tmp_path / "merged_ids.csv"
    merged.write_text(f"merge_date,id,merge_into_id\n2026-01-02,{old.openalex_id},{survivor.openalex_id}\n")
    call_command("import_openalex", str(merged), "--followups=now")
    assert not Researcher.objects.filter(pk=old.pk).exists()
    survivor.refresh_from_db()
    assert Claim.objects.get().researcher == survivor and Claim.objects.get().state == "approved"
    assert survivor.owner_bio == "Mine."
    assert HiddenWork.objects.get().researcher == survivor
    assert set(ProfileCorrection.objects.values_list("researcher_id", flat=True)) == {survivor.pk}
    moved = ClaimAuditEvent.objects.get(kind="moved")
    assert moved.data["from"] == old.openalex_id and moved.data["to"] == survivor.openalex_id
    assert researcher_works(survivor).count() == 1  # the hidden work stays hidden on the survivor


def test_a_merge_into_an_owned_record_revokes_the_duplicate_ownership(tmp_path: Path, record, owner) -> None:
    old, owned = record, owner.claims.get()
    survivor = f.researcher("Ada Survivor", openalex_id="A5000000777", imported_at=None)
    survivor_owner = cast.verified_user("survivor_owner")  # the survivor's owner, not ``owner``
    sign_in_with_orcid(survivor_owner, OTHER_ORCID)
    theirs = Claim.objects.create(user=survivor_owner, researcher=survivor, state="approved", method="evidence")
    merged = tmp_path / "merged_ids.csv"
    merged.write_text(f"merge_date,id,merge_into_id\n2026-01-02,{old.openalex_id},{survivor.openalex_id}\n")
    call_command("import_openalex", str(merged), "--followups=now")
    owned.refresh_from_db()
    assert (owned.researcher_id, owned.state, owned.reason) == (survivor.pk, "revoked", "duplicate_claim")
    assert Claim.objects.get(pk=theirs.pk).state == "approved"
