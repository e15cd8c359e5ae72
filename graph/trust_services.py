"""Recompute and store trust scores: gather inputs set-based, score them, write what changed.

:func:`trust_recompute` is the one write path of graph.TrustSnapshot. The Celery tasks
(graph.tasks), ``manage.py recompute_trust`` and the import follow-ups all call it.

Contract
========

* **Set-based.** One pass over the requested researchers (or everyone): inputs in a fixed
  number of queries (graph.trust_inputs), the formula in Python (graph.trust_formula, pure),
  one query for the current digests, and at most one UPDATE and one COPY for the writes,
  whatever the number of researchers.
* **Idempotent; history only for changes.** A researcher gets a new snapshot only when the
  formula version, the inputs or the score differ from their current snapshot (compared by
  :func:`snapshot_digest`). Then, in one transaction, the old row stops being current and the
  new one is; older rows stay as history. Recomputing with nothing changed writes nothing.
  A new formula ``VERSION`` changes every digest, so the next full recompute (nightly, or
  ``manage.py recompute_trust --all`` after a deploy) rescores everyone.
* **Serialised per researcher.** Everything runs in one transaction holding PostgreSQL
  transaction-level advisory locks taken before anything is read, so two recomputes of one
  researcher never interleave: the second waits, then reads what the first committed (and,
  with nothing new, writes nothing). Up to :data:`PER_RESEARCHER_LOCKS_MAX` researchers,
  a run locks each researcher (ascending ids, after the shared "all" lock); larger runs take
  the "all" lock exclusively instead, which waits for the small runs in flight and holds new
  ones back until it commits. A range run (``id_range``: one partition of the full refresh,
  graph.derived_refresh) takes the "all" lock shared and the lock of each *block* of
  :data:`LOCK_BLOCK_IDS` ids it covers exclusively; per-researcher runs take their blocks'
  locks shared before their own, so they wait only for the partition holding their block,
  and partitions of other ranges run side by side. The order is always "all", blocks
  ascending, researchers ascending: no deadlock. ``lock_timeout``
  bounds the wait: past it, :class:`TrustLockTimeout` is raised and nothing is written
  (the Celery task then re-queues itself; see graph.tasks).
* ``computed_at`` is one timestamp for the whole run; ``reference_year`` (the recent-activity
  window) is its calendar year in ``settings.TIME_ZONE``.
* **One bad researcher stops no one.** A researcher whose stored data the formula cannot take
  (a negative count written before the import bounded numbers, an unknown record status) is
  left out of the pass and named in :attr:`RecomputeReport.failures` with the reason; their
  current snapshot, if any, stays. Checked per researcher in Python, on the same single pass.
  Should the database still refuse a run's writes (a value no check foresaw), nothing of
  that run is kept and its researchers are scored again in halves, each half in its own
  transaction, down to the single researchers it refuses, who are named in the same way: the
  normal path stays one set-based pass, the halving costs only when something fails.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from django.db import DataError, IntegrityError, InternalError, OperationalError, connection, transaction
from django.utils import timezone

from graph import trust_formula
from graph.trust_changes import change_reasons, format_delta
from graph.trust_inputs import Unscorable, trust_inputs_gather

logger = logging.getLogger(__name__)

# Advisory lock keys (two int4 keys): (namespace, researcher id) per researcher, and
# (namespace of "all", 0) for the shared/exclusive lock over everyone.
LOCK_NAMESPACE_RESEARCHER = 0x54525354  # "TRST"
LOCK_NAMESPACE_ALL = 0x54525341  # "TRSA"
# Advisory locks live in PostgreSQL's shared lock table (max_locks_per_transaction ×
# max_connections slots for the whole server); above this many researchers one lock on
# "all" replaces the per-researcher locks.
PER_RESEARCHER_LOCKS_MAX = 256
# Range runs lock ids in blocks of this many (a partition of the full refresh covers whole
# blocks: graph.derived_refresh aligns its ranges to them); key (namespace, id // this).
LOCK_NAMESPACE_BLOCK = 0x54525342  # "TRSB"
LOCK_BLOCK_IDS = 16_384
WORK_MEM = "64MB"
# Errors of the database that a value of one researcher's can cause (out of range, a check,
# a trigger): a run that meets one is retried in halves. Other errors (a lost connection,
# a lock timeout) concern everyone and propagate.
REFUSALS = (DataError, IntegrityError, InternalError)
# Beyond this many researchers refused one by one the problem is not in their data: the
# halving stops and the error propagates.
REFUSED_MAX = 100

_SNAPSHOT_COLUMNS = (
    "researcher_id",
    "formula_version",
    "score",
    "tier",
    "level",
    "components",
    "inputs",
    "computed_at",
    "is_current",
    "digest",
)


class TrustLockTimeout(Exception):
    """Another recompute held a researcher's lock longer than ``lock_timeout``; nothing was
    written. Retrying later is safe."""


@dataclass(frozen=True, slots=True)
class TrustChange:
    """A researcher whose current snapshot this run replaced (or created)."""

    researcher_id: int
    openalex_id: str
    before_score: float | None
    after_score: float
    before_level: int | None
    after_level: int
    reasons: tuple[str, ...]

    @property
    def delta(self) -> str:
        return format_delta(self.before_score, self.after_score)

    @property
    def level_changed(self) -> bool:
        return self.before_level is not None and self.before_level != self.after_level


@dataclass
class RecomputeReport:
    """What one :func:`trust_recompute` did. ``changes`` lists every new snapshot, by id;
    ``failures`` every researcher who could not be scored, and why. ``researchers`` counts
    both: everyone the run looked at."""

    researchers: int = 0
    written: int = 0
    formula_version: str = trust_formula.VERSION
    computed_at: datetime | None = None
    gather_seconds: float = 0.0
    compute_seconds: float = 0.0
    write_seconds: float = 0.0
    seconds: float = 0.0
    changes: list[TrustChange] = field(default_factory=list)
    failures: list[Unscorable] = field(default_factory=list)

    @property
    def unchanged(self) -> int:
        return self.researchers - self.written - len(self.failures)

    def merge(self, other: RecomputeReport) -> None:
        """Add what a part of this run did (see :func:`_recompute_refused`)."""
        self.researchers += other.researchers
        self.written += other.written
        self.gather_seconds += other.gather_seconds
        self.compute_seconds += other.compute_seconds
        self.write_seconds += other.write_seconds
        self.changes.extend(other.changes)
        self.failures.extend(other.failures)


def snapshot_digest(formula_version: str, score: float, inputs: Mapping[str, Any]) -> str:
    """A stable 32-hex-digit digest of what makes two snapshots "the same": the formula
    version, the inputs and the score (keys sorted, so dict order does not matter)."""
    payload = orjson.dumps([formula_version, score, inputs], option=orjson.OPT_SORT_KEYS)
    return hashlib.blake2b(payload, digest_size=16).hexdigest()


def trust_recompute(
    *,
    researcher_ids: Iterable[int] | None = None,
    id_range: tuple[int | None, int | None] | None = None,
    lock_timeout: float | None = None,
    now: datetime | None = None,
) -> RecomputeReport:
    """Recompute the trust of ``researcher_ids`` (everyone when None) and store what changed.

    ``id_range`` ``(low, high)`` instead recomputes every researcher with ``low <= id < high``
    (an end None: open), holding only the locks of that range (see the module docstring);
    both ends must be multiples of :data:`LOCK_BLOCK_IDS` (or None). The full refresh's
    partitions (graph.derived_refresh) run this way.

    Ids of researchers that do not exist are ignored. ``lock_timeout`` (seconds) bounds the
    wait for other recomputes of the same researchers (None waits as long as it takes);
    raises :class:`TrustLockTimeout` past it. ``now`` fixes the computation time (tests).
    Researchers who cannot be scored are listed in ``failures``, never raised (see the
    module docstring). Side effects: TrustSnapshot rows (see the module docstring);
    enqueues nothing.
    """
    started = time.perf_counter()
    ids = None if researcher_ids is None else sorted(set(researcher_ids))
    now = now or timezone.now()
    report = RecomputeReport(computed_at=now, formula_version=trust_formula.VERSION)
    blocks = None
    if id_range is not None:
        if ids is not None:
            raise ValueError("give researcher_ids or id_range, not both")
        blocks = _range_blocks(*id_range)
        if blocks is None:
            return report
    if ids is not None and not ids:
        return report
    whole = RecomputeReport(computed_at=now, formula_version=report.formula_version)
    try:
        _recompute_part(ids, lock_timeout, now, whole, blocks=blocks)
    except REFUSALS as exc:
        logger.warning("trust recompute of %s: the database refused it (%s); retrying in halves", _describe(ids), exc)
        every = ids if ids is not None else _every_researcher_id(blocks)
        _recompute_refused(every, exc, lock_timeout, now, report, [], blocks)
    else:
        report.merge(whole)
    report.seconds = time.perf_counter() - started
    return report


def _recompute_part(
    ids: list[int] | None,
    lock_timeout: float | None,
    now: datetime,
    report: RecomputeReport,
    *,
    blocks: tuple[int, int] | None = None,
) -> None:
    """One transaction: lock, gather, score, write ``ids`` (everyone when None; with
    ``blocks``, everyone in those blocks when None) into ``report``. Raises what the database
    raises; nothing of the part is then kept."""
    try:
        with transaction.atomic():
            _lock(ids, lock_timeout, blocks=blocks)
            if blocks is not None and ids is None:
                # Read after the locks: a researcher added since waits for us, or is not ours.
                ids = _every_researcher_id(blocks)
                if not ids:
                    return
            _recompute_locked(ids, now, report)
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) == "55P03":  # lock_not_available
            raise TrustLockTimeout(f"trust recompute of {_describe(ids)} waited more than {lock_timeout} s") from exc
        raise


def _recompute_refused(
    ids: list[int],
    error: Exception,
    lock_timeout: float | None,
    now: datetime,
    report: RecomputeReport,
    refused: list[int],
    blocks: tuple[int, int] | None = None,
) -> None:
    """The database refused ``ids`` as one run (``error``; nothing of it was kept): score each
    half in its own transaction, halving again what is refused, down to single researchers,
    who are named in ``report.failures`` (and collected in ``refused``). Past REFUSED_MAX of
    them the refusal is no one researcher's data: ``error`` propagates."""
    if len(ids) == 1:
        if len(refused) >= REFUSED_MAX:
            raise error
        refused.append(ids[0])
        first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
        report.researchers += 1
        report.failures.append(
            Unscorable(ids[0], _openalex_id(ids[0]), f"the database refused the new snapshot: {first_line}")
        )
        return
    middle = len(ids) // 2
    for half in (ids[:middle], ids[middle:]):
        part = RecomputeReport(computed_at=now, formula_version=report.formula_version)
        try:
            _recompute_part(half, lock_timeout, now, part, blocks=blocks)
        except REFUSALS as half_error:
            _recompute_refused(half, half_error, lock_timeout, now, report, refused, blocks)
        else:
            report.merge(part)


