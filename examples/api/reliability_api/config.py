"""Where the API connects: one libpq connection string per role of README's "Roles".

    RELIABILITY_API_DSN               role api: reads scores, history, report, blacklist; rates
    RELIABILITY_OPERATOR_DSN          a LOGIN member of operator: adds and removes blacklist entries
    RELIABILITY_MONITOR_DSN           role monitor: observe() (granted EXECUTE on it)
    RELIABILITY_INSTANCE_MANAGER_DSN  role instance_manager: records deploy attempts

Each is a libpq connection string ("host=db dbname=brokerdb user=api" or
"postgresql://api@db/brokerdb"); the PG* environment variables and ~/.pgpass fill in what it
leaves out, as for psql. A role whose DSN is unset is not connected: its endpoints answer 503.
RELIABILITY_STATEMENT_TIMEOUT (default 5s) bounds every statement; RELIABILITY_POOL_SIZE
(default 5) is the number of pooled connections per role (plus as many again on demand).
"""
import os
from dataclasses import dataclass, field
from typing import Dict, Optional

ROLES = ("api", "operator", "monitor", "instance_manager")


@dataclass(frozen=True)
class Settings:
    dsns: Dict[str, Optional[str]] = field(default_factory=dict)
    statement_timeout: str = "5s"
    pool_size: int = 5

    @classmethod
    def from_env(cls, env=os.environ) -> "Settings":
        return cls(
            dsns={role: env.get(f"RELIABILITY_{role.upper()}_DSN") or None for role in ROLES},
            statement_timeout=env.get("RELIABILITY_STATEMENT_TIMEOUT", "5s"),
            pool_size=int(env.get("RELIABILITY_POOL_SIZE", "5")),
        )
