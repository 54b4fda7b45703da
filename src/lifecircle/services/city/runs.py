"""How every city import is recorded: one run per file, one transaction for its data.

Each importer follows ``docs/database.md``: the run is recorded first, in a transaction
of its own (:func:`start_run`); the data and the run's end (``succeeded`` or
``partial``) commit together (:func:`finish_run`); and when reading fails,
:func:`recorded` ends the run in a transaction of its own. A file with bad rows thus
leaves nothing but a ``rejected`` run listing every problem (file, line or feature,
column, what is wrong), and :class:`ImportRejectedError` is raised. With ``skip_bad``
the good rows go in and the rejects are also written to ``<stem>.rejects.csv`` beside
the input (:func:`write_rejects`). A run left ``running`` by a process killed midway is
ended ``failed`` the next time the city is opened (:mod:`lifecircle.services.city.stale_runs`).
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lifecircle.errors import DataError, NotFoundError
from lifecircle.io.export.output import write_csv
from lifecircle.io.schema import REJECTS_HEADER, PlaceImportError, rejects_path
from lifecircle.io.units.communities import BadRowsError
from lifecircle.services.city.cities import city_folder
from lifecircle.services.city.stale_runs import open_city, this_process
from lifecircle.store.db import session_scope
from lifecircle.store.imports import finish_import_run, latest_import_run, start_import_run
from lifecircle.store.models import ImportKind, ImportStatus

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence

    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

    from lifecircle.config import Settings
    from lifecircle.store.rows import Reject


class ImportRejectedError(DataError):
    """A file had bad rows and nothing of it was imported.

    ``rejects`` holds every problem as stored in the run (``file``, ``line`` or
    ``feature``, ``column``, ``problem``), ``problems`` each as one line, and ``run_id``
    the run that records them. The message is the first problem, then how many more.
    """

    def __init__(self, *, path: str, run_id: int, rejects: Sequence[Reject]) -> None:
        self.path = path
        self.run_id = run_id
        self.rejects = tuple(rejects)
        self.problems = [describe_reject(r) for r in self.rejects]
        more = len(self.problems) - 1
        listed = f" (and {more} more problem{'s' if more > 1 else ''})" if more > 0 else ""
        first = self.problems[0] if self.problems else f"{path}: rejected"
        super().__init__(f"{first}{listed}; nothing imported (import run {run_id})")


def describe_reject(reject: Reject) -> str:
    """One line: ``file: line 3: lon: not a number: 'x'`` (or ``file: n123: geometry: ...``)."""
    parts = [reject["file"]]
    if "line" in reject:
        parts.append(f"line {reject['line']}")
    elif "feature" in reject:
        parts.append(str(reject["feature"]))
    if reject.get("column"):
        parts.append(reject["column"])
    return ": ".join([*parts, reject["problem"]])


@dataclass(frozen=True)
class ImportOutcome:
    """How one file's import ended.

    ``n_rows`` rows or features were read, ``n_imported`` stored, ``n_rejected`` left
    out (their problems are in the run). ``details`` holds what the kind of import
    adds: counts per category, places inserted, updated and merged, units, people.
    """

    kind: str
    path: str
    file_format: str
    run_id: int
    status: str
    n_rows: int
    n_imported: int
    n_rejected: int
    message: str
    notes: tuple[str, ...] = ()
    rejects_file: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The outcome as JSON-able data."""
        return asdict(self)


@dataclass(frozen=True)
class Run:
    """A started import run: its id, the file, and a note if the file was seen before."""

    id: int
    path: Path
    again: str

    def outcome(
        self,
        *,
        kind: str,
        file_format: str,
        rejects: Sequence[Reject],
        n_imported: int,
        message: str,
        n_rows: int | None = None,
        notes: Iterable[str] = (),
        details: dict[str, Any] | None = None,
    ) -> ImportOutcome:
        """The outcome of this run: ``partial`` when rows were left out, else ``succeeded``.

        ``n_rows`` defaults to the rows imported plus the rows rejected.
        """
        n_rejected = len({(r.get("line"), r.get("feature")) for r in rejects})
        return ImportOutcome(
            kind=kind,
            path=str(self.path),
            file_format=file_format,
            run_id=self.id,
            status=str(ImportStatus.PARTIAL if rejects else ImportStatus.SUCCEEDED),
            n_rows=n_imported + n_rejected if n_rows is None else n_rows,
            n_imported=n_imported,
            n_rejected=n_rejected,
            message=message,
            notes=tuple(n for n in (self.again, *notes) if n),
            details=dict(details or {}),
        )


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def require_file(path: Path | str, option: str) -> Path:
    """``path`` as a Path, or NotFoundError naming it and the option it was given to."""
    path = Path(path)
    if not path.is_file():
        raise NotFoundError(f"{path}: no such file ({option})")
    return path


