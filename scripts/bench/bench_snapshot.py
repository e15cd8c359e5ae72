"""``make bench-snapshot``: the snapshot sync (``import_openalex --snapshot``) on 1 and on 2
Celery worker processes, with what each costs in CPU (workers and PostgreSQL), WAL and memory.

Steps (only the sync runs are measured):

1. Generates ``bench/out/snapshot-50k/`` (scripts/bench/generate_snapshot.py: 50,000 works,
   seed 1, 4 ``updated_date=`` partitions of 3 parts, and the entities the sync also reads:
   the works' 50,000 authors, their institutions, topics and sources, 3 parts each) if it is
   absent or was written with other arguments; and, for the memory run,
   ``bench/out/snapshot-50k-one-part/``: the same works in one part file (532 MB of JSON,
   94 MB gz), which the sync reads in one task (its range limit is 90,000 records).
2. Per run: drops and recreates the database ``bzpeer_bench_snapshot`` on DATABASE_URL's server
   as a copy of ``bzpeer_bench_snapshot_template`` (created and migrated here; ``CREATE
   DATABASE ... TEMPLATE`` is a file copy). No other database is touched.
3. Starts N workers, ``celery -A bzpeer worker -c 1`` each (its own name, queue
   ``bench-snapshot`` on Redis database 14 of REDIS_URL's server, DEBUG off; each task forks one
   parsing process) and waits until every one answers a ping. Then, timed: ``manage.py
   import_openalex --snapshot DIR --wait --json --followups=skip`` (the co-author edge and
   trust refresh that follows a sync is measured by ``make bench-trust``; skipped here so that
   only the load is timed), whose one JSON line is the run's summary; works/s is over the
   sync's own seconds in it (queued to done), the command's wall time is shown beside. The
   runs: 1 worker and 2 workers on the 12-part snapshot, then (``--no-big-part`` skips it) 1
   worker on the one-part snapshot, for memory. ``--files-baseline`` adds today's one-process
   ``import_openalex DIR`` on the same folder, no workers, for reference.
4. Meanwhile a sampler reads /proc every 0.2 s: every process of each worker's tree (the
   worker, its pool process, the parsing processes), and every process of the PostgreSQL
   server (the postmaster at DATABASE_URL's port and its children). CPU-seconds are utime +
   stime of the live processes plus cutime + cstime (the children they have reaped), after
   minus before, so a process that came and went is counted. Peak memory is each process's
   VmHWM (its resident high-water mark, which the kernel keeps; a process that lived less
   than one interval may be missed) and the largest sampled sum of VmRSS over a worker's
   processes. PostgreSQL's CPU is given twice: the whole server (which also serves whatever
   else runs on this machine) and this benchmark's share, its database's backends plus the
   server's own writers (WAL writer, checkpointer, background writer, autovacuum launcher).
   WAL: ``pg_current_wal_lsn()`` before and after (the server's), and the part of it on this
   database's relations, from pg_waldump over that range (the segments are kept by a
   temporary replication slot, dropped with its session).
5. Checks that every work was written (the works table's count, through bench_web.run_code),
   prints a table with the load average beside each run, the verdicts (2 workers >= 1.5x one
   worker; peak memory < 1 GiB per worker) and writes ``bench/out/bench-snapshot.json``.

Exit status: 0 when every run finished with every work written; 1 otherwise (the targets are
reported, not enforced: the two cores are shared with PostgreSQL and other work).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import psycopg  # noqa: E402
import redis  # noqa: E402
from psycopg import sql  # noqa: E402

from scripts.bench import copy_baseline, generate_snapshot  # noqa: E402
from scripts.bench.bench_web import django_env, run_code  # noqa: E402

OUT = REPO / "bench" / "out"
DATABASE = "bzpeer_bench_snapshot"
TEMPLATE = "bzpeer_bench_snapshot_template"
REDIS_DB = 14
QUEUE = "bench-snapshot"
WORKS = 50_000
TARGET_SPEEDUP = 1.5
TARGET_PEAK_BYTES = 1 << 30
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_KB = 1024


# --- /proc -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProcStat:
    pid: int
    ppid: int
    cpu_self: float  # utime + stime, seconds
    cpu_reaped: float  # cutime + cstime: the children it has waited for
    title: str  # the command line (PostgreSQL backends name their database there)


def read_stat(pid: int) -> ProcStat | None:
    """One process's CPU counters from /proc/<pid>/stat; None when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_bytes()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may itself hold spaces or ')'.
    fields = raw[raw.rindex(b")") + 2 :].split()
    # fields[0] is field 3 (state): ppid is field 4, utime..cstime fields 14-17.
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    return ProcStat(
        pid=pid,
        ppid=int(fields[1]),
        cpu_self=(utime + stime) / CLOCK_TICKS,
        cpu_reaped=(cutime + cstime) / CLOCK_TICKS,
        title=cmdline.replace(b"\0", b" ").decode(errors="replace").strip(),
    )


