"""One SQLAlchemy 1.4 engine per role (psycopg2 underneath), and the one way to run a statement.

Every endpoint runs exactly one statement of queries.py in a transaction of its own, with its
parameters bound by the driver (never formatted into the text).
"""
from typing import Any, Dict, List, Optional

import psycopg2
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.sql.elements import TextClause

from .config import ROLES, Settings
from .errors import RoleNotConfigured


def _connector(dsn: str, role: str, statement_timeout: str):
    """psycopg2.connect for DSN (a libpq connection string, PG* variables fill in the rest)."""

    def connect():
        return psycopg2.connect(dsn, application_name=f"reliability-api ({role})",
                                options=f"-c statement_timeout={statement_timeout}")

    return connect


class Database:
    def __init__(self, settings: Settings):
        self.engines: Dict[str, Engine] = {}
        for role in ROLES:
            dsn = settings.dsns.get(role)
            if dsn:
                self.engines[role] = create_engine(
                    "postgresql+psycopg2://",
                    creator=_connector(dsn, role, settings.statement_timeout),
                    pool_size=settings.pool_size,
                    max_overflow=settings.pool_size,
                    pool_pre_ping=True,
                    future=True,
                )

    def engine(self, role: str) -> Engine:
        try:
            return self.engines[role]
        except KeyError:
            raise RoleNotConfigured(role) from None

    def all(self, role: str, statement: TextClause, **params: Any) -> List[Dict[str, Any]]:
        """Runs STATEMENT as ROLE in a transaction of its own; its rows as dicts."""
        with self.engine(role).begin() as conn:
            return [dict(row) for row in conn.execute(statement, params).mappings()]

    def one(self, role: str, statement: TextClause, **params: Any) -> Optional[Dict[str, Any]]:
        """The first row (or None) of STATEMENT run as ROLE."""
        rows = self.all(role, statement, **params)
        return rows[0] if rows else None

    def dispose(self) -> None:
        for engine in self.engines.values():
            engine.dispose()
