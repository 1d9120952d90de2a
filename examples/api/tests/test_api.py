"""Every endpoint against the sample fleet, and bad input answered with a 4xx that carries the
SQLSTATE and PostgreSQL's message."""
from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient

from conftest import cache_problems, rows, value
from reliability_api.app import create_app
from reliability_api.config import Settings

LIST_COLUMNS = {"machine_id", "provider", "external_id", "score", "tier", "uptime", "interruptions", "rating_mean", "stale"}


def expect_error(response, status, sqlstate, message_part=""):
    assert response.status_code == status, response.text
    body = response.json()
    assert body["sqlstate"] == sqlstate, body
    assert message_part in body["message"], body
    return body


def expect_unknown_machine(response):
    """23503 (foreign key: no such machine) as 404, naming the machine in message or detail."""
    body = expect_error(response, 404, "23503")
    assert "987654" in body["message"] + body.get("detail", ""), body


# --- the list ----------------------------------------------------------------------------

def test_list_is_ranked_without_blacklisted_machines(client, admin, fleet):
    machines = client.get("/api/machines", params={"limit": 500}).json()
    assert machines and set(machines[0]) == LIST_COLUMNS
    scores = [m["score"] for m in machines if m["score"] is not None]
    assert scores == sorted(scores, reverse=True)
    ids = {m["machine_id"] for m in machines}
    assert not ids & set(fleet["blacklisted"])
    expected = value(admin, "SELECT count(*) FROM reliability.machine_reliability WHERE NOT blacklisted")
    assert len(machines) == expected
    assert len(client.get("/api/machines").json()) == min(50, expected)


def test_list_filters(client, fleet):
    at_least_80 = client.get("/api/machines", params={"min_score": 80, "limit": 500}).json()
    assert at_least_80 and all(m["score"] is None or m["score"] >= 80 for m in at_least_80)
    assert not any(m["tier"] == "poor" for m in at_least_80)
    poor = client.get("/api/machines", params={"tier": "poor"}).json()
    assert {m["machine_id"] for m in poor} >= set(fleet["poor"]) - set(fleet["blacklisted"])
    assert all(m["tier"] == "poor" for m in poor)
    everything = client.get("/api/machines", params={"limit": 500}).json()
    fresh = client.get("/api/machines", params={"limit": 500, "hide_stale": True}).json()
    assert any(m["stale"] for m in everything) and not any(m["stale"] for m in fresh)
    assert len(client.get("/api/machines", params={"limit": 3}).json()) == 3


@pytest.mark.parametrize("params", [{"tier": "legendary"}, {"limit": 0}, {"min_score": "high"}])
def test_list_bad_parameters(client, params):
    assert client.get("/api/machines", params=params).status_code == 422


# --- one machine -------------------------------------------------------------------------

def test_machine_score_and_tier(client, admin, fleet):
    machine_id = fleet["good"][0]
    got = client.get(f"/api/machines/{machine_id}").json()
    want = rows(admin, "SELECT * FROM reliability.machine_reliability WHERE machine_id = %(m)s", m=machine_id)[0]
    assert got["tier"] == want["tier"] == "good"
    assert got["score"] == want["score"] and got["uptime"] == want["uptime"]
    expect_error(client.get("/api/machines/987654"), 404, None, "machine 987654 does not exist")
    assert client.get("/api/machines/not-a-number").status_code == 422


def test_badge(client, fleet):
    response = client.get(f"/api/machines/{fleet['excellent'][0]}/badge.svg")
    assert response.status_code == 200 and response.headers["content-type"].startswith("image/svg+xml")
    assert "excellent" in response.text and response.text.startswith("<svg")
    assert client.get("/api/machines/987654/badge.svg").status_code == 404


def test_report(client, fleet):
    report = client.get(f"/api/machines/{fleet['fair'][0]}/report").json()
    assert {"machine_id", "provider", "external_id", "score", "blacklisted", "blacklist", "stale", "history"} <= set(report)
    assert report["score"]["tier"] == "fair" and len(report["history"]) == 30
    expect_error(client.get("/api/machines/987654/report"), 404, None, "does not exist")