def read_memory(pid: int) -> tuple[int, int]:
    """(VmHWM, VmRSS) of a process in bytes; (0, 0) when it is gone or has no memory (a zombie)."""
    hwm = rss = 0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                hwm = int(line.split()[1]) * PAGE_KB
            elif line.startswith("VmRSS:"):
                rss = int(line.split()[1]) * PAGE_KB
    except OSError:
        pass
    return hwm, rss


def all_processes() -> dict[int, ProcStat]:
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := read_stat(int(entry))) is not None:
            found[stat.pid] = stat
    return found


def tree(processes: dict[int, ProcStat], root: int) -> list[ProcStat]:
    """``root`` and its descendants among ``processes``."""
    children: dict[int, list[int]] = {}
    for p in processes.values():
        children.setdefault(p.ppid, []).append(p.pid)
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        if pid in processes:
            out.append(processes[pid])
            todo.extend(children.get(pid, []))
    return out


def tree_cpu(members: list[ProcStat]) -> float:
    """CPU-seconds a process tree has used: each live process's own plus what it has reaped
    (a reaped process's time, and its reaped descendants', is in its parent's cutime/cstime)."""
    return sum(p.cpu_self + p.cpu_reaped for p in members)


def postmaster_pid(url: str) -> int:
    """The PID of the PostgreSQL server at ``url``: the oldest ancestor among postgres
    processes of the backend that answers (pg_backend_pid)."""
    with psycopg.connect(url) as conn:
        backend = int(conn.execute("SELECT pg_backend_pid()").fetchone()[0])  # type: ignore[index]
        stat = read_stat(backend)
        if stat is None:
            raise SystemExit("PostgreSQL's processes are not visible in /proc (another machine or container?)")
        return stat.ppid


# --- sampling --------------------------------------------------------------------------------


@dataclass
class WorkerUsage:
    name: str
    root: int
    cpu_start: float = 0.0
    cpu_end: float = 0.0
    peak_hwm: dict[int, int] = field(default_factory=dict)  # pid -> VmHWM, bytes
    titles: dict[int, str] = field(default_factory=dict)
    peak_tree_rss: int = 0

    @property
    def cpu(self) -> float:
        return self.cpu_end - self.cpu_start

    @property
    def peak_process(self) -> int:
        return max(self.peak_hwm.values(), default=0)


