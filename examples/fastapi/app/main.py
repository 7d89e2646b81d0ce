"""The incident's service, done right: runbook executions recorded over HTTP, the schema
migrated by strata at start-up, before the first request is served.

    DATABASE_URL=sqlite:runbooks.db uvicorn app.main:app

DATABASE_URL is strata's URL (``sqlite:runbooks.db``, ``postgres://user:password@host/db``);
the SQLAlchemy URL is derived from it. STRATA_MIGRATIONS overrides the migration directory.
"""

from __future__ import annotations

import logging
import os
import pathlib
from typing import Any, Dict, Optional
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

import strata

from .models import RunbookExecution

MIGRATIONS = os.environ.get("STRATA_MIGRATIONS") or str(pathlib.Path(__file__).resolve().parent.parent / "migrations")

# strata's events (applying, applied, lock_acquired, ...) reach the "strata" logger, in order, on
# the thread that called strata.migrate.
_handler = logging.StreamHandler()
_handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
for _name in ("strata", "runbooks"):
    logging.getLogger(_name).addHandler(_handler)
    logging.getLogger(_name).setLevel(logging.INFO)
    logging.getLogger(_name).propagate = False
log = logging.getLogger("runbooks")


def sqlalchemy_url(url: str) -> str:
    """SQLAlchemy's spelling of strata's URL."""
    if url.startswith("sqlite:"):
        path = url[len("sqlite:"):].split("?", 1)[0]
        return "sqlite:///" + path
    parts = urlsplit(url)
    if parts.scheme in ("postgres", "postgresql"):
        # libpq's parameters (sslmode, ...) go to psycopg2 too; strata's own (schema) do not.
        query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k not in ("schema", "search_path")])
        return urlunsplit(("postgresql+psycopg2", parts.netloc, parts.path, query, ""))
    raise ValueError(f"this example speaks SQLite and PostgreSQL, not {parts.scheme}")


app = FastAPI(title="runbooks")
engine: Optional[Engine] = None
startup: Dict[str, Any] = {}


# Debian's FastAPI 0.92 silently ignores FastAPI(lifespan=...); on_event("startup") runs on it
# and on later versions. uvicorn finishes the start-up handlers before it opens its socket, so
# no request reaches a schema that is not migrated, and an exception here stops the process.
@app.on_event("startup")
def migrate_then_serve() -> None:
    global engine
    url = os.environ["DATABASE_URL"]
    # Raises strata.MigrationFailed (file, line, statement), LockTimeout, ConnectionFailed, ...:
    # the app never serves on a schema it cannot trust. Events go to the "strata" logger.
    report = strata.migrate(url=url, dir=MIGRATIONS, lock_timeout=120)
    startup.update(
        schema_version=report.current_version,
        applied=[a["script"] for a in report.applied],
        lock_taken=report.lock_taken,
    )
    log.info("schema at version %s, %d applied at start-up", report.current_version, len(report.applied))
    engine = create_engine(sqlalchemy_url(url), future=True)


class ExecutionIn(BaseModel):
    runbook: str
    runbook_version: int


def as_dict(row: RunbookExecution) -> Dict[str, Any]:
    return {"id": row.id, "runbook": row.runbook, "runbook_version": row.runbook_version, "status": row.status}


@app.get("/health")
def health() -> Dict[str, Any]:
    return {"status": "ok", "pid": os.getpid(), **startup}


@app.post("/executions", status_code=201)
def create_execution(body: ExecutionIn) -> Dict[str, Any]:
    with Session(engine) as session, session.begin():
        row = RunbookExecution(runbook=body.runbook, runbook_version=body.runbook_version)
        session.add(row)
        session.flush()
        session.refresh(row)
        return as_dict(row)


@app.get("/executions/{execution_id}")
def read_execution(execution_id: int) -> Dict[str, Any]:
    with Session(engine) as session:
        row = session.get(RunbookExecution, execution_id)
        if row is None:
            raise HTTPException(status_code=404, detail="no such execution")
        return as_dict(row)
