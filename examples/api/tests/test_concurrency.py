"""20 raters at once on the same machines, through the API, while the monitor sends poll
cycles for them: every request succeeds, each user keeps one rating per machine (the last),
and the cache is exact afterwards (every reliability.scores row equals
reliability.score(machine_id, computed_at), field for field)."""
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import httpx

from conftest import cache_problems, rows

RATERS, ROUNDS = 20, 4


def test_20_concurrent_raters(base_url, admin, fleet):
    machines = fleet["excellent"][3:6] + fleet["fair"][2:3] + fleet["poor"][1:2]
    identities = {r["machine_id"]: (r["provider"], r["external_id"]) for r in rows(admin, """
        SELECT machine_id, provider, external_id FROM reliability.machines WHERE machine_id = ANY(%(ids)s)""", ids=machines)}

    def stars(user, rnd, machine_id):
        return 1 + (user * 7 + rnd * 3 + machine_id) % 5

    def rater(user):
        statuses = []
        with httpx.Client(base_url=base_url, timeout=60) as c:
            for rnd in range(ROUNDS):
                for machine_id in machines[rnd % 2::1] + machines[:rnd % 2]:  # rotated order
                    r = c.post(f"/api/machines/{machine_id}/ratings",
                               json={"user_id": f"concurrent-{user}", "stars": stars(user, rnd, machine_id),
                                     "comment": f"round {rnd}"})
                    statuses.append((r.status_code, r.text[:200]))
        return statuses

    def monitor(cycle):
        at = (datetime.now(timezone.utc) + timedelta(seconds=cycle + 1)).isoformat()
        with httpx.Client(base_url=base_url, timeout=60) as c:
            r = c.post("/api/observe", json={
                "provider": [identities[m][0] for m in machines], "external_id": [identities[m][1] for m in machines],
                "observed_at": [at] * len(machines), "online": [cycle % 3 != 0] * len(machines)})
            return [(r.status_code, r.text[:200])]

    with ThreadPoolExecutor(RATERS + 2) as pool:
        futures = [pool.submit(rater, u) for u in range(RATERS)] + [pool.submit(monitor, c) for c in range(6)]
        results = [s for f in futures for s in f.result()]
    failures = [r for r in results if r[0] != 200]
    assert not failures, failures[:5]
    assert len(results) == RATERS * ROUNDS * len(machines) + 6

    stored = rows(admin, """SELECT machine_id, user_id, stars, comment FROM reliability.ratings
                            WHERE user_id LIKE 'concurrent-%%' ORDER BY 1, 2""")
    assert len(stored) == RATERS * len(machines)  # one rating per user and machine
    for r in stored:
        user = int(r["user_id"].split("-")[1])
        assert (r["stars"], r["comment"]) == (stars(user, ROUNDS - 1, r["machine_id"]), f"round {ROUNDS - 1}")
    counts = rows(admin, """SELECT s.machine_id, s.rating_count, (SELECT count(*) FROM reliability.ratings r
                                                                 WHERE r.machine_id = s.machine_id) AS n
                            FROM reliability.scores s WHERE s.machine_id = ANY(%(ids)s)""", ids=machines)
    assert len(counts) == len(machines) and all(c["rating_count"] == c["n"] for c in counts)
    assert cache_problems(admin) == []
