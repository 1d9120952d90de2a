"""The FastAPI application: the endpoints under /api, the dashboard at /.

    RELIABILITY_API_DSN="host=db dbname=brokerdb user=api" ... \
        python3 -m uvicorn reliability_api.app:app --host 127.0.0.1 --port 8000
"""
from pathlib import Path
from typing import Optional

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from . import errors
from .config import Settings
from .db import Database
from .routes import router

STATIC = Path(__file__).parent / "static"


def create_app(settings: Optional[Settings] = None) -> FastAPI:
    app = FastAPI(title="reliability reference API", version="1.0")
    app.state.db = Database(settings or Settings.from_env())
    errors.install(app)
    app.include_router(router)
    app.mount("/", StaticFiles(directory=STATIC, html=True), name="dashboard")

    @app.on_event("shutdown")
    def close_pools() -> None:
        app.state.db.dispose()

    return app


app = create_app()
