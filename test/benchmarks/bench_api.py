"""The measuring part of test/benchmarks/bench_api.sh (run from examples/api, the database
ready, the API's DSNs in the environment): starts uvicorn, times every endpoint over HTTP and
its statement through the API's own Database, prints Markdown."""
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

import http.client
import json
from sqlalchemy import text

from reliability_api import queries as q
from reliability_api.config import Settings
from reliability_api.db import Database

RUNS = int(os.environ.get("BENCH_RUNS", 5))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", 40))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    db = Database(Settings.from_env())
    rnd = random.Random(42)
    listed = db.all("api", q.MACHINE_LIST, min_score=0, tier=None, hide_stale=False, limit=100000)
    ids = [m["machine_id"] for m in listed]  # not blacklisted
    cycle_ids = [(m["provider"], m["external_id"]) for m in
                 db.all("api", text("SELECT provider, external_id FROM reliability.machines ORDER BY machine_id"))]
    top50 = ids[:50]
    clock = {"t": datetime.now(timezone.utc).replace(microsecond=0) + timedelta(minutes=1)}

    def pick():
        return rnd.choice(ids)

    def poll_cycle():
        clock["t"] += timedelta(seconds=1)
        at = clock["t"].isoformat()
        return {"provider": [p for p, _ in cycle_ids], "external_id": [e for _, e in cycle_ids],
                "observed_at": [at] * len(cycle_ids), "online": [True] * len(cycle_ids)}

    def blacklist_it(m):  # untimed: what "blacklist: remove" removes
        db.all("operator", q.BLACKLIST_ADD, machine_id=m, kind="manual", reason="bench", expires_at=None)

    # name, role, method, path(m), body(m) or None, the statement and its parameters(m), requests per run
    n = REQUESTS
    cases = [
        ("list: top 50", "api", "GET", lambda m: "/api/machines", None,
         (q.MACHINE_LIST, lambda m: dict(min_score=0, tier=None, hide_stale=False, limit=50)), n),
        ("list: tier good, not stale, score >= 80", "api", "GET", lambda m: "/api/machines?tier=good&hide_stale=true&min_score=80", None,
         (q.MACHINE_LIST, lambda m: dict(min_score=80, tier="good", hide_stale=True, limit=50)), n),
        ("machine: score and tier", "api", "GET", lambda m: f"/api/machines/{m}", None,
         (q.MACHINE, lambda m: dict(machine_id=m)), n),
        ("machine: badge.svg", "api", "GET", lambda m: f"/api/machines/{m}/badge.svg", None, None, n),
        ("machine: report()", "api", "GET", lambda m: f"/api/machines/{m}/report", None,
         (q.REPORT, lambda m: dict(machine_id=m)), n),
        ("history: 30 days", "api", "GET", lambda m: f"/api/machines/{m}/history?days=30", None,
         (q.HISTORY, lambda m: dict(machine_id=m, days=30)), n),
        ("history: 90 days", "api", "GET", lambda m: f"/api/machines/{m}/history?days=90", None,
         (q.HISTORY, lambda m: dict(machine_id=m, days=90)), n),
        ("daily uptime of the 50 listed (bars)", "api", "GET",
         lambda m: "/api/daily-uptime?days=30&" + "&".join(f"machine_id={i}" for i in top50), None,
         (q.DAILY_UPTIME_MANY, lambda m: dict(machine_ids=top50, days=30)), n),
        ("timeline: periods(), 30 days", "api", "GET", lambda m: f"/api/machines/{m}/periods", None,
         (q.PERIODS, lambda m: dict(machine_id=m, days=None)), n),
        ("rate (insert or update)", "api", "POST", lambda m: f"/api/machines/{m}/ratings",
         lambda m: {"user_id": f"bench-{rnd.randrange(20)}", "stars": rnd.randint(1, 5)},
         (q.RATE, lambda m: dict(machine_id=m, user_id=f"bench-{rnd.randrange(20)}", stars=rnd.randint(1, 5),
                                 comment=None, rental_duration_hours=None, instance_id=None)), n),
        ("register machine (existing)", "api", "POST", lambda m: "/api/machines",
         lambda m: {"provider": cycle_ids[0][0], "external_id": cycle_ids[0][1]},
         (q.MACHINE_REGISTER, lambda m: dict(provider=cycle_ids[0][0], external_id=cycle_ids[0][1])), n),
        ("blacklist: list", "api", "GET", lambda m: "/api/blacklist", None,
         (q.BLACKLIST_LIST, lambda m: dict(include_expired=False)), n),
        ("blacklist: check", "api", "GET", lambda m: f"/api/machines/{m}/blacklist", None,
         (q.BLACKLIST_CHECK, lambda m: dict(machine_id=m)), n),
        ("blacklist: add", "operator", "PUT", lambda m: f"/api/machines/{m}/blacklist", lambda m: {"reason": "bench"},
         (q.BLACKLIST_ADD, lambda m: dict(machine_id=m, kind="manual", reason="bench", expires_at=None)), n),
        ("blacklist: remove", "operator", "DELETE", lambda m: f"/api/machines/{m}/blacklist", None,
         (q.BLACKLIST_REMOVE, lambda m: dict(machine_id=m)), n),
        ("deploy attempt", "instance_manager", "POST", lambda m: f"/api/machines/{m}/deploy-attempts",
         lambda m: {"succeeded": True, "seconds_to_ready": 30.0},
         (q.DEPLOY_ATTEMPT, lambda m: dict(machine_id=m, succeeded=True, failure_stage=None,
                                           seconds_to_ready=30.0, instance_id=None)), n),
        (f"observe(): a poll cycle of all {len(cycle_ids)} machines", "monitor", "POST", lambda m: "/api/observe",
         lambda m: poll_cycle(),
         (q.OBSERVE, lambda m: poll_cycle()), max(2, n // 4)),
    ]

    class Client:
        """Keep-alive HTTP/1.1 with http.client, which sends a request's headers and body in one
        write (httpx 0.23 writes them apart: with Nagle and delayed ACKs every request with a
        body then waits ~40 ms for nothing)."""

        def __init__(self, port):
            self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

        def request(self, method, path, json_body=None):
            body = json.dumps(json_body).encode() if json_body is not None else None
            headers = {"Content-Type": "application/json"} if body is not None else {}
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            return response.status, response.read()

    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", "reliability_api.app:app", "--port", str(port),
                               "--no-access-log", "--log-level", "warning"])
    try:
        for _ in range(100):
            try:
                client = Client(port)
                client.request("GET", "/api/machines?limit=1")
                break
            except OSError:
                time.sleep(0.1)
        if True:
            results = []
            for name, role, method, path, body, statement, count in cases:
                http_medians, sql_medians, http_all = [], [], []
                prepare = blacklist_it if name == "blacklist: remove" else None
                for run in range(RUNS + 1):  # run 0: warm-up
                    http_times, sql_times = [], []
                    for i in range(count):
                        m = pick()
                        if prepare:
                            prepare(m)
                        t0 = time.perf_counter()
                        status, answer = client.request(method, path(m), body(m) if body else None)
                        http_times.append(time.perf_counter() - t0)
                        if status != 200:
                            raise SystemExit(f"{name}: {status} {answer[:300]!r}")
                        if statement:
                            stmt, params = statement
                            if prepare:
                                prepare(m)
                            p = params(m)
                            t0 = time.perf_counter()
                            db.all(role, stmt, **p)
                            sql_times.append(time.perf_counter() - t0)
                    if run:
                        http_medians.append(statistics.median(http_times))
                        http_all += http_times
                        if sql_times:
                            sql_medians.append(statistics.median(sql_times))
                if name == "blacklist: add":  # leave the fleet as it was
                    db.all("operator", text("DELETE FROM reliability.blacklist WHERE reason = 'bench' RETURNING 1"))
                p95 = statistics.quantiles(http_all, n=20)[-1] if len(http_all) >= 20 else max(http_all)
                results.append((name, role, statistics.median(http_medians), p95,
                                statistics.median(sql_medians) if sql_medians else None, count))
    finally:
        server.terminate()
        server.wait(10)

    ms = lambda s: f"{s * 1000:.2f} ms" if s is not None else "(same as above)"
    print(f"Fleet: {len(cycle_ids)} machines, {len(ids)} of them not blacklisted (the list; the random picks) "
          f"({os.environ.get('BENCH_SETUP', '')}).")
    print(f"{RUNS} runs after a warm-up; per run and endpoint {REQUESTS} requests (observe(): {max(2, REQUESTS // 4)}), "
          "one keep-alive client (http.client) at a time, a random machine each; median = the median of the runs' medians, p95 over all requests.")
    print()
    print("| endpoint | role | HTTP median | HTTP p95 | its statement alone (median) |")
    print("|---|---|---:|---:|---:|")
    for name, role, med, p95, sql, count in results:
        print(f"| {name} | {role} | {ms(med)} | {ms(p95)} | {ms(sql)} |")


if __name__ == "__main__":
    main()