def _every_researcher_id(blocks: tuple[int, int] | None = None) -> list[int]:
    """Every researcher's id (those in ``blocks``, first and last block included, when given)."""
    where, params = "", []
    if blocks is not None:
        where, params = "WHERE id >= %s AND id < %s", [blocks[0] * LOCK_BLOCK_IDS, (blocks[1] + 1) * LOCK_BLOCK_IDS]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM profiles_researcher {where} ORDER BY id", params)
        return [pk for (pk,) in cursor.fetchall()]


def _range_blocks(low: int | None, high: int | None) -> tuple[int, int] | None:
    """The first and last lock block of ``low <= id < high``; an open end stops at the ids
    that exist (a researcher added later beyond them is not this run's). None: no ids."""
    for end in (low, high):
        if end is not None and end % LOCK_BLOCK_IDS:
            raise ValueError(f"a range end must be a multiple of {LOCK_BLOCK_IDS}: {end}")
    if high is None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT max(id) FROM profiles_researcher")
            top = cursor.fetchone()[0]
        if top is None:
            return None
        high = top + 1
    first, last = max(0, low or 0) // LOCK_BLOCK_IDS, (high - 1) // LOCK_BLOCK_IDS
    return None if last < first else (first, last)


def _openalex_id(researcher_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT openalex_id FROM profiles_researcher WHERE id = %s", [researcher_id])
        row = cursor.fetchone()
    return row[0] if row else f"researcher {researcher_id}"


def trust_lock(researcher_ids: Iterable[int] | None, *, lock_timeout: float | None = None) -> None:
    """Take the locks :func:`trust_recompute` takes for ``researcher_ids`` (everyone when
    None), until the current transaction ends. Must run inside ``transaction.atomic()``.
    For code that changes trust inputs and wants no recompute to read them half-way; and
    for tests of the locking."""
    ids = None if researcher_ids is None else sorted(set(researcher_ids))
    _lock(ids, lock_timeout)


def _lock(ids: list[int] | None, lock_timeout: float | None, *, blocks: tuple[int, int] | None = None) -> None:
    with connection.cursor() as cursor:
        # Transaction-local settings: the lock wait, and memory for the full recompute's
        # aggregates over every authorship and co-author edge (with the default 4 MB their hash
        # tables spill to disk: EXPLAIN ANALYZE on the 120,000-researcher benchmark).
        wait = "0" if lock_timeout is None else f"{max(1, int(lock_timeout * 1000))}ms"
        cursor.execute(
            "SELECT set_config('lock_timeout', %s, true), set_config('work_mem', %s, true)", [wait, WORK_MEM]
        )
        if blocks is not None:
            cursor.execute(
                """SELECT pg_advisory_xact_lock_shared(%(all)s, 0),
                          (SELECT count(pg_advisory_xact_lock(%(ns)s, b::int))
                           FROM generate_series(%(first)s::int, %(last)s::int) b)""",
                {"all": LOCK_NAMESPACE_ALL, "ns": LOCK_NAMESPACE_BLOCK, "first": blocks[0], "last": blocks[1]},
            )
            return
        if ids is None or len(ids) > PER_RESEARCHER_LOCKS_MAX:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, 0)", [LOCK_NAMESPACE_ALL])
            return
        # The ids arrive sorted and the subquery keeps that order, so every run locks in
        # ascending order: two overlapping runs cannot deadlock. Keys are int4: ids wrap,
        # which can only make two researchers share a lock (more waiting, never less).
        # Their blocks shared first (a range run holding one excludes them), then their own.
        cursor.execute(
            """SELECT pg_advisory_xact_lock_shared(%(all)s, 0),
                      (SELECT count(pg_advisory_xact_lock_shared(%(block)s, b.block::int))
                       FROM (SELECT DISTINCT k / %(size)s AS block FROM unnest(%(ids)s::bigint[]) k ORDER BY 1) b),
                      (SELECT count(pg_advisory_xact_lock(%(ns)s, (k.id %% 2147483648)::int))
                       FROM (SELECT unnest(%(ids)s::bigint[]) AS id ORDER BY 1) k)""",
            {
                "all": LOCK_NAMESPACE_ALL,
                "block": LOCK_NAMESPACE_BLOCK,
                "size": LOCK_BLOCK_IDS,
                "ns": LOCK_NAMESPACE_RESEARCHER,
                "ids": ids,
            },
        )


