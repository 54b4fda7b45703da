"""Bulk inserts and updates: executemany, or ``COPY`` on PostgreSQL.

Measured on the 2-core CI machine (20,000 places, PostgreSQL 15 on localhost): an
``INSERT ... RETURNING`` through SQLAlchemy's batched VALUES takes ~2.8 s, almost all of
it psycopg re-parsing each long batch statement in Python; ``COPY`` takes ~0.2 s. So on
PostgreSQL new rows go in by ``COPY`` (on the session's own connection, inside its
transaction), and everywhere else by executemany ``insert()``, which is fast on
SQLite. Updates are executemany ``UPDATE ... WHERE key = ?``, grouped by the set of
columns each row sets.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import JSON, bindparam, insert, text, update

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence

    from sqlalchemy import Table
    from sqlalchemy.orm import Session

CHUNK = 5000
"""Rows per statement batch: bounds memory without adding many round trips."""
IN_CHUNK = 900
"""Values per ``IN (...)`` list (SQLite builds before 3.32 allow 999 parameters)."""
ANALYZE_AFTER = 2000
"""Rows copied into a PostgreSQL table after which its statistics are refreshed."""
COPY_UPDATE_AFTER = 1000
"""Rows of one PostgreSQL update batch from which a temporary table beats executemany."""
MAX_LISTED = 5
"""Offending values an error message quotes."""

_T = TypeVar("_T")


def chunks(items: Sequence[_T], size: int) -> Iterator[Sequence[_T]]:
    """Consecutive slices of ``items`` of at most ``size`` elements."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def insert_rows(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table`` in the session's transaction.

    Column defaults computed in Python are not applied on PostgreSQL (``COPY``): give
    every value.
    """
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        _copy_rows(session, table, rows)
        if len(rows) >= ANALYZE_AFTER:
            # fresh statistics, or the planner takes a table just filled for empty and
            # scans it for each IN list that follows (measured: 20,000 rows, 100x slower)
            session.execute(text(f"ANALYZE {table.name}"))
        return
    for part in chunks(rows, CHUNK):
        session.execute(insert(table), list(part))


def _copy_rows(
    session: Session,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    into: str | None = None,
    names: Sequence[str] | None = None,
) -> None:
    """``COPY`` ``rows`` into ``table`` (or into table ``into``, shaped like it)."""
    from psycopg import sql  # noqa: PLC0415 - PostgreSQL only; psycopg is its driver
    from psycopg.types.json import Jsonb  # noqa: PLC0415

    names = list(rows[0]) if names is None else list(names)
    json_columns = {i for i, name in enumerate(names) if isinstance(table.c[name].type, JSON)}
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(into or table.name), sql.SQL(", ").join(map(sql.Identifier, names))
    )
    with _driver_connection(session).cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            values = [row[name] for name in names]
            for i, value in enumerate(values):
                if value is None:
                    continue
                if i in json_columns:
                    values[i] = Jsonb(value)
                elif isinstance(value, enum.Enum):
                    values[i] = value.value
            copy.write_row(values)


def _driver_connection(session: Session) -> Any:
    driver = session.connection().connection.driver_connection
    if driver is None:  # pragma: no cover - a checked-out connection always has one
        raise RuntimeError("no DBAPI connection behind the session")
    return driver


def update_rows(
    session: Session, table: Table, rows: Sequence[Mapping[str, Any]], *, key: str = "id"
) -> None:
    """Update rows of ``table`` found by column ``key``; each dict sets the columns it has.

    Rows that set the same columns are one batch: an executemany ``UPDATE``, or on
    PostgreSQL, for :data:`COPY_UPDATE_AFTER` rows or more, a ``COPY`` into a temporary
    table and one ``UPDATE ... FROM`` it (executemany costs a round trip per row there:
    200,000 places took ~20 s, against ~5 s this way).
    """
    groups: defaultdict[tuple[str, ...], list[Mapping[str, Any]]] = defaultdict(list)
    for row in rows:
        columns = tuple(sorted(name for name in row if name != key))
        if columns:
            groups[columns].append(row)
    postgres = session.get_bind().dialect.name == "postgresql"
    for columns, group in groups.items():
        if postgres and len(group) >= COPY_UPDATE_AFTER:
            _copy_update(session, table, group, key=key, columns=columns)
            continue
        statement = (
            update(table)
            .where(table.c[key] == bindparam(f"v_{key}"))
            .values({name: bindparam(f"v_{name}") for name in columns})
        )
        params = [{f"v_{k}": v for k, v in row.items()} for row in group]
        for part in chunks(params, CHUNK):
            session.execute(statement, list(part))


def _copy_update(
    session: Session,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    key: str,
    columns: Sequence[str],
) -> None:
    from psycopg import sql  # noqa: PLC0415 - PostgreSQL only; psycopg is its driver

    names = [key, *columns]
    temp = f"lc_update_{table.name}"
    driver = _driver_connection(session)
    # same column types as the target, no constraints; dropped at once after use
    driver.execute(
        sql.SQL(
            "CREATE TEMPORARY TABLE {} ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA"
        ).format(
            sql.Identifier(temp),
            sql.SQL(", ").join(map(sql.Identifier, names)),
            sql.Identifier(table.name),
        )
    )
    _copy_rows(session, table, rows, into=temp, names=names)
    driver.execute(
        sql.SQL(
            "UPDATE {target} SET {sets} FROM {temp} WHERE {target}.{key} = {temp}.{key}"
        ).format(
            target=sql.Identifier(table.name),
            temp=sql.Identifier(temp),
            key=sql.Identifier(key),
            sets=sql.SQL(", ").join(
                sql.SQL("{c} = {temp}.{c}").format(c=sql.Identifier(c), temp=sql.Identifier(temp))
                for c in columns
            ),
        )
    )
    driver.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(temp)))
