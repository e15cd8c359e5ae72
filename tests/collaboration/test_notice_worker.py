"""The batched email notice on a real Celery worker: messages go through the outbox, the worker
sends one email for all of them over SMTP (a sink in this process), with a working unsubscribe
link, and no second one within the hour."""

from __future__ import annotations

import re
import socketserver
import threading
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from typing import Any

import pytest
from django.test import Client

from collaboration import rules, services
from collaboration.models import Membership, NoticeOptOut
from core.models import OutboxMessage
from tests.collaboration.conftest import Collab, conversation
from tests.waiting import wait_for


class SmtpSink(socketserver.ThreadingTCPServer):
    """Just enough SMTP to take messages: each DATA payload is kept in ``received``."""

    allow_reuse_address = True
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _SmtpHandler)
        self.received: list[bytes] = []


class _SmtpHandler(socketserver.StreamRequestHandler):
    server: SmtpSink

    def handle(self) -> None:
        self.wfile.write(b"220 sink\r\n")
        while line := self.rfile.readline():
            verb = line.strip().split(b" ")[0].upper()
            if verb in (b"EHLO", b"HELO"):
                self.wfile.write(b"250 sink\r\n")
            elif verb == b"DATA":
                self.wfile.write(b"354 go on\r\n")
                data = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk
                self.server.received.append(data)
                self.wfile.write(b"250 kept\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def smtp_worker(monkeypatch, request) -> Iterator[SmtpSink]:  # type: ignore[no-untyped-def]
    sink = SmtpSink()
    thread = threading.Thread(target=sink.serve_forever, daemon=True)
    thread.start()
    # The worker (started next, with this environment) mails the sink.
    monkeypatch.setenv("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
    monkeypatch.setenv("EMAIL_HOST", "127.0.0.1")
    monkeypatch.setenv("EMAIL_PORT", str(sink.server_address[1]))
    request.getfixturevalue("celery_worker_queue")
    yield sink
    sink.shutdown()
    sink.server_close()


@pytest.mark.worker
def test_a_real_worker_sends_one_batched_notice_with_an_unsubscribe_link(
    transactional_db: None, smtp_worker: SmtpSink, collab: Collab, monkeypatch: Any
) -> None:
    monkeypatch.setattr(rules, "NOTICE_DELAY", timedelta(seconds=1))
    opened = conversation(collab)
    for body in ("First", "Second", "Third"):
        services.message_send(sender=collab.ada, conversation_id=opened.pk, body=body)
    # One pending outbox row covers the three messages.
    assert OutboxMessage.objects.filter(task=services.NOTICE_TASK).count() == 1
    wait_for(lambda: len(smtp_worker.received) == 1)
    mail = message_from_bytes(smtp_worker.received[0])
    assert mail["To"] == collab.bo.email
    body = mail.get_payload(decode=True).decode()
    assert "3 new messages" in mail["Subject"] and f"/conversations/{opened.pk}/" in body
    member = Membership.objects.get(conversation=opened, user=collab.bo)
    assert member.last_notice_at is not None

    # Within the hour, a new message waits for the hour to pass: no second email now.
    services.message_send(sender=collab.ada, conversation_id=opened.pk, body="Fourth")
    row = OutboxMessage.objects.filter(task=services.NOTICE_TASK, state="pending").get()
    assert row.not_before >= member.last_notice_at + rules.NOTICE_EVERY - timedelta(seconds=1)

    # The unsubscribe link works without signing in.
    link = re.search(r"https?://\S+/notices/unsubscribe/(\S+)/", body)
    assert link
    Client().post(f"/notices/unsubscribe/{link.group(1)}/")
    assert NoticeOptOut.objects.filter(user=collab.bo).exists()
