"""PostgreSQL errors to HTTP answers, in one place.

An error the database raises reaches the client as JSON carrying its SQLSTATE and
PostgreSQL's own message (and DETAIL, HINT and constraint name when there are any):

    {"sqlstate": "23514", "message": "new row for relation \"ratings\" violates check
     constraint \"ratings_stars_range\"", "detail": "Failing row contains (...)",
     "constraint": "ratings_stars_range"}

The HTTP status follows the SQLSTATE (STATUS_BY_SQLSTATE, then by class), e.g. a bad value
(class 22) is 400, a check violation 422, a row that refers to a machine that does not
exist (23503) 404, a duplicate 409. An endpoint that finds no row answers NotFound (404,
sqlstate null).
"""
import logging
from typing import Any, Dict, Optional

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError

log = logging.getLogger("reliability_api")

STATUS_BY_SQLSTATE = {
    "23503": 404,  # foreign_key_violation: the machine does not exist
    "23505": 409,  # unique_violation
    "23502": 422,  # not_null_violation
    "23514": 422,  # check_violation: a value out of its range (stars, lengths, ...)
    "23P01": 409,  # exclusion_violation
    "42501": 403,  # insufficient_privilege: the role may not do this
    "42P01": 500,  # undefined_table: the installed extension lacks it (the server's fault, not the client's)
    "42883": 500,  # undefined_function: likewise
    "40001": 503,  # serialization_failure: retry
    "40P01": 503,  # deadlock_detected: retry
    "55P03": 503,  # lock_not_available
    "57014": 503,  # query_canceled (statement_timeout)
    "P0002": 404,  # no_data_found
}
STATUS_BY_CLASS = {
    "08": 503,  # connection exception
    "22": 400,  # data exception: a bad value (days out of range, arrays of different lengths, NULL element)
    "23": 409,  # other integrity constraint violations
    "42": 400,  # syntax error or access rule violation (misuse)
    "53": 503,  # insufficient resources
    "55": 409,  # object not in prerequisite state
    "57": 503,  # operator intervention
}


class ApiError(Exception):
    """An answer other than 200 that the API decides itself (not from a SQLSTATE)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


class NotFound(ApiError):
    def __init__(self, what: str):
        super().__init__(404, f"{what} does not exist")


class RoleNotConfigured(ApiError):
    def __init__(self, role: str):
        super().__init__(503, f"this endpoint connects as role {role}: set RELIABILITY_{role.upper()}_DSN")


def status_for(sqlstate: Optional[str]) -> int:
    if not sqlstate:
        return 503  # no SQLSTATE: the connection failed
    return STATUS_BY_SQLSTATE.get(sqlstate) or STATUS_BY_CLASS.get(sqlstate[:2], 500)


def body_for(exc: DBAPIError) -> Dict[str, Any]:
    orig = exc.orig
    sqlstate = getattr(orig, "pgcode", None)
    diag = getattr(orig, "diag", None)
    message = getattr(diag, "message_primary", None) or str(orig).strip().splitlines()[0]
    body: Dict[str, Any] = {"sqlstate": sqlstate, "message": message}
    for key, attr in (("detail", "message_detail"), ("hint", "message_hint"), ("constraint", "constraint_name")):
        value = getattr(diag, attr, None)
        if value:
            body[key] = value
    return body


def install(app: FastAPI) -> None:
    @app.exception_handler(DBAPIError)
    async def database_error(request: Request, exc: DBAPIError) -> JSONResponse:
        body = body_for(exc)
        status = status_for(body["sqlstate"])
        if status >= 500:
            log.error("%s %s: %s", request.method, request.url.path, body)
        return JSONResponse(status_code=status, content=body)

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(status_code=exc.status, content={"sqlstate": None, "message": exc.message})
