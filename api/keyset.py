"""Keyset ("seek") paging over an ordering that ends on a unique column, and the opaque
cursor that carries the position.

A page after a cursor is the rows strictly after the last row of the previous page in the
ordering: a ``WHERE`` on the sort keys, never an ``OFFSET``, so a deep page costs what the
first one does. The orderings are the ones the pages use (works.selectors.WORK_SORTS,
graph.coauthors.COAUTHOR_SORTS): each ends on a unique id, so the order is total.

The cursor is the sort keys of that last row, signed (django.core.signing, HMAC with
SECRET_KEY) with a salt of its endpoint, together with what it was made for (the sort and the
record). A cursor that was altered, comes from another endpoint, another sort or another
record, or is no cursor at all is refused with a reason (:class:`CursorError`). Nothing here
touches the database.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core import signing
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import OrderBy

SALT_PREFIX = "bzpeer.api.cursor."
CURSOR_MAX_LENGTH = 1000


class CursorError(ValueError):
    """The cursor cannot be used; the message says why, for the client."""


def _keys(ordering: tuple[OrderBy | str, ...]) -> list[OrderBy]:
    """The ordering as OrderBy expressions ("id" -> ascending id, "-id" -> descending)."""
    keys = []
    for item in ordering:
        if isinstance(item, str):
            keys.append(F(item.lstrip("-")).desc() if item.startswith("-") else F(item).asc())
        else:
            keys.append(item)
    return keys


def _name(index: int) -> str:
    return f"_key{index}"


def keyset_ordered(qs: QuerySet[Any], ordering: tuple[OrderBy | str, ...]) -> QuerySet[Any]:
    """``qs`` with each sort key annotated (``_key0``…) and ordered by them as ``ordering``
    says (nulls where the ordering puts them). Lazy."""
    keys = _keys(ordering)
    qs = qs.annotate(**{_name(i): key.expression for i, key in enumerate(keys)})
    order = []
    for i, key in enumerate(keys):
        column = F(_name(i))
        last = True if key.nulls_last else None
        order.append(column.desc(nulls_last=last) if key.descending else column.asc(nulls_last=last))
    return qs.order_by(*order)


def _after(key: OrderBy, name: str, value: Any) -> Q | None:
    """Rows strictly after ``value`` on this key (None: no row can be; nulls sort last)."""
    if value is None:
        return None  # nulls are last: nothing comes after them on this key
    strictly = Q(**{f"{name}__lt" if key.descending else f"{name}__gt": value})
    return strictly | Q(**{f"{name}__isnull": True}) if key.nulls_last else strictly


def _equal(name: str, value: Any) -> Q:
    return Q(**{f"{name}__isnull": True}) if value is None else Q(**{name: value})


def keyset_after(qs: QuerySet[Any], ordering: tuple[OrderBy | str, ...], position: list[Any]) -> QuerySet[Any]:
    """The rows of ``qs`` (from :func:`keyset_ordered`) strictly after ``position`` (the sort
    key values of a row, as :func:`position_of` gives them): the lexicographic comparison
    spelled out, (k0 after) or (k0 equal and k1 after) or … Lazy."""
    keys = _keys(ordering)
    condition = Q(pk__in=[])
    prefix = Q()
    for i, (key, value) in enumerate(zip(keys, position, strict=True)):
        after = _after(key, _name(i), value)
        if after is not None:
            condition |= prefix & after
        prefix &= _equal(_name(i), value)
    return qs.filter(condition)


def position_of(row: Any, ordering: tuple[OrderBy | str, ...]) -> list[Any]:
    """The sort key values of ``row`` (read from a :func:`keyset_ordered` queryset), as JSON
    can carry them (dates as ISO text, which the database compares as dates)."""
    values = [getattr(row, _name(i)) for i in range(len(ordering))]
    return [v.isoformat() if isinstance(v, date | datetime) else v for v in values]


def cursor_make(endpoint: str, scope: str, position: list[Any]) -> str:
    """The opaque cursor of ``position`` for ``endpoint`` within ``scope`` (the record and the
    sort it pages through)."""
    return signing.dumps({"s": scope, "p": position}, salt=SALT_PREFIX + endpoint, compress=True)


def cursor_read(endpoint: str, scope: str, cursor: str) -> list[Any]:
    """The position ``cursor`` carries, or :class:`CursorError` when it is no cursor of this
    endpoint and scope."""
    if len(cursor) > CURSOR_MAX_LENGTH or not cursor.isascii():
        raise CursorError("The cursor is not one this API gave out: use the next_cursor of a previous page.")
    try:
        data = signing.loads(cursor, salt=SALT_PREFIX + endpoint)
    except (signing.BadSignature, ValueError, TypeError):
        raise CursorError(
            "The cursor is not one this API gave out for this list: use the next_cursor of its previous page."
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("p"), list):
        raise CursorError("The cursor is not one this API gave out: use the next_cursor of a previous page.")
    if data.get("s") != scope:
        raise CursorError(
            "The cursor belongs to another list (another record or sort): start again without it."
        )
    return list(data["p"])
