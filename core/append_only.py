"""Append-only tables, enforced by PostgreSQL whoever connects: a row trigger that refuses
every UPDATE and DELETE. The claims audit log got its trigger written out in profiles
migration 0002; later logs (such as the moderation log of reports on invitations and
messages) take theirs from here, in a migration:
``migrations.RunSQL(*append_only_sql("<app>_<model>"))``.

TRUNCATE is a table-level operation left to the table owner (the test runner empties tables
with it between transactional tests), as for the claims log. Pair the trigger with a
read-only admin (core.admin.ReadOnlyAdmin) and plain-id references without foreign-key
constraints (a cascade or SET NULL would be an UPDATE/DELETE the trigger refuses).
"""

from __future__ import annotations

import re

_TABLE = re.compile(r"^[a-z_][a-z0-9_]*$")


def append_only_sql(table: str) -> tuple[str, str]:
    """(forward, reverse) SQL that makes ``table`` append-only and undoes it. The error
    says "<table> is append-only: UPDATE refused" with SQLSTATE 42501 (insufficient_privilege)."""
    if not _TABLE.match(table):
        raise ValueError(f"not a plain table name: {table!r}")
    forward = f"""
CREATE FUNCTION {table}_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER {table}_append_only
    BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {table}_append_only();
"""
    reverse = f"""
DROP TRIGGER IF EXISTS {table}_append_only ON {table};
DROP FUNCTION IF EXISTS {table}_append_only();
"""
    return forward, reverse
