"""The domain events of the lower apps: the only channel from an app to the apps above it.

Apps depend one way (ARCHITECTURE.md: profiles <- works <- claims <- graph <- feature apps
<- pages). When something below changes what an app above derives or owns, the lower app
sends one of these signals and never imports the app above; each receiver is connected in
its app's ``AppConfig.ready()``. The signals carry no logic, only "this happened".
"""

from __future__ import annotations

from django.dispatch import Signal

trust_inputs_changed = Signal()
"""``send(sender, researcher_ids=[...])``: something a trust score reads changed for these
researchers (a follow, a claim decision, an owner's correction).

Sent by the writer inside the transaction of its change, so that what receivers write
commits or rolls back with it. Receiver: ``graph.receivers`` schedules one
``graph.recompute_trust`` per researcher for a burst of changes (graph/trust_schedule.py:
an outbox row, core/outbox.py, written in that transaction, due 30 s later, and none while
one is pending), so a recompute never reads an uncommitted change, is never lost to a
broker outage, and never runs for a change that rolled back."""

researcher_merged = Signal()
"""``send(sender, source_id=..., target_id=...)``: OpenAlex merged researcher ``source_id``
into ``target_id``; the import deletes the source row right after, in the same transaction.

Sent synchronously by ``works.upsert`` inside the import transaction, so receivers must
write in it and must not defer. Receivers: ``claims.receivers`` moves claims, owner
corrections, hidden works and owner columns to the target; ``graph.receivers`` deletes the
source's co-author edges and trust snapshots (the target's are recomputed after the import).
"""