class Sampler:
    """Reads the workers' and PostgreSQL's processes from /proc every ``interval`` seconds on a
    thread of its own until stopped; ``start``/``stop`` take the CPU counters before/after."""

    def __init__(self, workers: dict[str, int], postmaster: int, database: str, interval: float = 0.2) -> None:
        self.workers = {name: WorkerUsage(name, pid) for name, pid in workers.items()}
        self.postmaster = postmaster
        self.database = database
        self.interval = interval
        self.pg_start = self.pg_end = 0.0
        # Per PostgreSQL process of this benchmark (its database's backends, the server's own
        # writers): CPU first and last seen.
        self.pg_first: dict[int, float] = {}
        self.pg_last: dict[int, float] = {}
        self._baseline: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _ours(self, p: ProcStat) -> bool:
        if p.pid == self.postmaster:
            return False
        title = p.title
        writers = ("checkpointer", "background writer", "walwriter", "autovacuum launcher")
        return (
            f" {self.database} " in title
            or title.endswith(f" {self.database}")
            or any(title.endswith(w) for w in writers)
        )

    def _sample(self) -> dict[int, ProcStat]:
        processes = all_processes()
        for usage in self.workers.values():
            members = tree(processes, usage.root)
            rss_total = 0
            for p in members:
                hwm, rss = read_memory(p.pid)
                rss_total += rss
                if hwm > usage.peak_hwm.get(p.pid, 0):
                    usage.peak_hwm[p.pid] = hwm
                    usage.titles[p.pid] = p.title[:120]
            usage.peak_tree_rss = max(usage.peak_tree_rss, rss_total)
        for p in tree(processes, self.postmaster):
            if self._ours(p):
                self.pg_first.setdefault(p.pid, p.cpu_self)
                self.pg_last[p.pid] = p.cpu_self
        return processes

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def start(self) -> None:
        processes = self._sample()
        for usage in self.workers.values():
            usage.cpu_start = tree_cpu(tree(processes, usage.root))
        self.pg_start = tree_cpu(tree(processes, self.postmaster))
        # A backend already there counts from now; one that starts later from zero.
        self._baseline = dict(self.pg_last)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        processes = self._sample()
        for usage in self.workers.values():
            usage.cpu_end = tree_cpu(tree(processes, usage.root))
        self.pg_end = tree_cpu(tree(processes, self.postmaster))

    @property
    def pg_server_cpu(self) -> float:
        return self.pg_end - self.pg_start

    @property
    def pg_ours_cpu(self) -> float:
        """CPU of this benchmark's share of PostgreSQL (a backend that exited between two
        samples loses at most one interval of its time)."""
        return sum(last - self._baseline.get(pid, 0.0) for pid, last in self.pg_last.items())


# --- database and broker ---------------------------------------------------------------------


def server_url(database: str) -> str:
    parts = urlsplit(os.environ.get("DATABASE_URL") or copy_baseline.DEFAULT_DATABASE_URL)
    return urlunsplit(parts._replace(path=f"/{database}"))


def redis_url() -> str:
    parts = urlsplit(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")
    return urlunsplit(parts._replace(path=f"/{REDIS_DB}"))


def maintenance() -> psycopg.Connection[Any]:
    return psycopg.connect(server_url("postgres"), autocommit=True)


def prepare_template() -> None:
    """Create (if missing) and migrate the template database that every run copies."""
    with maintenance() as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [TEMPLATE]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(TEMPLATE)))
    done = subprocess.run(
        [sys.executable, str(REPO / "manage.py"), "migrate", "--noinput"],
        cwd=REPO,
        env=django_env(server_url(TEMPLATE)),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"migrate {TEMPLATE} failed:\n{done.stderr[-3000:]}")


def fresh_database() -> str:
    """Drop ``bzpeer_bench_snapshot`` and create it again from the migrated template."""
    with maintenance() as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DATABASE)))
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(DATABASE), sql.Identifier(TEMPLATE))
        )
    return server_url(DATABASE)


def clear_queue() -> None:
    """Delete this benchmark's keys (its queue, Kombu's bindings, its cache entries) from its
    Redis database; other keys there are left alone."""
    client = redis.Redis.from_url(redis_url())
    keys = list(client.scan_iter(match=f"*{QUEUE}*", count=1000))
    if keys:
        client.delete(*keys)


def wal_lsn(url: str) -> str:
    with psycopg.connect(url) as conn:
        return str(conn.execute("SELECT pg_current_wal_lsn()").fetchone()[0])  # type: ignore[index]


def wal_bytes(url: str, start: str, end: str) -> int:
    with psycopg.connect(url) as conn:
        return int(conn.execute("SELECT pg_wal_lsn_diff(%s, %s)", [end, start]).fetchone()[0])  # type: ignore[index]


