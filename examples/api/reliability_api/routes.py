"""The endpoints: each binds its parameters, runs its one statement of queries.py as its role
and shapes the answer. Errors are mapped in errors.py."""
from typing import List, Optional

from fastapi import APIRouter, Depends, Query, Request, Response

from . import queries as q
from .badge import badge_svg
from .db import Database
from .errors import NotFound
from .models import BlacklistIn, DeployAttemptIn, MachineIn, PollCycleIn, RatingIn

router = APIRouter(prefix="/api")
TIERS = "^(excellent|good|fair|poor|new)$"


def database(request: Request) -> Database:
    return request.app.state.db


def found(row, what: str):
    if row is None:
        raise NotFound(what)
    return row


# --- reading (role api) ------------------------------------------------------------------

@router.get("/machines")
def machine_list(
    min_score: float = Query(0, description="keep machines scoring at least this (and those without a score)"),
    tier: Optional[str] = Query(None, regex=TIERS),
    hide_stale: bool = Query(False, description="drop machines that stopped reporting"),
    limit: int = Query(50, ge=1, le=500),
    db: Database = Depends(database),
):
    return db.all("api", q.MACHINE_LIST, min_score=min_score, tier=tier, hide_stale=hide_stale, limit=limit)


@router.post("/machines")
def machine_register(body: MachineIn, db: Database = Depends(database)):
    return db.one("api", q.MACHINE_REGISTER, provider=body.provider, external_id=body.external_id)


@router.get("/machines/{machine_id}")
def machine(machine_id: int, db: Database = Depends(database)):
    return found(db.one("api", q.MACHINE, machine_id=machine_id), f"machine {machine_id}")


@router.get("/machines/{machine_id}/badge.svg")
def machine_badge(machine_id: int, db: Database = Depends(database)):
    row = found(db.one("api", q.MACHINE, machine_id=machine_id), f"machine {machine_id}")
    return Response(badge_svg(row["score"], row["tier"]), media_type="image/svg+xml",
                    headers={"Cache-Control": "max-age=60"})


@router.get("/machines/{machine_id}/report")
def machine_report(machine_id: int, db: Database = Depends(database)):
    row = db.one("api", q.REPORT, machine_id=machine_id)
    return found(row and row["report"], f"machine {machine_id}")


@router.get("/machines/{machine_id}/history")
def machine_history(machine_id: int, days: int = Query(30, ge=1, le=90), db: Database = Depends(database)):
    rows = db.all("api", q.HISTORY, machine_id=machine_id, days=days)
    return found(rows or None, f"machine {machine_id}")


@router.get("/daily-uptime")
def daily_uptime_many(
    machine_id: List[int] = Query(..., description="repeat for several machines (at most 100)"),
    days: int = Query(30, ge=1, le=90),
    db: Database = Depends(database),
):
    return db.all("api", q.DAILY_UPTIME_MANY, machine_ids=machine_id[:100], days=days)


@router.get("/machines/{machine_id}/periods")
def machine_periods(machine_id: int, days: Optional[int] = Query(None, ge=1, le=90), db: Database = Depends(database)):
    rows = db.all("api", q.PERIODS, machine_id=machine_id, days=days)
    return found(rows or None, f"machine {machine_id}")


@router.post("/machines/{machine_id}/ratings")
def machine_rate(machine_id: int, body: RatingIn, db: Database = Depends(database)):
    return db.one("api", q.RATE, machine_id=machine_id, **body.dict())


@router.get("/blacklist")
def blacklist_list(include_expired: bool = False, db: Database = Depends(database)):
    return db.all("api", q.BLACKLIST_LIST, include_expired=include_expired)


@router.get("/machines/{machine_id}/blacklist")
def blacklist_check(machine_id: int, db: Database = Depends(database)):
    return found(db.one("api", q.BLACKLIST_CHECK, machine_id=machine_id), f"machine {machine_id}")


# --- blacklisting (a LOGIN member of operator) ----------------------------------------------

@router.put("/machines/{machine_id}/blacklist")
def blacklist_add(machine_id: int, body: BlacklistIn, db: Database = Depends(database)):
    return db.one("operator", q.BLACKLIST_ADD, machine_id=machine_id, **body.dict())


@router.delete("/machines/{machine_id}/blacklist")
def blacklist_remove(machine_id: int, db: Database = Depends(database)):
    row = db.one("operator", q.BLACKLIST_REMOVE, machine_id=machine_id)
    return found(row, f"a blacklist entry for machine {machine_id}")


# --- deploy attempts (instance_manager) and the poll cycle (monitor) ------------------------

@router.post("/machines/{machine_id}/deploy-attempts")
def deploy_attempt(machine_id: int, body: DeployAttemptIn, db: Database = Depends(database)):
    return db.one("instance_manager", q.DEPLOY_ATTEMPT, machine_id=machine_id, **body.dict())


@router.post("/observe")
def observe(body: PollCycleIn, db: Database = Depends(database)):
    return db.one("monitor", q.OBSERVE, **body.dict())
