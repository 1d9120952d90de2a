"""Fixtures: a live API server (uvicorn, as deployed) on a free port, an HTTP client, and a
superuser connection for the checks. test/integration/api.sh prepares the database (the
extension, README's roles, tests/fleet.sql) and exports:
    RELIABILITY_{API,OPERATOR,MONITOR,INSTANCE_MANAGER}_DSN   the API's connections
    RELIABILITY_ADMIN_DSN                                     the superuser, for the checks
    CACHE_PROBLEMS_SQL                                        test/integration/lib.sh's exactness check
    SCREENSHOT                                                where test_dashboard saves its screenshot
"""
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psycopg2
import psycopg2.extras
import pytest

API_DIR = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def base_url():
    port = _free_port()
    log = open(os.environ.get("API_SERVER_LOG", os.devnull), "ab")
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "reliability_api.app:app", "--host", "127.0.0.1", "--port", str(port)],
        cwd=API_DIR, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            if server.poll() is not None:
                pytest.fail(f"the API server exited with {server.returncode} (log: API_SERVER_LOG)")
            try:
                first = httpx.get(f"{url}/api/machines?limit=1", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail("the API server did not answer within 10 s")
        if first.status_code >= 500:
            pytest.fail(f"the API server answers {first.status_code}: {first.text}")
        yield url
    finally:
        server.terminate()
        server.wait(10)
        log.close()


@pytest.fixture(scope="session")
def client(base_url):
    with httpx.Client(base_url=base_url, timeout=30) as c:
        yield c


@pytest.fixture(scope="session")
def admin():
    conn = psycopg2.connect(os.environ["RELIABILITY_ADMIN_DSN"], cursor_factory=psycopg2.extras.RealDictCursor)
    conn.autocommit = True
    yield conn
    conn.close()


def rows(admin, query, **params):
    with admin.cursor() as cur:
        cur.execute(query, params)
        return cur.fetchall()


def value(admin, query, **params):
    result = rows(admin, query, **params)
    return next(iter(result[0].values())) if result else None


def cache_problems(admin):
    """test/integration/lib.sh's check: one line per cached row that is not exactly
    reliability.score(machine_id, computed_at), field for field (empty: the cache is exact)."""
    with admin.cursor() as cur:
        cur.execute(os.environ["CACHE_PROBLEMS_SQL"])
        return [next(iter(r.values())) for r in cur.fetchall()]


@pytest.fixture(scope="session")
def fleet(admin):
    """The machines of tests/fleet.sql by profile: {"excellent": [ids], ..., "blacklisted": [ids]}."""
    by = {}
    for r in rows(admin, """
            SELECT v.machine_id, v.tier, v.stale, v.blacklisted FROM reliability.machine_reliability v
            WHERE v.external_id ~ '^[a-z]+-[0-9]+-[0-9]+$' ORDER BY v.machine_id"""):
        key = "blacklisted" if r["blacklisted"] else "stale" if r["stale"] else r["tier"]
        by.setdefault(key, []).append(r["machine_id"])
    assert {"excellent", "good", "fair", "poor", "new", "stale", "blacklisted"} <= by.keys(), by
    return by
