"""Disk size of every table of a BZPEER database, per table and per index, with its row count and
the bytes per row: the measurements that docs/scaling.md extrapolates to the full OpenAlex
snapshot.

Read-only: the session is opened with ``default_transaction_read_only`` on, and it only runs
``count(*)`` and PostgreSQL's size functions (``pg_relation_size`` for a table's heap and each
index, ``pg_total_relation_size`` for the table with its TOAST and indexes, ``pg_indexes_size``
for all its indexes); safe on a benchmark database that others use.

Run: ``python scripts/bench/db_sizes.py --database bzpeer_bench_web`` (the server is DATABASE_URL's);
prints a table and writes ``bench/out/db-sizes-<database>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402

from scripts.bench import copy_baseline  # noqa: E402

OUT = REPO / "bench" / "out"

_TABLES = """
SELECT c.oid, c.relname, pg_relation_size(c.oid) AS heap,
       coalesce(pg_total_relation_size(c.reltoastrelid), 0) AS toast,
       pg_indexes_size(c.oid) AS indexes, pg_total_relation_size(c.oid) AS total
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'm') AND n.nspname = 'public'
ORDER BY pg_total_relation_size(c.oid) DESC
"""

_INDEXES = """
SELECT i.indrelid, ic.relname, am.amname, pg_relation_size(ic.oid), pg_get_indexdef(ic.oid)
FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam
ORDER BY pg_relation_size(ic.oid) DESC
"""


def measure(url: str) -> dict[str, Any]:
    """Per table: rows, heap, TOAST, indexes and total bytes, and each index (name, access
    method, bytes, definition); and the database's size."""
    with psycopg.connect(url, options="-c default_transaction_read_only=on") as conn:
        indexes: dict[int, list[dict[str, Any]]] = {}
        for table_oid, name, method, size, definition in conn.execute(_INDEXES).fetchall():
            indexes.setdefault(table_oid, []).append(
                {"name": name, "method": method, "bytes": size, "definition": definition}
            )
        tables = []
        for oid, name, heap, toast, index_bytes, total in conn.execute(_TABLES).fetchall():
            rows = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(name))).fetchone()[0]  # type: ignore[index]
            tables.append(
                {
                    "table": name,
                    "rows": rows,
                    "heap_bytes": heap,
                    "toast_bytes": toast,
                    "index_bytes": index_bytes,
                    "total_bytes": total,
                    "bytes_per_row": round(total / rows, 1) if rows else None,
                    "indexes": indexes.get(oid, []),
                }
            )
        database = conn.execute("SELECT current_database(), pg_database_size(current_database())").fetchone()
        assert database is not None
    return {"database": database[0], "database_bytes": database[1], "tables": tables}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--database", required=True, help="the database to measure (read-only)")
    parser.add_argument("--min-bytes", type=int, default=1 << 20, help="print tables from this size (1 MiB)")
    args = parser.parse_args(argv)
    parts = urlsplit(os.environ.get("DATABASE_URL") or copy_baseline.DEFAULT_DATABASE_URL)
    url = urlunsplit(parts._replace(path=f"/{args.database}"))
    result = measure(url)
    print(f"{result['database']}: {result['database_bytes'] / 2**30:.2f} GiB")
    print(f"{'table':<40}{'rows':>14}{'heap MiB':>10}{'toast MiB':>10}{'index MiB':>10}{'total MiB':>10}{'B/row':>8}")
    for t in result["tables"]:
        if t["total_bytes"] < args.min_bytes:
            continue
        print(
            f"{t['table']:<40}{t['rows']:>14,}{t['heap_bytes'] / 2**20:>10.0f}{t['toast_bytes'] / 2**20:>10.0f}"
            f"{t['index_bytes'] / 2**20:>10.0f}{t['total_bytes'] / 2**20:>10.0f}{t['bytes_per_row'] or 0:>8.0f}"
        )
        for index in t["indexes"]:
            if index["bytes"] >= args.min_bytes:
                print(f"    {index['name']:<56} {index['method']:<6}{index['bytes'] / 2**20:>10.0f} MiB")
    OUT.mkdir(parents=True, exist_ok=True)
    target = OUT / f"db-sizes-{result['database']}.json"
    target.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written: {target.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