@pytest.mark.parametrize("days", [1, 30, 90])
def test_history(client, admin, fleet, days):
    machine_id = fleet["poor"][0]
    history = client.get(f"/api/machines/{machine_id}/history", params={"days": days}).json()
    assert len(history) == days
    want = rows(admin, "SELECT day::text, uptime FROM reliability.daily_uptime(%(m)s, %(d)s)", m=machine_id, d=days)
    assert [h["day"] for h in history] == [w["day"] for w in want]
    # the days before today (today's window ends at now(), so it moves between the two calls)
    assert [h["uptime"] for h in history[:-1]] == [w["uptime"] for w in want[:-1]]


def test_history_bad_input(client, fleet):
    for days in (0, 91):
        assert client.get(f"/api/machines/{fleet['poor'][0]}/history", params={"days": days}).status_code == 422
    expect_error(client.get("/api/machines/987654/history"), 404, None, "does not exist")


def test_daily_uptime_of_several_machines(client, fleet):
    ids = fleet["excellent"][:3] + fleet["new"][:1]
    got = client.get("/api/daily-uptime", params={"machine_id": ids, "days": 30}).json()
    assert sorted(r["machine_id"] for r in got) == sorted(ids)
    assert all(len(r["uptime"]) == len(r["days"]) == 30 for r in got)
    assert client.get("/api/daily-uptime").status_code == 422


def test_periods(client, fleet):
    periods = client.get(f"/api/machines/{fleet['poor'][0]}/periods").json()
    assert {p["state"] for p in periods} >= {"online", "offline"}
    for before, after in zip(periods, periods[1:]):
        assert before["ended_at"] == after["started_at"] and before["state"] != after["state"]
    two_days = client.get(f"/api/machines/{fleet['poor'][0]}/periods", params={"days": 2}).json()
    span = datetime.fromisoformat(two_days[-1]["ended_at"]) - datetime.fromisoformat(two_days[0]["started_at"])
    assert abs(span - timedelta(days=2)) < timedelta(seconds=1)
    expect_error(client.get("/api/machines/987654/periods"), 404, None, "does not exist")


# --- ratings -----------------------------------------------------------------------------

def test_rating_once_per_user_updated_on_rerate(client, admin, fleet):
    machine_id = fleet["fair"][1]
    first = client.post(f"/api/machines/{machine_id}/ratings",
                        json={"user_id": "api-test-user", "stars": 2, "comment": "slow to boot"})
    assert first.status_code == 200, first.text
    assert first.json()["stars"] == 2
    again = client.post(f"/api/machines/{machine_id}/ratings",
                        json={"user_id": "api-test-user", "stars": 5, "rental_duration_hours": 12.5})
    assert again.status_code == 200 and again.json()["stars"] == 5
    stored = rows(admin, "SELECT stars, rental_duration_hours FROM reliability.ratings WHERE machine_id = %(m)s AND user_id = 'api-test-user'", m=machine_id)
    assert stored == [{"stars": 5, "rental_duration_hours": 12.5}]
    cached = client.get(f"/api/machines/{machine_id}").json()
    assert cached["rating_count"] == value(admin, "SELECT count(*) FROM reliability.ratings WHERE machine_id = %(m)s", m=machine_id)
    assert cache_problems(admin) == []


def test_rating_bad_input(client, fleet):
    url = f"/api/machines/{fleet['fair'][1]}/ratings"
    expect_error(client.post(url, json={"user_id": "u", "stars": 6}), 422, "23514", "ratings_stars_range")
    expect_error(client.post(url, json={"user_id": "u", "stars": 0}), 422, "23514", "ratings_stars_range")
    expect_error(client.post(url, json={"user_id": "", "stars": 3}), 422, "23514", "ratings_user_id_length")
    expect_error(client.post(url, json={"user_id": "u", "stars": 3, "comment": "x" * 1001}), 422, "23514", "comment")
    expect_error(client.post(url, json={"user_id": "u", "stars": 3, "rental_duration_hours": -1}), 422, "23514", "rental_duration_hours")
    expect_unknown_machine(client.post("/api/machines/987654/ratings", json={"user_id": "u", "stars": 3}))
    assert client.post(url, json={"user_id": "u", "stars": "five"}).status_code == 422  # not a number: FastAPI
    assert client.post(url, json={"user_id": "u", "stars": 4.5}).status_code == 422


def test_register_machine(client):
    first = client.post("/api/machines", json={"provider": "vast", "external_id": "vast-api-test"}).json()
    assert client.post("/api/machines", json={"provider": "vast", "external_id": "vast-api-test"}).json() == first
    expect_error(client.post("/api/machines", json={"provider": "vast", "external_id": ""}), 422, "23514", "external_id")


