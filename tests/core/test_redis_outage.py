"""Redis is a cache and a broker, never a reason to fail a read or lose work (DESIGN §9).

With Redis unreachable (a closed port) every page and the log-in answer as usual, and the
work a follow, a moderator decision or an import leaves for later waits in the outbox
(core.outbox); with a redis-server of the test's own stopped and started mid-test, pages
recover without restarting anything and a real worker runs the waiting work once it is back.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from bzpeer.celery import app as celery_app
from claims.models import Claim
from graph.models import TrustSnapshot
from profiles.models import Follow, Researcher
from tests import cast
from tests import factories as f
from tests import openalex_records as oa
from tests.outbox import make_due, waiting
from tests.redis_outage import RedisServer, free_port, redis_at
from tests.waiting import wait_for
from works.models import ImportJob

HX: dict[str, Any] = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def redis_down() -> Iterator[str]:
    """Redis unreachable: every Redis user of this process talks to a closed port."""
    url = f"redis://127.0.0.1:{free_port()}/0"
    with redis_at(url):
        yield url


@pytest.fixture
def lead(db) -> Researcher:
    person = f.researcher("Outage Person")
    f.work([person, f.researcher("Outage Partner")], year=2024, title="Written while Redis slept")
    f.snapshot(person)
    return person


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- Reads: pages and the log-in page ----------------------------------------------------------


@pytest.mark.django_db
def test_pages_render_without_redis(redis_down: str, lead: Researcher, stranger) -> None:
    for _ in range(2):  # nothing stored the first time: the second renders again
        response = Client().get(f"/researchers/{lead.openalex_id}/")
        assert response.status_code == 200 and "Outage Person" in response.content.decode()
    response = signed_in(stranger).get(f"/researchers/{lead.openalex_id}/")
    assert response.status_code == 200 and "Follow researcher" in response.content.decode()
    work_path = f"/works/{lead.authorships.get().work.openalex_id}/"
    for client in (Client(), signed_in(stranger)):  # the page with (signed in) the unread count: one MGET
        work = client.get(work_path)
        assert work.status_code == 200 and "Written while Redis slept" in work.content.decode()
    assert Client().get("/").status_code == 200
    assert signed_in(stranger).get("/").status_code == 200
    assert "Outage Person" in Client().get("/", {"q": "Outage"}).content.decode()


@pytest.mark.django_db
def test_log_in_works_without_redis(redis_down: str, verified_user) -> None:
    client = Client()
    page = client.get("/accounts/login/")
    assert page.status_code == 200 and 'name="password"' in page.content.decode()
    wrong = client.post("/accounts/login/", {"login": verified_user.email, "password": "wrong"})
    assert wrong.status_code == 200 and "not correct" in wrong.content.decode()
    right = client.post("/accounts/login/", {"login": verified_user.email, "password": cast.PASSWORD})
    assert right.status_code == 302
    # The session lives in PostgreSQL: the next request is signed in.
    home = client.get("/").content.decode()
    assert "Your account" in home and 'action="/accounts/logout/"' in home


@pytest.mark.django_db
def test_log_in_limits_keep_counting_in_memory_without_redis(redis_down: str) -> None:
    """allauth's address limits (10 log-in attempts a minute) hold in this process's memory
    while Redis is down (bzpeer/cache.py): neither lifted nor refusing everyone."""
    client = Client(REMOTE_ADDR="10.99.0.1")
    for _ in range(10):
        assert client.post("/accounts/login/", {}).status_code == 200  # counted, form errors shown
    assert client.post("/accounts/login/", {}).status_code == 429
    assert Client(REMOTE_ADDR="10.99.0.2").post("/accounts/login/", {}).status_code == 200


# --- Writes: the change commits, its follow-up work waits in the outbox ------------------------


@pytest.mark.django_db(transaction=True)
def test_a_follow_answers_and_its_trust_recompute_waits_in_the_outbox(
    redis_down: str, lead: Researcher, stranger
) -> None:
    response = signed_in(stranger).post(f"/researchers/{lead.openalex_id}/follow/", {"action": "follow"}, **HX)
    assert response.status_code == 200 and "Unfollow" in response.content.decode()
    assert Follow.objects.filter(user=stranger, researcher=lead).exists()
    assert waiting() == [("graph.recompute_trust", [lead.pk])]


@pytest.mark.django_db(transaction=True)
def test_a_moderator_decision_answers_and_its_email_and_recompute_wait_in_the_outbox(
    redis_down: str, staff, claimant, record, mailoutbox
) -> None:
    claim = claimant.claims.get()
    response = signed_in(staff).post(f"/moderation/claims/{claim.pk}/decide/", {"decision": "approve", "message": ""})
    assert response.status_code == 302 and response["Location"] == "/moderation/"
    assert Claim.objects.get(pk=claim.pk).state == Claim.State.APPROVED
    assert sorted(waiting()) == [
        ("claims.send_claim_email", [claim.pk, "decided_approved"]),
        ("graph.recompute_trust", [record.pk]),
    ]
    assert mailoutbox == []  # not sent yet: it waits with the rest


@pytest.mark.django_db(transaction=True)
def test_an_imports_follow_ups_wait_in_the_outbox(redis_down: str, tmp_path: Path) -> None:
    records = [
        oa.author("A5000000601", "Ida Import"),
        oa.work("W601", "Imported paper", [
            oa.authorship("A5000000601", "Ida Import", position="first"),
            oa.authorship("A5000000602", "Co Author"),
        ]),
    ]
    path = tmp_path / "records.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    call_command("import_openalex", str(path), "--followups=queue")
    ids = sorted(Researcher.objects.filter(openalex_id__in=["A5000000601", "A5000000602"]).values_list("pk", flat=True))
    assert waiting() == [("graph.import_followups", [ids])]


@pytest.mark.django_db(transaction=True)
def test_an_import_queued_by_staff_answers_and_waits_in_the_outbox(redis_down: str, staff) -> None:
    response = signed_in(staff).post("/imports/", {"query": "A5000000001"})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/{job.pk}/"
    assert job.status == ImportJob.Status.QUEUED
    assert waiting() == [("works.import_author", [job.pk])]


@pytest.mark.django_db(transaction=True)
def test_the_waiting_work_runs_once_redis_is_back(staff, claimant, record, stranger, mailoutbox) -> None:
    from core import outbox

    claim = claimant.claims.get()
    with redis_at(f"redis://127.0.0.1:{free_port()}/0"):
        signed_in(stranger).post(f"/researchers/{record.openalex_id}/follow/", {"action": "follow"}, **HX)
        signed_in(staff).post(f"/moderation/claims/{claim.pk}/decide/", {"decision": "approve", "message": ""})
    assert len(waiting()) == 2  # one recompute of the record (coalesced) and the email
    make_due()
    outbox.drain()
    assert waiting() == [] and len(mailoutbox) == 1 and mailoutbox[0].to == [claimant.email]
    snapshot = TrustSnapshot.objects.get(researcher=record, is_current=True)
    assert (snapshot.inputs["followers"], snapshot.level) == (1, 3)
    outbox.drain()
    assert len(mailoutbox) == 1  # done is done: nothing is sent twice


# --- A Redis of the test's own, stopped and started mid-test, with a real worker -----------------


@pytest.fixture
def own_redis(monkeypatch: pytest.MonkeyPatch) -> Iterator[RedisServer]:
    """A redis-server of this test's own; the worker started after it uses it too."""
    server = RedisServer()
    server.start()
    monkeypatch.setenv("REDIS_URL", server.url)
    monkeypatch.setenv("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def worker_on_own_redis(own_redis: RedisServer, celery_worker_queue: str) -> RedisServer:
    """A real Celery worker whose broker (and cache) is ``own_redis`` (started first)."""
    return own_redis


def profile_hit_costs_one_query(client: Client, researcher: Researcher, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(1):  # the page cache's stamp: the page came from Redis
        response = client.get(f"/researchers/{researcher.openalex_id}/")
    assert response.status_code == 200 and researcher.name in response.content.decode()


@pytest.mark.worker
def test_pages_recover_and_waiting_work_runs_when_redis_comes_back(
    worker_on_own_redis: RedisServer, staff, claimant, record, stranger, verified_user, django_assert_num_queries
) -> None:
    own = worker_on_own_redis
    claim = claimant.claims.get()
    f.snapshot(record)
    with redis_at(own.url):
        visitor = Client()
        assert visitor.get(f"/researchers/{record.openalex_id}/").status_code == 200
        profile_hit_costs_one_query(visitor, record, django_assert_num_queries)

        own.stop()
        response = visitor.get(f"/researchers/{record.openalex_id}/")
        assert response.status_code == 200 and "Ada Example" in response.content.decode()
        assert signed_in(stranger).get(f"/researchers/{record.openalex_id}/").status_code == 200
        assert visitor.get("/").status_code == 200
        assert visitor.get("/accounts/login/").status_code == 200
        log_in = {"login": verified_user.email, "password": cast.PASSWORD}
        assert visitor.post("/accounts/login/", log_in).status_code == 302
        follow = signed_in(stranger).post(f"/researchers/{record.openalex_id}/follow/", {"action": "follow"}, **HX)
        assert follow.status_code == 200
        decision = signed_in(staff).post(f"/moderation/claims/{claim.pk}/decide/", {"decision": "approve"})
        assert decision.status_code == 302
        assert sorted(task for task, _ in waiting()) == ["claims.send_claim_email", "graph.recompute_trust"]

        own.start()  # empty: whatever it held before is gone, as after a real restart
        anonymous = Client()
        assert anonymous.get(f"/researchers/{record.openalex_id}/").status_code == 200  # renders, stores
        profile_hit_costs_one_query(anonymous, record, django_assert_num_queries)  # no restart needed

        make_due()
        celery_app.send_task("core.drain_outbox")  # what beat sends every minute
        wait_for(lambda: waiting() == [])
    snapshot = TrustSnapshot.objects.get(researcher=record, is_current=True)
    assert (snapshot.inputs["followers"], snapshot.level) == (1, 3)
