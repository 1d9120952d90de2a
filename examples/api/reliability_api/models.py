"""Request bodies. They only type the JSON: the values are checked by the database (its
constraints and functions), whose errors reach the client with their SQLSTATE (errors.py)."""
from datetime import datetime
from typing import List, Optional

from pydantic import BaseModel, StrictBool, StrictInt


class MachineIn(BaseModel):
    provider: str
    external_id: str


class RatingIn(BaseModel):
    user_id: str  # a real API takes it from its authentication, not from the body
    stars: StrictInt
    comment: Optional[str] = None
    rental_duration_hours: Optional[float] = None
    instance_id: Optional[str] = None


class BlacklistIn(BaseModel):
    kind: str = "manual"  # manual, or temporary with expires_at
    reason: Optional[str] = None
    expires_at: Optional[datetime] = None


class DeployAttemptIn(BaseModel):
    succeeded: StrictBool
    failure_stage: Optional[str] = None
    seconds_to_ready: Optional[float] = None
    instance_id: Optional[str] = None


class PollCycleIn(BaseModel):
    """A poll cycle as observe() takes it: four arrays of one length, element i one observation."""

    provider: List[Optional[str]]
    external_id: List[Optional[str]]
    observed_at: List[Optional[datetime]]
    online: List[Optional[bool]]