# --- the blacklist -----------------------------------------------------------------------

def listed(client, machine_id):
    return machine_id in {m["machine_id"] for m in client.get("/api/machines", params={"limit": 500}).json()}


def test_blacklist_add_check_list_remove(client, admin, fleet):
    machine_id = fleet["good"][1]
    assert listed(client, machine_id)
    assert client.get(f"/api/machines/{machine_id}/blacklist").json()["blacklisted"] is False
    added = client.put(f"/api/machines/{machine_id}/blacklist", json={"reason": "burnt GPU"})
    assert added.status_code == 200, added.text
    assert added.json()["kind"] == "manual" and added.json()["blocked_by"] == "api_operator"
    check = client.get(f"/api/machines/{machine_id}/blacklist").json()
    assert check["blacklisted"] is True and check["reason"] == "burnt GPU"
    assert not listed(client, machine_id)
    entries = {e["machine_id"]: e for e in client.get("/api/blacklist").json()}
    assert entries[machine_id]["active"] and set(fleet["blacklisted"]) <= entries.keys()
    # a temporary entry replaces it; once expired the machine is back in the list
    past = (datetime.now(timezone.utc) - timedelta(minutes=1)).isoformat()
    replaced = client.put(f"/api/machines/{machine_id}/blacklist",
                          json={"kind": "temporary", "reason": "maintenance", "expires_at": past})
    assert replaced.status_code == 200 and replaced.json()["kind"] == "temporary"
    assert client.get(f"/api/machines/{machine_id}/blacklist").json()["blacklisted"] is False
    assert listed(client, machine_id)
    assert machine_id not in {e["machine_id"] for e in client.get("/api/blacklist").json()}
    assert machine_id in {e["machine_id"] for e in client.get("/api/blacklist", params={"include_expired": True}).json()}
    removed = client.delete(f"/api/machines/{machine_id}/blacklist")
    assert removed.status_code == 200 and removed.json()["kind"] == "temporary"
    assert value(admin, "SELECT count(*) FROM reliability.blacklist WHERE machine_id = %(m)s", m=machine_id) == 0
    expect_error(client.delete(f"/api/machines/{machine_id}/blacklist"), 404, None, "does not exist")


def test_blacklist_bad_input(client, fleet):
    url = f"/api/machines/{fleet['good'][1]}/blacklist"
    expect_error(client.put(url, json={"kind": "forever"}), 422, "23514", "blacklist_kind_valid")
    expect_unknown_machine(client.put("/api/machines/987654/blacklist", json={}))
    expect_error(client.get("/api/machines/987654/blacklist"), 404, None, "does not exist")
    assert client.put(url, json={"expires_at": "next tuesday"}).status_code == 422


# --- deploy attempts (instance_manager) --------------------------------------------------

@pytest.fixture
def deploy_attempts(admin):
    if value(admin, "SELECT to_regclass('reliability.deploy_attempts')") is None:
        pytest.skip("the installed extension has no reliability.deploy_attempts (SPEC §10)")


def test_deploy_attempts(client, admin, fleet, deploy_attempts):
    machine_id = fleet["excellent"][1]
    url = f"/api/machines/{machine_id}/deploy-attempts"
    ok = client.post(url, json={"succeeded": True, "seconds_to_ready": 41.5, "instance_id": "i-1"})
    assert ok.status_code == 200, ok.text
    assert ok.json()["attempt_id"] > 0 and ok.json()["seconds_to_ready"] == 41.5
    for stage in ("pulling", "loading", "loading"):
        failed = client.post(url, json={"succeeded": False, "failure_stage": stage})
        assert failed.status_code == 200, failed.text
    assert value(admin, "SELECT count(*) FROM reliability.deploy_attempts WHERE machine_id = %(m)s", m=machine_id) == 4
    # three failures in a row: the deploy rule (SPEC §10) blacklists the machine (kind auto)
    check = client.get(f"/api/machines/{machine_id}/blacklist").json()
    assert check["blacklisted"] is True and check["kind"] == "auto", check
    assert not listed(client, machine_id)
    deploys = client.get(f"/api/machines/{machine_id}/report").json()["deploys"]
    assert deploys["attempts"] == 4 and deploys["failures"] == 3
    assert client.delete(f"/api/machines/{machine_id}/blacklist").status_code == 200