def _recompute_locked(ids: list[int] | None, now: datetime, report: RecomputeReport) -> None:
    tick = time.perf_counter()
    gathered = trust_inputs_gather(ids, reference_year=timezone.localtime(now).year)
    current = _current_digests(ids)
    report.researchers = len(gathered.inputs) + len(gathered.unscorable)
    report.failures.extend(gathered.unscorable)
    report.gather_seconds = time.perf_counter() - tick

    tick = time.perf_counter()
    version = trust_formula.VERSION
    computed_at = now.isoformat()
    lines: list[str] = []
    written: list[tuple[int, str, trust_formula.TrustScore, dict[str, Any]]] = []
    for item in gathered.inputs:
        try:
            score = trust_formula.compute_trust(item.inputs, version)
            inputs_json = item.inputs.to_json()
            digest = snapshot_digest(version, score.score, inputs_json)
        except trust_formula.INPUT_ERRORS as exc:
            report.failures.append(Unscorable(item.researcher_id, item.openalex_id, str(exc) or type(exc).__name__))
            continue
        if current.get(item.researcher_id) == digest:
            continue
        written.append((item.researcher_id, item.openalex_id, score, inputs_json))
        lines.append(
            f"{item.researcher_id}\t{version}\t{score.score!r}\t{score.tier.value}\t{score.level}\t"
            f"{_copy_json(score.components_json())}\t{_copy_json(inputs_json)}\t{computed_at}\tt\t{digest}"
        )
    report.compute_seconds = time.perf_counter() - tick

    tick = time.perf_counter()
    if written:
        before = _retire_current([researcher_id for researcher_id, *_ in written])
        _copy_snapshots(lines)
        report.changes = [_change(row, before.get(row[0])) for row in written]
        report.written = len(written)
    report.write_seconds = time.perf_counter() - tick


