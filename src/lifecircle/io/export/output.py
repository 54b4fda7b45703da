"""Writing result files atomically: a temporary file beside the target, renamed on success.

Every writer of result files goes through these helpers, so that

- a reader never sees a half-written file (the temporary file is removed on any error);
- the file gets the mode of any file the user writes, ``0o666 & ~umask`` (the temporary
  file of :func:`tempfile.mkstemp` is ``0o600``, and a rename keeps the mode);
- an OS error (permission denied, disk full, a file where a folder should be) becomes a
  :class:`~lifecircle.errors.FileAccessError` naming the file and the problem.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO

from lifecircle.errors import FileAccessError

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence

_UMASK_LOCK = threading.Lock()


def current_umask() -> int:
    """The process's umask, read without changing it where the system allows.

    Linux (4.7 and later) shows it in ``/proc/self/status``; elsewhere it is set and put
    back at once, under a lock.
    """
    try:
        with Path("/proc/self/status").open(encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    with _UMASK_LOCK:
        mask = os.umask(0o077)
        os.umask(mask)
    return mask


def file_mode() -> int:
    """The permission bits of a new file under the current umask: ``0o666 & ~umask``."""
    return 0o666 & ~current_umask()


def honour_umask(target: int | Path) -> None:
    """Give a file (an open descriptor or a path) the mode of :func:`file_mode`."""
    if isinstance(target, int):
        os.fchmod(target, file_mode())
    else:
        target.chmod(file_mode())


@contextlib.contextmanager
def writing(path: Path, *temporary: Path) -> Iterator[None]:
    """Report an OS error of the block as a :class:`FileAccessError` naming ``path``.

    Errors about ``path``, its ``temporary`` files (a file written there first and
    renamed), a folder above it, or no file at all (a write to an open file: disk full)
    are translated; an error naming another file (an input read while writing) passes
    through unchanged.
    """
    try:
        yield
    except OSError as exc:
        name = None if exc.filename is None else Path(exc.filename)
        if name is None or name == path or name in temporary:
            raise FileAccessError("write", path, exc) from exc
        if name in path.parents:
            if isinstance(exc, (FileExistsError, NotADirectoryError)):
                exc = OSError(exc.errno, f"{name} is not a folder")
            raise FileAccessError("write", path, exc) from exc
        raise


def make_folder(path: Path) -> None:
    """Create the folder ``path`` will be written in (and the folders above it)."""
    with writing(path):
        path.parent.mkdir(parents=True, exist_ok=True)


@contextlib.contextmanager
def _staged(path: Path) -> Iterator[int]:
    """A descriptor of a new temporary file beside ``path``, renamed to ``path`` on success."""
    make_folder(path)
    try:
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:  # it names the temporary file, or nothing
        raise FileAccessError("write", path, exc) from exc
    tmp = Path(name)
    try:
        with writing(path, tmp):
            try:
                honour_umask(fd)
            except BaseException:
                os.close(fd)
                raise
            yield fd
            tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def atomic_text(path: Path) -> Iterator[TextIO]:
    """Open a text file for writing that appears at ``path`` only if the block succeeds.

    The folder is created when missing; the file gets the mode ``0o666 & ~umask``.

    Raises
    ------
    FileAccessError
        If the folder or the file cannot be written (nothing is left behind).

    """
    with _staged(path) as fd, os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
        yield fh


@contextlib.contextmanager
def atomic_binary(path: Path) -> Iterator[BinaryIO]:
    """:func:`atomic_text` for a binary file."""
    with _staged(path) as fd, os.fdopen(fd, "wb") as fh:
        yield fh


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Write a UTF-8 CSV with a header, atomically."""
    with atomic_text(path) as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


def write_json(path: Path, obj: Any) -> None:
    """Write JSON (UTF-8, not ASCII-escaped), atomically."""
    with atomic_text(path) as fh:
        json.dump(obj, fh, ensure_ascii=False, indent=1)
        fh.write("\n")