_WAL_RECORD = re.compile(rb"len \(rec/tot\):\s*\d+/\s*(\d+), tx:\s*(\d+),.*?(?:rel \d+/(\d+)/|$)")


@dataclass
class WalShare:
    """WAL between two positions, split by the database its records touch (pg_waldump)."""

    ours: int = 0  # records on the benchmark database's relations, and its transactions' commits
    others: int = 0  # records on other databases' relations (other work on this server)
    unattributed: int = 0  # records of no database (checkpoints, running transactions)
    note: str = ""


def wal_share(url: str, start: str, end: str, database_oid: int) -> WalShare:
    """How much of the WAL from ``start`` to ``end`` is this benchmark's: pg_waldump lists every
    record with its total length (full-page images included), its transaction and the relations
    it touches (``rel tablespace/database/relation``); a commit, which names no relation, counts
    for the database of its transaction's other records. Needs pg_waldump and read access to
    the server's pg_wal (the segments are kept by a temporary replication slot held during the
    run); else the share is unknown and says why."""
    binaries = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_waldump"), reverse=True)
    waldump = shutil.which("pg_waldump") or (str(binaries[0]) if binaries else None)
    with psycopg.connect(url) as conn:
        data_directory = str(conn.execute("SHOW data_directory").fetchone()[0])  # type: ignore[index]
    wal_dir = Path(data_directory) / "pg_wal"
    if waldump is None or not os.access(wal_dir, os.R_OK):
        return WalShare(note="pg_waldump or the server's pg_wal is not reachable from here")
    failure = ""
    for attempt in range(3):
        share, failure = _wal_dump(waldump, wal_dir, start, end, str(database_oid).encode())
        if not failure:
            return share
        # pg_waldump stops at the first record it cannot read yet (the server may still be
        # writing the page the end falls on): the dump so far is short, so read it again.
        time.sleep(0.5 * (attempt + 1))
    return WalShare(note=f"pg_waldump failed: {failure}")


def _wal_dump(waldump: str, wal_dir: Path, start: str, end: str, ours: bytes) -> tuple[WalShare, str]:
    """One pass of pg_waldump over the WAL from ``start`` to ``end``: the share, and what
    pg_waldump said when it stopped with an error ("" when it read everything)."""
    share = WalShare()
    xid_db: dict[bytes, bytes] = {}
    pending: dict[bytes, int] = {}  # transaction -> bytes of its records without a relation
    dump = subprocess.Popen([waldump, "-p", str(wal_dir), "-s", start, "-e", end], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)  # fmt: skip
    assert dump.stdout is not None and dump.stderr is not None
    for line in dump.stdout:
        match = _WAL_RECORD.search(line)
        if match is None:
            continue
        length, xid, database = int(match.group(1)), match.group(2), match.group(3)
        if database is None:
            if xid == b"0":
                share.unattributed += length
            else:
                pending[xid] = pending.get(xid, 0) + length
            continue
        xid_db.setdefault(xid, database)
        if database == ours:
            share.ours += length
        else:
            share.others += length
    errors = dump.stderr.read().decode(errors="replace").strip()
    if dump.wait() != 0:
        return share, (errors.splitlines() or [f"exit {dump.returncode}"])[-1]
    for xid, length in pending.items():
        database = xid_db.get(xid)
        if database is None:
            share.unattributed += length
        elif database == ours:
            share.ours += length
        else:
            share.others += length
    return share, ""