def city_row(engine: Engine, name: str) -> tuple[int, str, str | None]:
    """Id, taxonomy and network path of a city (NotFoundError listing the cities).

    Opening the city ends its runs left ``running`` by a dead process (:func:`open_city`).
    """
    with session_scope(engine) as session:
        city = open_city(session, name=name)
        return city.id, city.taxonomy, city.network_path


def start_run(
    engine: Engine,
    *,
    city_id: int,
    kind: ImportKind,
    path: Path,
    file_format: str,
    options: dict[str, Any],
) -> Run:
    """Commit a ``running`` run for ``path``; note when the same bytes were imported before.

    The run records this process (host and id), so that a later opening of the city can
    tell it from a run whose process was killed (:mod:`lifecircle.services.city.stale_runs`).
    """
    sha = sha256_of(path)
    host, pid = this_process()
    with session_scope(engine) as session:
        before = latest_import_run(session, city_id=city_id, kind=kind, source_sha256=sha)
        run = start_import_run(
            session,
            city_id=city_id,
            kind=kind,
            source_path=path,
            source_sha256=sha,
            file_format=file_format,
            options=options,
            host=host,
            pid=pid,
        )
        again = "" if before is None else f"the same file as run {before.id}: rows updated in place"
        return Run(id=run.id, path=path, again=again)


def finish_run(session: Session, outcome: ImportOutcome, rejects: Sequence[Reject]) -> None:
    """End the run of ``outcome`` in the data's transaction, with its rejects."""
    finish_import_run(
        session,
        run_id=outcome.run_id,
        status=outcome.status,
        n_rows=outcome.n_rows,
        n_imported=outcome.n_imported,
        rejects=rejects,
        n_rejected=outcome.n_rejected,
        message=outcome.message,
    )


def store_reject(file: Path | str, ref: str, column: str, problem: str) -> Reject:
    """A reader's reject (``"line 12"``, ``"feature 3"``, ``"n123"``, ``"file"``) as stored."""
    reject: Reject = {"file": str(file), "column": column, "problem": problem}
    line = re.fullmatch(r"line (\d+)", ref)
    if line:
        reject["line"] = int(line[1])
    elif ref != "file":
        reject["feature"] = ref
    return reject


@contextlib.contextmanager
def recorded(engine: Engine, run: Run) -> Iterator[None]:
    """End the run when the block fails, in a transaction of its own, and re-raise.

    Bad rows (a reader's :class:`~lifecircle.io.schema.PlaceImportError` or
    :class:`~lifecircle.io.units.communities.BadRowsError`) end it ``rejected`` with every
    problem and raise :class:`ImportRejectedError`; anything else ends it ``failed``
    with the error's first line.
    """
    try:
        yield
    except (PlaceImportError, BadRowsError) as exc:
        rejects = [store_reject(run.path, r.ref, r.column, r.problem) for r in exc.rejects]
        rows = len({(r.get("line"), r.get("feature")) for r in rejects})
        with session_scope(engine) as session:
            finish_import_run(
                session,
                run_id=run.id,
                status=ImportStatus.REJECTED,
                n_rows=0,
                n_imported=0,
                rejects=rejects,
                message=f"rejected: {len(rejects)} problem(s) in {rows} row(s); nothing imported",
            )
        raise ImportRejectedError(path=str(run.path), run_id=run.id, rejects=rejects) from exc
    except BaseException as exc:
        with session_scope(engine) as session:
            finish_import_run(
                session,
                run_id=run.id,
                status=ImportStatus.FAILED,
                n_rows=0,
                n_imported=0,
                message=f"{type(exc).__name__}: {exc}".splitlines()[0],
            )
        raise


def write_rejects(
    settings: Settings, name: str, path: Path, rows: Sequence[tuple[str, str, str]]
) -> str | None:
    """Write ``(ref, column, problem)`` rows to ``<stem>.rejects.csv`` beside the input.

    Where the input's folder is read-only (shared data), the file goes to the city's
    folder (:func:`~lifecircle.services.city.cities.city_folder`), ``rejects/`` in it, instead.
    Returns the path written, or ``None`` when there is nothing to write.
    """
    if not rows:
        return None
    target = rejects_path(path)
    try:
        write_csv(target, REJECTS_HEADER, rows)
    except OSError:
        target = city_folder(settings, name) / "rejects" / target.name
        write_csv(target, REJECTS_HEADER, rows)
    return str(target)
