"""strata from Python: migrations applied at start-up, over strata's C ABI (libstrata-c).

    import strata
    report = strata.migrate(url=os.environ["DATABASE_URL"], dir="migrations")
    print(report.current_version, [m["script"] for m in report.applied])

Every command takes the settings of the command line and strata.toml as keyword arguments
(``lock_timeout=30``, ``single_transaction=True``, ``target="7"``); returns a :class:`Report`
(the document ``strata --json`` prints, parsed); and raises a :class:`StrataError` subclass
named after the exit code when the command fails, carrying the file, line and statement where
strata knows them. Events go to ``on_event`` (a callable taking a dict) or, by default, to the
``logging`` logger "strata".

Pure Python over ctypes: nothing to compile. The library is found through the environment
variable STRATA_LIBRARY (a path to libstrata-c.so), else the one installed with this package
(its prefix's, named by _location.py), else the system's library path; it is loaded at the
first call, not at import. Importing the package imports no other module:
ctypes, json and logging are imported at the first call, so that an application that imports
strata pays for them only when it runs a command.
"""

from __future__ import annotations

import os
import _thread

TYPE_CHECKING = False  # typing itself costs an import: the hints below are never evaluated
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, List, Optional

__all__ = [
    "migrate", "migrate_fleet", "status", "validate", "rollback", "baseline", "repair", "schema", "diff", "generate",
    "lint", "drift", "autogenerate",
    "Report", "StrataError", "MigrationFailed", "UsageError", "ValidationFailed", "LockTimeout",
    "ConnectionFailed", "FleetIncomplete", "InternalError",
]

C_ABI_VERSION = 1


def _refusal(document: Dict[str, Any]) -> str:
    """What a report that ends in a refusal (lint, drift) says, as one message."""
    lines = [f"{f.get('file')}:{f.get('line')}: {f.get('code')}: {f.get('message')}"
             for f in document.get("findings", []) if f.get("severity") == "error" and not f.get("allowed")]
    lines += [f"drift: {d}" for d in document.get("differences", [])]
    summary = document.get("summary")
    if summary:
        lines.append(f"the fleet is incomplete: {summary.get('failed')} failed, "
                     f"{summary.get('not_attempted')} not attempted")
        lines += [f"{t.get('target')}: {t.get('error')}" for t in document.get("targets", []) if t.get("error")]
    return "\n".join(lines) or "strata failed"


class StrataError(Exception):
    """A command that failed. ``exit_code`` is the command line's; ``file``, ``line``,
    ``column``, ``statement`` and ``version`` are set where strata knows them; ``problems``
    lists each problem when several stopped the run; ``document`` is the whole error."""

    exit_code = 0

    def __init__(self, document: Dict[str, Any]):
        error = document.get("error", {})
        super().__init__(error.get("description") or _refusal(document))
        self.document = document
        self.message: str = error.get("message", "")
        self.file: Optional[str] = error.get("file")
        self.line: Optional[int] = error.get("line")
        self.column: Optional[int] = error.get("column")
        self.statement: Optional[int] = error.get("statement")
        self.version: Optional[str] = error.get("version")
        self.problems: List[Dict[str, Any]] = error.get("problems", [])


class MigrationFailed(StrataError):
    """Exit code 1: a migration failed while it ran."""
    exit_code = 1


class UsageError(StrataError):
    """Exit code 2: an unknown setting, a bad value, a missing migrations directory."""
    exit_code = 2


class ValidationFailed(StrataError):
    """Exit code 3: a defect found before anything ran (a changed file, a bad statement)."""
    exit_code = 3


class LockTimeout(StrataError):
    """Exit code 4: the migration lock was not obtained in time."""
    exit_code = 4


class ConnectionFailed(StrataError):
    """Exit code 5: the database cannot be reached, or its driver cannot be loaded."""
    exit_code = 5


class FleetIncomplete(StrataError):
    """Exit code 7: a target of a fleet failed or was not attempted; ``document`` holds the
    summary and every target's line, as :func:`migrate_fleet` returns them."""
    exit_code = 7


class InternalError(StrataError):
    """Exit code 70: a bug of strata's or of a driver's."""
    exit_code = 70


_ERRORS = {cls.exit_code: cls for cls in
           (MigrationFailed, UsageError, ValidationFailed, LockTimeout, ConnectionFailed, FleetIncomplete,
            InternalError)}