@contextmanager
def wal_kept(url: str) -> Iterator[None]:
    """Keep the server's WAL segments from now until the block ends (a temporary physical
    replication slot, dropped with its session even if this process dies), so that pg_waldump
    can read the run's WAL after it."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_create_physical_replication_slot(%s, true, true)", [f"{DATABASE}_{os.getpid()}"])
        yield


def database_oid(url: str) -> int:
    with psycopg.connect(url) as conn:
        return int(conn.execute("SELECT oid FROM pg_database WHERE datname = current_database()").fetchone()[0])  # type: ignore[index]


def database_size(url: str) -> int:
    with psycopg.connect(url) as conn:
        return int(conn.execute("SELECT pg_database_size(current_database())").fetchone()[0])  # type: ignore[index]


# --- workers ---------------------------------------------------------------------------------


def bench_env(url: str) -> dict[str, str]:
    return django_env(
        url,
        REDIS_URL=redis_url(),
        CELERY_TASK_DEFAULT_QUEUE=QUEUE,
        CACHE_KEY_PREFIX=QUEUE,
    )


@contextmanager
def workers(url: str, count: int, logs: Path) -> Iterator[dict[str, int]]:
    """``count`` Celery workers, ``-c 1`` each, on the benchmark's queue; yields name -> PID
    once every one answers a ping, and stops them (warm shutdown, then SIGKILL) after."""
    logs.mkdir(parents=True, exist_ok=True)
    host = socket.gethostname()
    started: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for i in range(1, count + 1):
            name = f"{QUEUE}-{i}@{host}"
            log = (logs / f"worker-{count}-{i}.log").open("wb")
            started[name] = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "bzpeer",
                    "worker",
                    "-c",
                    "1",
                    "-n",
                    name,
                    "-Q",
                    QUEUE,
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "--loglevel=WARNING",
                ],  # fmt: skip
                cwd=REPO,
                env=bench_env(url),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stopped as a whole, nothing else
            )
            log.close()
        wait_for_workers(url, set(started), started)
        yield {name: p.pid for name, p in started.items()}
    finally:
        for process in started.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in started.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


_PING = """
from bzpeer.celery import app
replies = app.control.ping(timeout=1.0)
result = sorted(name for reply in replies for name in reply)
"""


def wait_for_workers(url: str, names: set[str], processes: dict[str, subprocess.Popen[bytes]]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        for name, process in processes.items():
            if process.poll() is not None:
                raise SystemExit(f"worker {name} exited with {process.returncode} (see bench/out/bench-snapshot-logs/)")
        if names <= set(run_code(url, _PING, **bench_env(url))):
            return
        time.sleep(0.5)
    raise SystemExit(f"workers {sorted(names)} did not answer a ping within 120 s")


# --- one run ---------------------------------------------------------------------------------


@dataclass
class Run:
    name: str
    workers: int
    snapshot: str
    works_expected: int
    works_written: int = 0
    seconds: float = 0.0
    summary: dict[str, Any] = field(default_factory=dict)  # the command's --json line
    command_cpu: float = 0.0  # the import_openalex process (plans, queues, waits)
    worker_cpu: dict[str, float] = field(default_factory=dict)
    worker_peak_process: dict[str, int] = field(default_factory=dict)
    worker_peak_tree_rss: dict[str, int] = field(default_factory=dict)
    worker_processes: dict[str, dict[str, int]] = field(default_factory=dict)  # name -> title: VmHWM
    pg_ours_cpu: float = 0.0
    pg_server_cpu: float = 0.0
    wal_bytes: int = 0  # the server's, pg_current_wal_lsn() after minus before
    wal_ours: int = 0  # the benchmark database's share of it (pg_waldump)
    wal_others: int = 0
    wal_unattributed: int = 0
    wal_note: str = ""
    database_bytes: int = 0
    tasks: list[str] = field(default_factory=list)  # the sync's task rows: "done, attempt 1: 24"
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    ok: bool = True
    problem: str = ""

    @property
    def sync_seconds(self) -> float:
        """The sync's own time, from its --json summary (queued to done: the command's start-up,
        planning and its polling interval left out); the command's wall time without one."""
        return float(self.summary.get("seconds") or self.seconds)

    @property
    def works_per_second(self) -> float:
        return self.works_written / self.sync_seconds if self.sync_seconds else 0.0

    def per_1000(self, cpu: float) -> float:
        return cpu * 1000 / self.works_written if self.works_written else 0.0


