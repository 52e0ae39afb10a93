"""The PostgreSQL server's administration for benchmarks that make a database of their own."""
from __future__ import annotations

from sqlalchemy import create_engine

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def admin_sql(*statements: str, url: str = ADMIN_URL) -> None:
    """Run statements outside a transaction (CREATE and DROP DATABASE) on the server
    (`url`: the machine's by default)."""
    eng = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with eng.connect() as conn:
            for sql in statements:
                conn.exec_driver_sql(sql)
    finally:
        eng.dispose()