class Report:
    """What a command did: the parsed ``--json`` document, with its fields as attributes
    (``command``, ``url`` with any password hidden, ``current_version``, ``applied``,
    ``migrations``, ``warnings``, ``problems``, ...). ``pending`` counts what is pending."""

    def __init__(self, document: Dict[str, Any]):
        self.document = document

    def __getattr__(self, name: str) -> Any:
        try:
            return self.document[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def pending(self) -> int:
        return int(self.document.get("pending", 0))

    def __repr__(self) -> str:
        return f"<strata.Report {self.document.get('command')} at version {self.document.get('current_version')}>"


_library = None
_library_lock = _thread.allocate_lock()
_EVENT_CALLBACK = None  # the callback's ctypes type, made with the library


def _open_library(ctypes: Any) -> Any:
    """STRATA_LIBRARY; else, installed, the library of the package's own prefix; else the library
    by its soname on the system's path; else what ldconfig knows by the name strata-c
    (ctypes.util runs it: only when the others fail)."""
    path = os.environ.get("STRATA_LIBRARY")
    if path:
        return ctypes.CDLL(path)
    try:
        from ._location import LIBRARY  # written by cmake --install
    except ImportError:
        LIBRARY = None
    if LIBRARY:
        beside = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), LIBRARY))
        if os.path.exists(beside):
            return ctypes.CDLL(beside)
    try:
        return ctypes.CDLL("libstrata-c.so.1")
    except OSError as e:
        import ctypes.util

        found = ctypes.util.find_library("strata-c")
        if not found:
            raise OSError("strata: libstrata-c.so.1 was not found: install the strata package (or cmake --install), "
                          "or set STRATA_LIBRARY to the library's path") from e
        return ctypes.CDLL(found)


def _load():
    global _library, _EVENT_CALLBACK
    with _library_lock:
        if _library is not None:
            return _library
        import ctypes

        lib = _open_library(ctypes)
        path = lib._name
        lib.strata_abi_version.restype = ctypes.c_int
        if lib.strata_abi_version() != C_ABI_VERSION:
            raise ImportError(f"{path} has strata C ABI {lib.strata_abi_version()}, this package needs {C_ABI_VERSION}")
        lib.strata_options_new.argtypes = [ctypes.POINTER(ctypes.c_void_p)]
        lib.strata_options_free.argtypes = [ctypes.c_void_p]
        lib.strata_options_free.restype = None
        lib.strata_options_set.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p]
        lib.strata_options_error.argtypes = [ctypes.c_void_p]
        lib.strata_options_error.restype = ctypes.c_char_p
        _EVENT_CALLBACK = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_void_p)
        lib.strata_options_set_events.argtypes = [ctypes.c_void_p, _EVENT_CALLBACK, ctypes.c_void_p]
        lib.strata_run.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]
        lib.strata_free.argtypes = [ctypes.c_void_p]
        lib.strata_free.restype = None
        if hasattr(lib, "strata_stop_fleet"):  # not in a library from before fleets
            lib.strata_stop_fleet.argtypes = [ctypes.c_void_p]
        _library = lib
        return lib


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _log_event(event: Dict[str, Any]) -> None:
    import logging

    level = logging.WARNING if event.get("type") in ("drift", "session_restored") else logging.INFO
    logging.getLogger("strata").log(level, event.get("message", ""))


def _take_document(lib: Any, out: Any) -> Dict[str, Any]:
    """The document strata_run returned (a ctypes.c_void_p), parsed (json.loads reads the UTF-8
    bytes as they are); freed by the library's own function."""
    import ctypes
    import json

    try:
        return json.loads(ctypes.string_at(out.value)) if out.value else {}
    finally:
        lib.strata_free(out)