def test_deploy_attempts_bad_input(client, fleet, deploy_attempts):
    url = f"/api/machines/{fleet['excellent'][2]}/deploy-attempts"
    expect_error(client.post(url, json={"succeeded": False, "seconds_to_ready": 3}), 422, "23514", "seconds_to_ready")
    expect_error(client.post(url, json={"succeeded": True, "failure_stage": "loading"}), 422, "23514", "failure_stage")
    expect_error(client.post(url, json={"succeeded": False, "failure_stage": ""}), 422, "23514", "failure_stage")
    expect_unknown_machine(client.post("/api/machines/987654/deploy-attempts", json={"succeeded": True}))
    assert client.post(url, json={"succeeded": "maybe"}).status_code == 422


# --- the poll cycle (monitor) ------------------------------------------------------------

def poll_cycle(ids, at, online=True):
    return {"provider": ["lambda"] * len(ids), "external_id": ids,
            "observed_at": [at.isoformat()] * len(ids), "online": [online] * len(ids)}


def test_observe(client, admin):
    now = datetime.now(timezone.utc).replace(microsecond=0)
    ids = [f"lambda-observe-{i}" for i in range(5)]
    assert client.post("/api/observe", json=poll_cycle(ids, now - timedelta(minutes=5))).json() == {"inserted": 5}
    assert client.post("/api/observe", json=poll_cycle(ids, now, online=False)).json() == {"inserted": 5}
    assert client.post("/api/observe", json=poll_cycle(ids, now)).json() == {"inserted": 0}  # resent: nothing new
    stored = rows(admin, """SELECT m.external_id, count(o.*) AS n, bool_or(o.online) AS any_online
                            FROM reliability.machines m JOIN reliability.observations o USING (machine_id)
                            WHERE m.provider = 'lambda' AND m.external_id LIKE 'lambda-observe-%%'
                            GROUP BY 1 ORDER BY 1""")
    assert [(r["external_id"], r["n"]) for r in stored] == [(i, 2) for i in ids]
    assert cache_problems(admin) == []


def test_observe_bad_input(client):
    at = datetime.now(timezone.utc).isoformat()
    mismatched = {"provider": ["vast"], "external_id": ["a", "b"], "observed_at": [at], "online": [True]}
    body = expect_error(client.post("/api/observe", json=mismatched), 400, "22023", "of one length")
    assert "external_id 2" in body["detail"]
    with_null = {"provider": ["vast"], "external_id": [None], "observed_at": [at], "online": [True]}
    expect_error(client.post("/api/observe", json=with_null), 400, "22004", "NULL element")
    assert client.post("/api/observe", json={"provider": ["vast"]}).status_code == 422


# --- roles -------------------------------------------------------------------------------

def test_each_endpoint_connects_as_its_role(client, admin):
    seen = {r["application_name"]: r["usename"] for r in rows(admin, """
        SELECT DISTINCT application_name, usename::text FROM pg_stat_activity
        WHERE application_name LIKE 'reliability-api%%'""")}
    assert seen.get("reliability-api (api)") == "api"
    assert seen.get("reliability-api (operator)") == "api_operator"
    assert seen.get("reliability-api (monitor)") == "monitor"
    assert value(admin, "SELECT pg_has_role('api_operator', 'operator', 'MEMBER')") is True


def test_a_role_without_dsn_answers_503(fleet):
    settings = Settings.from_env()
    app = create_app(Settings(dsns={**settings.dsns, "operator": None}))
    with TestClient(app) as local:
        expect_error(local.put(f"/api/machines/{fleet['good'][0]}/blacklist", json={}), 503, None, "RELIABILITY_OPERATOR_DSN")
        assert local.get(f"/api/machines/{fleet['good'][0]}").status_code == 200


def test_readme_shows_every_statement():
    """examples/api/README.md shows each statement of queries.py as it is."""
    from pathlib import Path

    from sqlalchemy.sql.elements import TextClause

    import reliability_api.queries as q

    readme = " ".join((Path(__file__).parents[1] / "README.md").read_text().split())
    statements = {name: s for name, s in vars(q).items() if isinstance(s, TextClause)}
    assert len(statements) == 14
    missing = [name for name, s in statements.items() if " ".join(s.text.split()) not in readme]
    assert not missing, f"README.md does not show queries.{missing} as it is"