def _current_digests(ids: list[int] | None) -> dict[int, str]:
    scope = "" if ids is None else "AND researcher_id = ANY(%(ids)s)"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT researcher_id, digest FROM graph_trustsnapshot WHERE is_current {scope}", {"ids": ids})
        return dict(cursor.fetchall())


def _retire_current(researcher_ids: list[int]) -> dict[int, tuple[float, str, int, dict[str, Any]]]:
    """Un-mark the current snapshots of these researchers; returns what they held."""
    with connection.cursor() as cursor:
        cursor.execute(
            """UPDATE graph_trustsnapshot SET is_current = false
               WHERE is_current AND researcher_id = ANY(%s)
               RETURNING researcher_id, score, formula_version, level, inputs""",
            [researcher_ids],
        )
        # Django has psycopg hand jsonb over as text (JSONField decodes it); so do we.
        return {pk: (score, version, level, orjson.loads(inputs)) for pk, score, version, level, inputs in cursor}


def _copy_snapshots(lines: list[str]) -> None:
    # COPY is psycopg's own call: wrapped, so that its errors are Django's, like every other
    # statement's (trust_recompute tells a refusal from other errors by them).
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.copy(f"COPY graph_trustsnapshot ({', '.join(_SNAPSHOT_COLUMNS)}) FROM STDIN") as copy,
    ):
        for start in range(0, len(lines), 5000):
            copy.write("\n".join(lines[start : start + 5000]) + "\n")


