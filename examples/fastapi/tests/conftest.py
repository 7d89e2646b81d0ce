"""What the example's tests share: a new database per test (a SQLite file, and the test suite's
throwaway PostgreSQL when STRATA_FASTAPI_POSTGRES names its config file: an unreachable server
fails the test), uvicorn processes of the app, and the ledger and catalog as a user reads them."""

from __future__ import annotations

import json
import os
import pathlib
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

import pytest

EXAMPLE = pathlib.Path(__file__).resolve().parent.parent
MIGRATIONS = EXAMPLE / "migrations"
BACKENDS = ["sqlite"] + (["postgres"] if os.environ.get("STRATA_FASTAPI_POSTGRES") else [])


def postgres_config() -> dict:
    lines = pathlib.Path(os.environ["STRATA_FASTAPI_POSTGRES"]).read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line)


@pytest.fixture(params=BACKENDS)
def database(request, tmp_path):
    """A new, empty database: its strata URL."""
    if request.param == "sqlite":
        yield f"sqlite:{tmp_path / 'runbooks.db'}"
        return
    import psycopg2

    config = postgres_config()
    name = f"fastapi_{uuid.uuid4().hex[:12]}"
    admin = psycopg2.connect(config["STRATA_TEST_ADMIN_URL"])
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    yield config["STRATA_TEST_DATABASE"].replace("{name}", name)
    admin.cursor().execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    admin.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port: int, path: str) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
        return json.loads(response.read())


def post(port: int, path: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(),
                                     headers={"content-type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read())


class App:
    """One uvicorn process of the example app. A port another process took between free_port()
    and uvicorn's bind is noticed (uvicorn exits saying so) and another one is tried; an answer
    from a process that is not this one (its pid in /health) is never taken for this app's."""

    def __init__(self, url: str, log: pathlib.Path, migrations: pathlib.Path = MIGRATIONS):
        self.url, self.log, self.migrations = url, log, migrations
        self.served = False  # whether this app ever answered a request
        self._spawn()

    def _spawn(self) -> None:
        self.port = free_port()
        env = dict(os.environ, DATABASE_URL=self.url, STRATA_MIGRATIONS=str(self.migrations))
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(self.port)],
                cwd=EXAMPLE, env=env, stdout=out, stderr=subprocess.STDOUT)

    def _respawned(self) -> bool:
        """After the process ended: whether it lost its port to another, and was started again."""
        if "address already in use" not in self.log.read_text().lower():
            return False
        self._spawn()
        return True

    def poll_health(self):
        try:
            health = get(self.port, "/health")
        except (urllib.error.URLError, ConnectionError, OSError):
            return None
        if health.get("pid") != self.process.pid:
            return None
        self.served = True
        return health

    def wait_ready(self, timeout: float = 120) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if (health := self.poll_health()) is not None:
                return health
            if self.process.poll() is not None and not self._respawned():
                pytest.fail(f"the app exited with {self.process.returncode}:\n{self.log.read_text()}")
            time.sleep(0.05)
        pytest.fail(f"the app was not ready in {timeout} s:\n{self.log.read_text()}")

    def wait_exit(self, timeout: float = 120) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.poll_health()
            if self.process.poll() is not None and not self._respawned():
                return self.process.returncode
            time.sleep(0.05)
        pytest.fail(f"the app did not exit:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def apps():
    started: list[App] = []
    yield started
    for app in started:
        app.stop()


def execute(url: str, sql: str, parameters: tuple = ()) -> list[tuple]:
    """Runs one statement on the database at strata's `url`, committed; its rows. `parameters`
    are bound (SQLite's ? or psycopg2's %s, written as {} in `sql`)."""
    if url.startswith("sqlite:"):
        with sqlite3.connect(url[len("sqlite:"):]) as db:
            return db.execute(sql.replace("{}", "?"), parameters).fetchall()
    import psycopg2

    with psycopg2.connect(url) as db, db.cursor() as cursor:
        cursor.execute(sql.replace("{}", "%s"), parameters)
        return cursor.fetchall() if cursor.description else []


def ledger(url: str) -> list[tuple[str, bool]]:
    """(version, success) of every versioned row, in the order applied."""
    rows = execute(url, "SELECT version, success FROM strata_history WHERE version IS NOT NULL ORDER BY installed_rank")
    return [(v, bool(s)) for v, s in rows]


def columns(url: str, table: str) -> set[str]:
    if url.startswith("sqlite:"):
        return {row[1] for row in execute(url, f"PRAGMA table_info({table})")}
    return {row[0] for row in execute(url, "SELECT column_name FROM information_schema.columns WHERE table_name = {}",
                                      (table,))}
