"""What the real tools' adoption tests share: a new database per test (a SQLite file, and the test
suite's throwaway PostgreSQL when STRATA_ADOPT_POSTGRES names its config file: an unreachable
server fails the test), dbmate's own Go binary (installed by npm from the pinned lock file into
STRATA_ADOPT_WORK), and strata's command line (STRATA_CLI)."""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import uuid

import pytest

HERE = pathlib.Path(__file__).resolve().parent
BACKENDS = ["sqlite"] + (["postgres"] if os.environ.get("STRATA_ADOPT_POSTGRES") else [])


def postgres_config() -> dict:
    lines = pathlib.Path(os.environ["STRATA_ADOPT_POSTGRES"]).read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line)


class Database:
    """One database as each tool names it: strata's URL, dbmate's, SQLAlchemy's."""

    def __init__(self, kind: str, strata_url: str, dbmate_url: str, sqlalchemy_url: str):
        self.kind, self.strata_url, self.dbmate_url, self.sqlalchemy_url = kind, strata_url, dbmate_url, sqlalchemy_url

    def query(self, sql: str) -> list[tuple]:
        import sqlalchemy

        engine = sqlalchemy.create_engine(self.sqlalchemy_url, poolclass=sqlalchemy.pool.NullPool)
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(sqlalchemy.text(sql))]

    def tables(self) -> set[str]:
        import sqlalchemy

        engine = sqlalchemy.create_engine(self.sqlalchemy_url, poolclass=sqlalchemy.pool.NullPool)
        return set(sqlalchemy.inspect(engine).get_table_names())


@pytest.fixture(params=BACKENDS)
def database(request, tmp_path):
    if request.param == "sqlite":
        path = tmp_path / "app.db"
        yield Database("sqlite", f"sqlite:{path}", f"sqlite:{path}", f"sqlite:///{path}")
        return
    import psycopg2

    config = postgres_config()
    name = f"adopt_{uuid.uuid4().hex[:12]}"
    admin = psycopg2.connect(config["STRATA_TEST_ADMIN_URL"])
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    url = config["STRATA_TEST_DATABASE"].replace("{name}", name)
    yield Database("postgres", url, url + "?sslmode=disable",
                   url.replace("postgres://", "postgresql+psycopg2://", 1))
    admin.cursor().execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    admin.close()


@pytest.fixture(scope="session")
def dbmate() -> str:
    """dbmate's Go binary, as pinned by package-lock.json (never the npm package's Node wrapper)."""
    work = pathlib.Path(os.environ["STRATA_ADOPT_WORK"])
    work.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copy(HERE / name, work / name)
    installed = work / "installed-lock.json"
    if not installed.exists() or installed.read_bytes() != (HERE / "package-lock.json").read_bytes():
        # `npm install` with the lock file: the versions and hashes it pins (`npm ci` refuses a lock
        # file that lists only this platform's binary package).
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"], cwd=work, check=True)
        shutil.copy(HERE / "package-lock.json", installed)
    binary = work / "node_modules" / "@dbmate" / "linux-x64" / "bin" / "dbmate"
    assert binary.is_file(), f"npm installed no dbmate binary at {binary}"
    return str(binary)


def strata(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([os.environ["STRATA_CLI"], *args], capture_output=True, text=True, timeout=120)


def states(database: Database, migrations: pathlib.Path) -> list[str]:
    """Each migration's state as `strata status --json` shows it: "version=state"."""
    result = strata("status", "--url", database.strata_url, "--dir", str(migrations), "--json")
    assert result.returncode == 0, result.stderr
    return [f"{m['version']}={m['state']}" for m in json.loads(result.stdout)["migrations"]]