def _run(command: str, options: Dict[str, Any], on_event: Optional[Callable[[Dict[str, Any]], None]],
         allow_pending: bool = False) -> Report:
    lib = _load()
    import ctypes
    import json

    handle = ctypes.c_void_p()
    if lib.strata_options_new(ctypes.byref(handle)) != 0:
        raise MemoryError("strata_options_new failed")
    try:
        for key, value in options.items():
            if value is None:
                continue
            values = value if isinstance(value, (list, tuple)) else [value]
            for one in values:
                if lib.strata_options_set(handle, key.encode(), _text(one).encode()) != 0:
                    message = lib.strata_options_error(handle).decode()
                    raise UsageError({"error": {"description": message, "message": message, "exit_code": 2}})
        sink = on_event or _log_event
        errors: List[BaseException] = []

        def deliver(event_json: bytes, _payload: Any) -> None:
            try:
                sink(json.loads(event_json))
            except BaseException as e:  # never across the C ABI: raised after the run
                errors.append(e)
                if options.get("fleet") and hasattr(lib, "strata_stop_fleet"):
                    lib.strata_stop_fleet(handle)  # no target starts after it

        callback = _EVENT_CALLBACK(deliver)
        lib.strata_options_set_events(handle, callback, None)
        out = ctypes.c_void_p()
        code = lib.strata_run(handle, command.encode(), ctypes.byref(out))
        document = _take_document(lib, out)
        if errors:
            raise errors[0]
        if code == 0 or (code == 6 and allow_pending):
            return Report(document)
        raise _ERRORS.get(code, StrataError)(document)
    finally:
        lib.strata_options_free(handle)


def migrate(url: Optional[str] = None, dir: Optional[str] = None, *,
            on_event: Optional[Callable[[Dict[str, Any]], None]] = None, **options: Any) -> Report:
    """Applies every pending migration of ``dir`` to the database at ``url``.

    Keyword options are strata's settings (``lock_timeout``, ``target``, ``single_transaction``,
    ``dry_run``, ``strict``, ...). Raises MigrationFailed, ValidationFailed, LockTimeout,
    ConnectionFailed or UsageError; returns the report of what was applied."""
    return _run("migrate", dict(url=url, dir=dir, **options), on_event)


def migrate_fleet(targets: str, dir: Optional[str] = None, *,
                  on_event: Optional[Callable[[Dict[str, Any]], None]] = None, **options: Any) -> Report:
    """Migrates every database of the targets file ``targets`` alike, as ``strata migrate
    --fleet`` does (user guide, "Fleets"): the migrations read and checked once, each target an
    ordinary run with its own lock and ledger.

    Keyword options are the fleet's (``parallel``, ``per_server``, ``canary``, ``canary_label``,
    ``canaries_only``, ``on_error``, ``shard``, ``skip_done``, ``retry_failed``, ``report``: a
    JSON Lines file) and strata's settings. Each target's line reaches ``on_event`` as it ends,
    as an event of type "target" (from the fleet's threads, one at a time); an exception it
    raises stops the fleet as SIGINT stops the command line's (no target starts after it), and
    is raised once the running ones have finished. Returns the report:
    ``summary`` and ``targets``, a dict per target. Raises FleetIncomplete when a target failed or
    was not attempted, UsageError or ValidationFailed before any target is touched."""
    return _run("migrate", dict(fleet=targets, dir=dir, **options), on_event)


def status(url: Optional[str] = None, dir: Optional[str] = None, *, check: bool = False,
           on_event: Optional[Callable[[Dict[str, Any]], None]] = None, **options: Any) -> Report:
    """The state of every migration; takes no lock. With ``check=True`` a database with pending
    migrations is not an error: the report's ``pending`` says how many; a problem that would
    stop migrate raises ValidationFailed."""
    return _run("status", dict(url=url, dir=dir, check=check, **options), on_event, allow_pending=True)


def validate(url: Optional[str] = None, dir: Optional[str] = None, *, on_event: Optional[Callable[[Dict[str, Any]], None]] = None, **options: Any) -> Report:
    """Everything migrate checks, without running anything; ValidationFailed lists each problem."""
    return _run("validate", dict(url=url, dir=dir, **options), on_event)


def rollback(url: Optional[str] = None, dir: Optional[str] = None, *, to: Optional[str] = None,
             steps: Optional[int] = None, on_event: Optional[Callable[[Dict[str, Any]], None]] = None, **options: Any) -> Report:
    """Runs undo migrations, newest version first: down to version ``to``, or ``steps`` of them."""
    return _run("rollback", dict(url=url, dir=dir, to=to, steps=steps, **options), on_event)


