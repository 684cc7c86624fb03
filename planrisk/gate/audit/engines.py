"""One store, two engines (audit stage): a `StoreSpec` → the open `Store` of its engine.

Input: a `StoreSpec` (`planrisk.gate.audit.locations`). Output: an open `Store`
(`planrisk.gate.audit.store_interface`), closed when the block ends. The engine modules are
imported when a store of their kind is opened: psycopg only for a PostgreSQL store.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from planrisk.gate.audit.locations import POSTGRESQL, StoreSpec
from planrisk.gate.audit.store_interface import Store


@contextmanager
def open_store(spec: StoreSpec) -> Iterator[Store]:
    """The store of `spec`, closed afterwards."""
    store: Store
    if spec.engine == POSTGRESQL:
        try:
            from planrisk.gate.audit.postgres_engine import PostgresStore
        except ImportError:
            from planrisk.errors import InputError

            raise InputError(
                "a PostgreSQL store needs psycopg, which is not installed",
                source=spec.label,
                hint="install the extra: pip install 'planrisk[postgres]'",
            ) from None
        store = PostgresStore(spec)
    else:
        from planrisk.gate.audit.sqlite_engine import SqliteStore

        store = SqliteStore(spec)
    try:
        yield store
    finally:
        store.close()