def _copy_json(value: Any) -> str:
    """JSON for a COPY text field: orjson escapes control characters inside strings, so only
    the backslashes of those escapes need doubling for COPY."""
    text = orjson.dumps(value).decode()
    return text.replace("\\", "\\\\") if "\\" in text else text


def _change(
    row: tuple[int, str, trust_formula.TrustScore, dict[str, Any]],
    before: tuple[float, str, int, dict[str, Any]] | None,
) -> TrustChange:
    researcher_id, openalex_id, score, inputs = row
    if before is None:
        reasons = change_reasons(None, inputs)
        return TrustChange(researcher_id, openalex_id, None, score.score, None, score.level, tuple(reasons))
    before_score, before_version, before_level, before_inputs = before
    try:
        reasons = change_reasons(
            before_inputs, inputs, before_version=before_version, after_version=score.formula_version
        )
    except trust_formula.INPUT_ERRORS:  # a stored snapshot with impossible inputs (old data)
        reasons = ["recomputed; the previous snapshot's inputs could not be compared"]
    return TrustChange(researcher_id, openalex_id, before_score, score.score, before_level, score.level, tuple(reasons))


def _describe(ids: list[int] | None) -> str:
    if ids is None:
        return "every researcher"
    return f"researcher {ids[0]}" if len(ids) == 1 else f"{len(ids)} researchers"