def baseline(url: Optional[str] = None, dir: Optional[str] = None, *, version: str,
             description: str = "baseline", on_event: Optional[Callable[[Dict[str, Any]], None]] = None, **options: Any) -> Report:
    """Marks a database with no versioned migrations recorded as being at ``version``."""
    return _run("baseline", dict(url=url, dir=dir, version=version, description=description, **options), on_event)


def repair(url: Optional[str] = None, dir: Optional[str] = None, *, on_event: Optional[Callable[[Dict[str, Any]], None]] = None, **options: Any) -> Report:
    """Removes failed rows and re-records the checksums and names of applied files that changed."""
    return _run("repair", dict(url=url, dir=dir, **options), on_event)


def schema(url: Optional[str] = None, *, on_event: Optional[Callable[[Dict[str, Any]], None]] = None, **options: Any) -> Dict[str, Any]:
    """The database's schema in portable terms, as ``strata schema --json`` prints it."""
    return _run("schema", dict(url=url, **options), on_event).document


def diff(*, source: str = "migrations", to: Optional[str] = None, check: bool = False, dir: Optional[str] = None,
         rename: Optional[List[str]] = None, dev_url: Optional[str] = None,
         on_event: Optional[Callable[[Dict[str, Any]], None]] = None, **options: Any) -> Report:
    """The portable operations that turn ``source`` (``--from``: "migrations", "migrations@7", a URL,
    a schema.yaml or a .sql file) into ``to`` (by default the declared schema, ``schema.yaml``), as
    ``strata diff --json`` prints them: ``differs``, ``operations``, ``yaml``, ``down_yaml``,
    ``hints``, ``notes``. With ``check=True`` a difference is not an error (``differs`` says it)."""
    return _run("diff", {"from": source, "to": to, "dir": dir, "check": check, "rename": rename,
                         "dev-url": dev_url, **options}, on_event, allow_pending=True)


def generate(description: str, *, source: str = "migrations", to: Optional[str] = None, dir: Optional[str] = None,
             rename: Optional[List[str]] = None, no_renames: bool = False, dev_url: Optional[str] = None,
             allow: Optional[List[str]] = None,
             on_event: Optional[Callable[[Dict[str, Any]], None]] = None, **options: Any) -> Report:
    """Writes the next migration, ``V<n>__<description>.yaml`` in ``dir``, with the operations
    that make ``to`` (by default ``schema.yaml``) and their undo; ``created`` is its path, None
    when there was no difference. A change that may be a rename raises ValidationFailed naming
    the ``renamed_from:`` to write, and nothing is written; so does a lint finding that refuses
    (with ``url``, asked of its data: a NOT NULL column added to a table with rows), unless its
    code is in ``allow``."""
    return _run("generate", {"from": source, "to": to, "dir": dir, "description": description, "rename": rename,
                             "no-renames": no_renames, "dev-url": dev_url, "allow": allow, **options}, on_event)


def lint(url: Optional[str] = None, dir: Optional[str] = None, *, files: Optional[List[str]] = None,
         latest: Optional[int] = None, allow: Optional[List[str]] = None,
         on_event: Optional[Callable[[Dict[str, Any]], None]] = None, **options: Any) -> Report:
    """What the migrations would do to the data already there, as ``strata lint --json`` prints it:
    ``findings`` (code, severity, file, line, message, remedy, allowed), ``errors``, ``warnings``.
    With ``url`` the pending migrations are checked and the data is asked. A finding that refuses
    raises ValidationFailed, whose ``document`` holds the report."""
    return _run("lint", {"url": url, "dir": dir, "file": files, "latest": latest, "allow": allow, **options},
                on_event)


def drift(url: Optional[str] = None, dir: Optional[str] = None, *,
          on_event: Optional[Callable[[Dict[str, Any]], None]] = None, **options: Any) -> Report:
    """The database's schema against what its applied migrations make, as ``strata drift --json``
    prints it: ``drifted``, ``differences``, ``to_revert``. Drift raises ValidationFailed, whose
    ``document`` holds the report."""
    return _run("drift", {"url": url, "dir": dir, **options}, on_event)


def autogenerate(metadata: Any, description: str, **options: Any) -> Optional[str]:
    """Writes the next migration from SQLAlchemy models: see :func:`strata.sqlalchemy.autogenerate`
    (imported, with SQLAlchemy, only when called)."""
    from .sqlalchemy import autogenerate as write

    return write(metadata, description, **options)
