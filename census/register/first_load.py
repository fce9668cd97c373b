"""The first load of an empty register on PostgreSQL: keys and indexes built once, at the end.

``census.register.service`` wraps its inserts in ``keys_and_indexes_built_at_the_end`` when the
register is empty; every later import keeps them in place and works row by row.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection
from sqlalchemy.exc import OperationalError

log = logging.getLogger(__name__)

#: How long the first load waits to take the register for itself before going the usual way.
FIRST_LOAD_LOCK_WAIT = "2s"


#: What a first load builds once, at the end, rather than row by row: on ``household`` and
#: ``member``, every foreign key, every primary or unique key no foreign key depends on (the
#: member's primary key; the household's stays, members refer to it), and every index that
#: belongs to no constraint and covers every row. A partial index stays: the households a first
#: load inserts are not counted, have no proof and are not the demo's, so they enter none of
#: them, and keeping one costs a test a row where making it again costs a pass over the table.
BUILT_AT_THE_END = """
SELECT 1, c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
FROM pg_constraint c
WHERE c.conrelid IN ('household'::regclass, 'member'::regclass)
  AND (c.contype = 'f' OR (c.contype IN ('p', 'u') AND NOT EXISTS (
      SELECT 1 FROM pg_constraint k WHERE k.contype = 'f' AND k.conindid = c.conindid)))
UNION ALL
SELECT 0, i.indrelid::regclass::text, i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
FROM pg_index i
WHERE i.indrelid IN ('household'::regclass, 'member'::regclass)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
  AND i.indpred IS NULL
ORDER BY 1, 2, 3
"""


@contextmanager
def keys_and_indexes_built_at_the_end(connection: Connection) -> Iterator[bool]:
    """Build the register's indexes and check its keys once, after the inserts.

    For the first load of an empty register on PostgreSQL. Row by row, each inserted household
    and person costs an entry in every index of its table and a query (with a row lock) for each
    foreign key. Dropped here and made again with the same definitions once the rows are in,
    PostgreSQL sorts each index in one pass (on several cores where it can) and validates each
    key in one join, and still refuses the whole import if any row were wrong. Both run in the
    import's transaction, so no one ever sees the tables without them. In exchange ``household``
    and ``member`` stay locked until the import commits, which an empty register can afford: the
    site's requests give up waiting after ``DATABASE_LOCK_TIMEOUT`` with the "try again" page.
    When the tables cannot be taken within ``FIRST_LOAD_LOCK_WAIT`` (someone is reading them),
    everything stays in place and works row by row as usual. Yields whether the import has the
    tables to itself (nobody else can add to them until it commits).
    """
    built = connection.exec_driver_sql(BUILT_AT_THE_END).all()
    savepoint = connection.begin_nested()
    try:
        connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{FIRST_LOAD_LOCK_WAIT}'")
        connection.exec_driver_sql("LOCK TABLE household, member IN ACCESS EXCLUSIVE MODE")
        for constraint, table, name, _definition in reversed(built):
            if constraint:
                connection.exec_driver_sql(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            else:
                connection.exec_driver_sql(f"DROP INDEX {name}")
        connection.exec_driver_sql("SET LOCAL lock_timeout = 0")
    except OperationalError:
        savepoint.rollback()
        log.info("register import: the register is in use; keys and indexes kept row by row")
        yield False
        return
    savepoint.commit()
    yield True
    connection.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
    for constraint, table, name, definition in built:
        if constraint:
            connection.exec_driver_sql(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        else:
            connection.exec_driver_sql(definition)
