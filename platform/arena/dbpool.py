"""Health check of pooled PostgreSQL connections.

psycopg's pool checks a connection before handing it out and, when the check fails, tries the
next one after a growing pause (1 s, 2 s, 4 s, ...). After the server dropped every connection
(restart, ``pg_terminate_backend``) a full pool of dead connections then outlasts the
request's pool timeout (8 dead connections: about 15 s of pauses; found by
tests/faults/test_faults_done_when.py). :func:`install` (called by the settings on PostgreSQL)
makes the first failed check sweep the whole pool at once (``pool.check()``: broken idle
connections are discarded and replaced), so the next try gets a working one. Django passes
``ConnectionPool.check_connection`` to the pool (``CONN_HEALTH_CHECKS``) and accepts no other
check, hence the wrapper is installed on the class."""

from __future__ import annotations

from typing import Any

_ORIGINAL = None


def check_connection(conn: Any) -> None:
    """Raise when ``conn`` is broken, after having its pool replace every broken idle one."""
    try:
        _ORIGINAL(conn)  # type: ignore[misc]
    except Exception:
        pool = getattr(conn, "_pool", None)
        if pool is not None:
            pool.check()
        raise


def install() -> None:
    """Make ``psycopg_pool.ConnectionPool.check_connection`` :func:`check_connection` (once)."""
    global _ORIGINAL
    from psycopg_pool import ConnectionPool

    if _ORIGINAL is None:
        _ORIGINAL = ConnectionPool.check_connection
        ConnectionPool.check_connection = staticmethod(check_connection)
