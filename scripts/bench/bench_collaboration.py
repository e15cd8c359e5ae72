"""``make bench-collaboration``: a conversation's poll under load beside ``/healthz`` (one
``SELECT 1``), the header's unread count, and a 10,000-message conversation opening on its
last page, on the benchmark database of ``make bench-web``.

Steps (the wrk runs and the in-process timings are measured):

1. Migrates the existing benchmark database (``--database``, default ``bzpeer_bench_web``,
   found as scripts/bench/bench_web.py finds it). It never creates, loads or reloads it:
   run ``make bench-web`` first.
2. Extends it, once (later runs reuse what they find): two accounts ``bench-collab-a`` and
   ``bench-collab-b`` own the two imported records with the highest ids that nobody owns,
   open to collaborate; A invited B, B accepted, and the conversation holds 10,000 messages.
   Nothing else is changed.
3. In one Django process: the queries a poll with nothing new costs (with the signed token
   the page gives; expected 0, and 204), the queries of the unread count (expected 0 once
   stamped), and the server time of opening the conversation on its last page
   (``--opens`` times through the test client, median and max; target < 50 ms).
4. Starts gunicorn as bench_web does and drives with wrk ``--rounds`` times alternately
   ``/healthz`` and the poll of participant B (signed in), ``--duration`` seconds each.
5. Prints the figures and the verdicts (poll / one SELECT >= 0.5; 0 queries per poll;
   open < 50 ms) and writes ``bench/out/bench-collaboration.json``.

Exit status: 0 when every run answered only 2xx and the poll cost no query; 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import psycopg  # noqa: E402

from scripts.bench import bench_web  # noqa: E402

OUT = bench_web.OUT
TARGET_RATIO = 0.5
TARGET_OPEN_MS = 50.0
MESSAGES = 10_000

# Run with bench_web.run_code: extends the database (idempotent), measures in-process and
# leaves the figures in ``result``.
SETUP_AND_MEASURE = """
import statistics, time
from django.contrib.auth import get_user_model
from core.sessions import SessionStore
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from claims.models import Claim
from collaboration import services, stamps, views
from collaboration.models import Conversation, Invitation, Membership, Message
from profiles.models import Researcher

User = get_user_model()
MESSAGES = {messages}
OPENS = {opens}

def account(name):
    user, _ = User.objects.get_or_create(username=name, defaults={{"email": name + "@example.org"}})
    return user

a, b = account("bench-collab-a"), account("bench-collab-b")
def record_of(user):
    claim = Claim.objects.filter(user=user, state="approved").first()
    if claim:
        return claim.researcher
    taken = Claim.objects.filter(state="approved").values("researcher_id")
    record = Researcher.objects.filter(record_status="imported").exclude(pk__in=taken).order_by("-id").first()
    Claim.objects.create(user=user, researcher=record, state="approved", method="evidence", decided_at=timezone.now())
    return record
ra, rb = record_of(a), record_of(b)
Researcher.objects.filter(pk__in=[ra.pk, rb.pk]).update(open_to_collaborate=True)

invitation = Invitation.objects.filter(sender=a, recipient=b, state="accepted").first()
if invitation is None:
    Invitation.objects.filter(sender=a, recipient=b, state="pending").delete()
    invitation = services.invitation_send(sender=a, recipient_record_id=rb.pk, subject="Bench", message="Bench")
    services.invitation_accept(user=b, invitation_id=invitation.pk)
conversation = Conversation.objects.get(invitation=invitation)
have = Message.objects.filter(conversation=conversation).count()
if have < MESSAGES:
    Message.objects.bulk_create(
        [Message(conversation=conversation, sender=(a if n % 2 else b), body="Message %d of the bench" % n)
         for n in range(have, MESSAGES)],
        batch_size=2000,
    )
    last = Message.objects.filter(conversation=conversation).order_by("-id").values_list("pk", flat=True).first()
    Membership.objects.filter(conversation=conversation).update(last_read_id=last)
    Conversation.objects.filter(pk=conversation.pk).update(version=conversation.version + 1)
conversation.refresh_from_db()
stamps.conversation_set(conversation.pk, conversation.version)
connection.cursor().execute("ANALYZE collaboration_message")

def session_cookie(user):
    s = SessionStore(); s["_auth_user_id"] = str(user.pk)
    s["_auth_user_backend"] = "core.auth_backends.ModelBackend"
    s["_auth_user_hash"] = user.get_session_auth_hash(); s.create()
    return "sessionid=" + s.session_key