# The works written, and the sync's task rows by state and attempts (a task retried after a
# transient failure, a lock timeout say, shows as attempts > 1).
_RESULTS = """
from django.db.models import Count
from works.models import SnapshotTask, Work
result = {
    "works": Work.objects.count(),
    "tasks": [
        f"{row['state']}, attempt {row['attempts']}: {row['n']}"
        for row in SnapshotTask.objects.values("state", "attempts").annotate(n=Count("id")).order_by("state")
    ],
}
"""


SYNC = ["import_openalex", "--snapshot", "{folder}", "--wait", "--json", "--followups=skip"]
# Today's path, for reference: the files import in one process (and its parsing process), no workers.
FILES = ["import_openalex", "--followups=skip", "{folder}"]


def run_sync(name: str, snapshot: Path, count: int, expected: int, logs: Path, command_args: list[str] = SYNC) -> Run:
    run = Run(name, count, str(snapshot.relative_to(REPO)), expected)
    url = fresh_database()
    clear_queue()
    postmaster = postmaster_pid(url)
    with wal_kept(url):
        with workers(url, count, logs) as pids:
            sampler = Sampler(pids, postmaster, DATABASE)
            run.load_before = os.getloadavg()
            lsn = wal_lsn(url)
            sampler.start()
            children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            command = subprocess.Popen(
                [sys.executable, str(REPO / "manage.py"), *(a.format(folder=snapshot) for a in command_args)],
                cwd=REPO,
                env=bench_env(url),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            out, err = command.communicate()
            run.seconds = time.perf_counter() - started
            # The command is the only child this process reaps meanwhile: the difference is its
            # CPU (and that of the processes it reaped).
            children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
            sampler.stop()
            end_lsn = wal_lsn(url)
            run.load_after = os.getloadavg()
        run.wal_bytes = wal_bytes(url, lsn, end_lsn)
        share = wal_share(url, lsn, end_lsn, database_oid(url))
    run.wal_ours, run.wal_others, run.wal_unattributed, run.wal_note = (
        share.ours,
        share.others,
        share.unattributed,
        share.note,
    )
    run.command_cpu = round(
        children_after.ru_utime + children_after.ru_stime - children_before.ru_utime - children_before.ru_stime, 2
    )
    for usage in sampler.workers.values():
        run.worker_cpu[usage.name] = round(usage.cpu, 2)
        run.worker_peak_process[usage.name] = usage.peak_process
        run.worker_peak_tree_rss[usage.name] = usage.peak_tree_rss
        run.worker_processes[usage.name] = {
            f"{pid} {usage.titles.get(pid, '')}": hwm for pid, hwm in sorted(usage.peak_hwm.items())
        }
    run.pg_ours_cpu = round(sampler.pg_ours_cpu, 2)
    run.pg_server_cpu = round(sampler.pg_server_cpu, 2)
    run.summary = last_json_line(out.decode(errors="replace")) if command_args is SYNC else {}
    results = run_code(url, _RESULTS)
    run.works_written, run.tasks = int(results["works"]), list(results["tasks"])
    run.database_bytes = database_size(url)
    if command.returncode != 0:
        run.ok, run.problem = False, f"import_openalex exited with {command.returncode}: {err.decode()[-2000:]}"
    elif run.works_written != expected:
        run.ok, run.problem = False, f"{run.works_written:,} of {expected:,} works written"
    return run


def last_json_line(text: str) -> dict[str, Any]:
    """The command's ``--json`` summary: its last output line that is a JSON object."""
    for line in reversed(text.strip().splitlines()):
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return {}


# --- report ----------------------------------------------------------------------------------


def gib(n: int) -> str:
    return f"{n / (1 << 30):.2f} GiB" if n >= 1 << 30 else f"{n / (1 << 20):.0f} MiB"


def print_runs(runs: list[Run]) -> None:
    header = (
        f"{'run':<28}{'works':>8}{'wall s':>8}{'sync s':>8}{'works/s':>9}{'workers CPU-s/1k':>18}{'cmd CPU-s':>10}"
        f"{'PG CPU-s/1k':>13}"
        f"{'(server)':>10}{'WAL MB/1k':>11}{'(server)':>10}{'peak/worker':>13}{'  load avg 1/5/15 (before -> after)'}"
    )
    print("\n" + header + "\n" + "-" * len(header))
    for r in runs:
        cpu = sum(r.worker_cpu.values())
        peak = max([*r.worker_peak_process.values(), *r.worker_peak_tree_rss.values()], default=0)
        print(
            f"{r.name:<28}{r.works_written:>8,}{r.seconds:>8.1f}{r.sync_seconds:>8.1f}{r.works_per_second:>9,.0f}{r.per_1000(cpu):>18.2f}"
            f"{r.command_cpu:>10.1f}"
            f"{r.per_1000(r.pg_ours_cpu):>13.2f}{r.per_1000(r.pg_server_cpu):>10.2f}"
            f"{r.wal_ours / 1e6 * 1000 / max(1, r.works_written):>11.1f}"
            f"{r.wal_bytes / 1e6 * 1000 / max(1, r.works_written):>10.1f}{gib(peak):>13}"
            f"  {' '.join(f'{x:.2f}' for x in r.load_before)} -> {' '.join(f'{x:.2f}' for x in r.load_after)}"
            + ("" if r.ok else "   FAILED")
        )
    for r in runs:
        print(
            f"\n{r.name}: {r.snapshot}; import_openalex itself {r.command_cpu:.1f} CPU-s; "
            f"database {gib(r.database_bytes)} after; WAL: {r.wal_ours / 1e6:,.0f} MB on this database's "
            f"relations, {r.wal_others / 1e6:,.0f} MB on other databases', {r.wal_unattributed / 1e6:,.0f} MB "
            f"of none; {r.wal_bytes / 1e6:,.0f} MB in all {r.wal_note}".rstrip()
        )
        for name in r.worker_cpu:
            print(
                f"  {name}: {r.worker_cpu[name]:.1f} CPU-s, peak RSS of its processes together "
                f"{gib(r.worker_peak_tree_rss[name])}; VmHWM per process:"
            )
            for title, hwm in r.worker_processes[name].items():
                print(f"    {gib(hwm):>9}  {title}")
        if r.tasks:
            print(f"  task rows: {'; '.join(r.tasks)}")
        if r.summary:
            print(f"  summary: {json.dumps(r.summary)[:600]}")


def verdicts(runs: list[Run]) -> list[str]:
    lines = []
    one = next((r for r in runs if r.workers == 1 and r.ok and "one part" not in r.name), None)
    two = next((r for r in runs if r.workers == 2 and r.ok), None)
    if one and two:
        speedup = two.works_per_second / one.works_per_second
        lines.append(
            f"2 workers / 1 worker: {speedup:.2f}x (target >= {TARGET_SPEEDUP}x: "
            f"{'met' if speedup >= TARGET_SPEEDUP else 'NOT met'})"
        )
    peaks = [max(r.worker_peak_tree_rss[n], r.worker_peak_process[n]) for r in runs for n in r.worker_cpu]
    if peaks:
        peak = max(peaks)
        lines.append(
            f"largest peak per worker (its processes' RSS together, or one process's VmHWM): {gib(peak)} "
            f"(target < 1 GiB: {'met' if peak < TARGET_PEAK_BYTES else 'NOT met'})"
        )
    return lines


def ensure_snapshot(
    folder: Path, works: int, partitions: int, parts: int, entities: tuple[str, ...], regenerate: bool
) -> None:
    wanted = {"works": works, "partitions": partitions, "parts": parts, "entities": list(entities)}
    if not regenerate and generate_snapshot.matches(folder, **wanted):
        print(f"snapshot: {folder.relative_to(REPO)} (exists; --regenerate to rebuild)", flush=True)
        return
    stats = generate_snapshot.generate_snapshot(folder, works, partitions=partitions, parts=parts, entities=entities)
    print(
        f"snapshot: generated {folder.relative_to(REPO)}: {stats.records('works'):,} works in "
        f"{len(stats.parts['works'])} part(s), {stats.compressed_bytes('works') / 1e6:.0f} MB gz, "
        f"{stats.uncompressed_bytes['works'] / 1e6:.0f} MB JSON"
        + "".join(f"; {e} {stats.records(e):,}" for e in stats.parts if e != "works")
        + f"; {stats.seconds:.0f} s",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--works", type=int, default=WORKS, help=f"works in the snapshot ({WORKS})")
    parser.add_argument("--workers", default="1,2", help="worker counts to run, in order (1,2)")
    parser.add_argument("--no-big-part", action="store_true", help="skip the one-part memory run")
    parser.add_argument("--regenerate", action="store_true", help="write the snapshots again")
    parser.add_argument(
        "--files-baseline",
        action="store_true",
        help="also time today's one-process `import_openalex DIR` on the same folder (no workers)",
    )
    args = parser.parse_args(argv)
    counts = [int(n) for n in args.workers.split(",") if n.strip()]

    print(
        f"machine: {os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}; "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        flush=True,
    )
    with psycopg.connect(server_url("postgres")) as conn:
        settings = {
            s: conn.execute(sql.SQL("SHOW {}").format(sql.Identifier(s))).fetchone()[0]  # type: ignore[index]
            for s in (
                "server_version",
                "fsync",
                "synchronous_commit",
                "shared_buffers",
                "max_wal_size",
                "wal_compression",
                "full_page_writes",
            )
        }
    print("postgresql: " + ", ".join(f"{k} {v}" for k, v in settings.items()), flush=True)
    main_folder = OUT / f"snapshot-{args.works // 1000}k"
    big_folder = OUT / f"snapshot-{args.works // 1000}k-one-part"
    ensure_snapshot(main_folder, args.works, 4, 3, generate_snapshot.ENTITIES, args.regenerate)
    if not args.no_big_part:
        ensure_snapshot(big_folder, args.works, 1, 1, ("works",), args.regenerate)
    print(f"database: {DATABASE}, a copy of {TEMPLATE} (migrated) for each run", flush=True)
    prepare_template()
    logs = OUT / "bench-snapshot-logs"

    runs = []
    if args.files_baseline:
        print("run: import_openalex DIR in one process (no workers) ...", flush=True)
        runs.append(run_sync("files import, no workers", main_folder, 0, args.works, logs, FILES))
    for count in counts:
        print(f"run: {count} worker(s) ...", flush=True)
        runs.append(run_sync(f"{count} worker(s), 12 parts", main_folder, count, args.works, logs))
    if not args.no_big_part:
        print("run: 1 worker, one part ...", flush=True)
        runs.append(run_sync("1 worker, one part", big_folder, 1, args.works, logs))

    print_runs(runs)
    print()
    for line in verdicts(runs):
        print(line)
    for r in runs:
        if not r.ok:
            print(f"FAILED: {r.name}: {r.problem}", file=sys.stderr)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "bench-snapshot.json").write_text(
        json.dumps(
            {
                "postgresql": settings,
                "runs": [
                    {
                        **asdict(r),
                        "works_per_second": round(r.works_per_second, 1),
                        "worker_cpu_per_1000_works": round(r.per_1000(sum(r.worker_cpu.values())), 3),
                        "pg_ours_cpu_per_1000_works": round(r.per_1000(r.pg_ours_cpu), 3),
                        "pg_server_cpu_per_1000_works": round(r.per_1000(r.pg_server_cpu), 3),
                        "wal_bytes_per_1000_works": round(r.wal_ours * 1000 / max(1, r.works_written)),
                        "server_wal_bytes_per_1000_works": round(r.wal_bytes * 1000 / max(1, r.works_written)),
                    }
                    for r in runs
                ],
                "verdicts": verdicts(runs),
            },
            indent=2,
        )
        + "\n"
    )
    return 0 if all(r.ok for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
