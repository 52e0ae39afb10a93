"""The PostgreSQL server's administration for benchmarks that make a database of their own."""
from __future__ import annotations

from sqlalchemy import create_engine

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def admin_sql(*statements: str) -> None:
    """Run statements outside a transaction (CREATE and DROP DATABASE) on the server."""
    eng = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with eng.connect() as conn:
            for sql in statements:
                conn.exec_driver_sql(sql)
    finally:
        eng.dispose()