poll = "/conversations/%d/poll/?after=%d&v=%d&t=%s" % (
    conversation.pk,
    Message.objects.filter(conversation=conversation).order_by("-id").values_list("pk", flat=True).first(),
    conversation.version,
    views.poll_token(conversation.pk, b.pk),
)
client = Client(HTTP_HOST="127.0.0.1")
client.force_login(b)
with CaptureQueriesContext(connection) as poll_queries:
    poll_status = client.get(poll, HTTP_HX_REQUEST="true").status_code
services.unread_for(b.pk)  # stamps it
with CaptureQueriesContext(connection) as unread_queries:
    unread = services.unread_for(b.pk)
timings = []
page = "/conversations/%d/" % conversation.pk
for _ in range(OPENS):
    started = time.perf_counter()
    response = client.get(page)
    timings.append((time.perf_counter() - started) * 1000)
    assert response.status_code == 200, response.status_code
with CaptureQueriesContext(connection) as open_queries:
    client.get(page)
result = {{
    "conversation": conversation.pk, "messages": Message.objects.filter(conversation=conversation).count(),
    "poll": poll, "cookie": session_cookie(b), "poll_status": poll_status,
    "poll_queries": len(poll_queries), "unread": unread, "unread_queries": len(unread_queries),
    "open_ms_median": statistics.median(timings), "open_ms_max": max(timings), "open_queries": len(open_queries),
}}
"""


def database_exists(url: str, name: str) -> bool:
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--database", default=bench_web.DATABASE, help="an existing benchmark database")
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured run (10)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of /healthz and the poll (3)")
    parser.add_argument("--opens", type=int, default=30, help="timed openings of the conversation (30)")
    args = parser.parse_args(argv)

    url = bench_web.bench_url(args.database)
    if not database_exists(url, args.database):
        raise SystemExit(f"{args.database} does not exist: run `make bench-web` first (this script never loads data)")
    wrk = bench_web.ensure_wrk()
    print(f"database: {args.database}; cpus {os.cpu_count()}; load average {os.getloadavg()[0]:.2f}", flush=True)
    bench_web.manage(url, "migrate", "--noinput")
    bench_web.manage(url, "collectstatic", "--noinput", "-v0")  # the pages render with DEBUG off
    code = SETUP_AND_MEASURE.format(messages=MESSAGES, opens=args.opens)
    measured = bench_web.run_code(url, code)
    print(
        f"conversation {measured['conversation']} with {measured['messages']:,} messages; "
        f"poll with nothing new: HTTP {measured['poll_status']}, {measured['poll_queries']} queries; "
        f"unread count: {measured['unread_queries']} queries",
        flush=True,
    )
    print(
        f"opening on the last page: median {measured['open_ms_median']:.1f} ms, max {measured['open_ms_max']:.1f} ms "
        f"({measured['open_queries']} queries, test client, session included)",
        flush=True,
    )

    port = bench_web.free_port()
    server = bench_web.start_server(url, port)
    base = f"http://127.0.0.1:{port}"
    runs = []
    try:
        for _ in range(args.rounds):
            runs.append(bench_web.drive(wrk, base, "one SELECT (/healthz)", ["/healthz"], args.duration))
            runs.append(
                bench_web.drive(wrk, base, "poll, nothing new", [measured["poll"]], args.duration, measured["cookie"])
            )
    finally:
        bench_web.stop_server(server)

    bench_web.print_runs(runs)
    healthz = bench_web.median_run([r for r in runs if r.path == "/healthz"])
    poll = bench_web.median_run([r for r in runs if r.name == "poll, nothing new"])
    ratio = poll.requests_per_second / healthz.requests_per_second
    ratio_ok = "met" if ratio >= TARGET_RATIO else "NOT met"
    queries_ok = "met" if measured["poll_queries"] == 0 else "NOT met"
    print(
        f"\npoll / one SELECT: {ratio:.2f} (target >= {TARGET_RATIO}: {ratio_ok}); "
        f"queries per poll {measured['poll_queries']} (target 0: {queries_ok}); "
        f"open {measured['open_ms_median']:.1f} ms (target < {TARGET_OPEN_MS:.0f} ms: "
        f"{'met' if measured['open_ms_median'] < TARGET_OPEN_MS else 'NOT met'})"
    )
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "bench-collaboration.json").write_text(
        json.dumps(
            {
                "measured": {k: v for k, v in measured.items() if k != "cookie"},
                "runs": [asdict(r) for r in runs],
                "ratio": round(ratio, 3),
                "load_average": os.getloadavg()[0],
            },
            indent=2,
        )
        + "\n"
    )
    # 204 counts as 2xx for wrk.
    failed = bench_web.failed_runs(runs)
    return 1 if failed or measured["poll_queries"] != 0 or measured["poll_status"] != 204 else 0


if __name__ == "__main__":
    sys.exit(main())
