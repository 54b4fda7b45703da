"""Where a batch runs: in this process, on a local Dask cluster, or on an existing one.

``--scheduler tcp://HOST:PORT`` connects a :class:`distributed.Client` to a cluster
someone started (``dask scheduler`` and ``dask worker``, Kubernetes, an HPC queue);
``--workers N`` starts a :class:`distributed.LocalCluster` whose scheduler and ``N``
workers (one thread each) are separate processes talking TCP on loopback; neither runs
the tasks one after the other in this process, with no Dask at all. All three call the
same task function on the same items, so a run's results do not depend on where it ran.
"""

from __future__ import annotations

import contextlib
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from lifecircle.errors import DataError, OptionalDependencyError, ValidationError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

SCHEDULER_TIMEOUT_S = 15
"""Seconds to wait for an existing scheduler to answer."""

_SCHEDULER = re.compile(r"^(tcp|tls)://[^\s/:]+:\d{1,5}$")


@dataclass(frozen=True)
class Finished:
    """One task's end: the item's index and its result, or the exception it raised."""

    index: int
    result: Any = None
    error: BaseException | None = None
    elapsed_s: float = 0.0


class Runner(Protocol):
    """Runs one function over many items and yields each item's end as it comes."""

    @property
    def where(self) -> str:
        """What the tasks run on, for people ("in-process", "2 local workers", an address)."""
        ...

    @property
    def dashboard(self) -> str | None:
        """The Dask dashboard's address, when there is one."""
        ...

    def run(
        self, task: Callable[[Any], Any], items: Sequence[Any], *, retries: int
    ) -> Iterator[Finished]:
        """Call ``task`` on every item; yield each :class:`Finished` as it completes."""
        ...


@dataclass(frozen=True)
class InProcess:
    """No cluster: the tasks run one after the other, here (``retries`` does not apply)."""

    where: str = "in-process"
    dashboard: str | None = None

    def run(
        self,
        task: Callable[[Any], Any],
        items: Sequence[Any],
        *,
        retries: int,  # noqa: ARG002 - a process cannot lose a worker
    ) -> Iterator[Finished]:
        """Call ``task`` on each item in order; an exception is reported, not raised."""
        for index, item in enumerate(items):
            started = time.perf_counter()
            try:
                result = task(item)
            except Exception as exc:  # noqa: BLE001 - reported per item, as Dask reports it
                yield Finished(index, error=exc, elapsed_s=time.perf_counter() - started)
            else:
                yield Finished(index, result, elapsed_s=time.perf_counter() - started)


@dataclass
class OnDask:
    """A :class:`distributed.Client`: each item one task, ``retries`` after a failure."""

    client: Any
    where: str
    dashboard: str | None = None
    prefix: str = field(default_factory=lambda: f"lifecircle-{uuid.uuid4().hex[:8]}")

    def run(
        self, task: Callable[[Any], Any], items: Sequence[Any], *, retries: int
    ) -> Iterator[Finished]:
        """Submit every item, then yield results in the order they complete.

        A worker that dies takes its task with it; the scheduler runs the task again on
        another worker (tasks are pure apart from their database write, which replaces
        the city's rows, so a second run gives the same result). ``retries`` also
        re-runs a task that raised.
        """
        from distributed import as_completed  # noqa: PLC0415 - the scale extra

        started = time.perf_counter()
        futures = [
            self.client.submit(task, item, key=f"{self.prefix}-{i}", retries=retries, pure=False)
            for i, item in enumerate(items)
        ]
        index = {f.key: i for i, f in enumerate(futures)}
        try:
            for future in as_completed(futures):  # type: ignore[no-untyped-call]
                i = index[future.key]
                elapsed = time.perf_counter() - started
                try:
                    result = future.result()
                except Exception as exc:  # noqa: BLE001 - a task's error is reported per item
                    yield Finished(i, error=exc, elapsed_s=elapsed)
                else:
                    yield Finished(i, result, elapsed_s=elapsed)
        finally:
            for future in futures:
                future.release()


def _distributed() -> Any:
    try:
        import distributed  # noqa: PLC0415 - optional: the scale extra
    except ImportError as exc:
        raise OptionalDependencyError("dask[distributed]", "scale") from exc
    return distributed


def _dashboard(client: Any) -> str | None:
    """The dashboard link, when the scheduler serves one (it needs bokeh)."""
    try:
        services = client.scheduler_info().get("services", {})
    except (OSError, KeyError):  # pragma: no cover - a scheduler gone mid-question
        return None
    return str(client.dashboard_link) if "dashboard" in services else None


@contextlib.contextmanager
def open_runner(*, scheduler: str | None = None, workers: int | None = None) -> Iterator[Runner]:
    """The runner the options ask for; a cluster it starts is closed at the end.

    Parameters
    ----------
    scheduler
        ``tcp://HOST:PORT`` of a running Dask scheduler.
    workers
        Start a local cluster of this many worker processes (one thread each).

    Raises
    ------
    ValidationError
        If both are given, the address is malformed or ``workers`` is below 1.
    DataError
        If the scheduler cannot be reached.
    OptionalDependencyError
        Without ``dask[distributed]`` (the ``scale`` extra).

    """
    if scheduler is not None and workers is not None:
        raise ValidationError("give --scheduler or --workers, not both", field="scheduler")
    if scheduler is None and workers is None:
        yield InProcess()
        return
    distributed = _distributed()
    if scheduler is not None:
        if not _SCHEDULER.match(scheduler):
            raise ValidationError(
                f"--scheduler {scheduler!r}: expected tcp://HOST:PORT", field="scheduler"
            )
        try:
            client = distributed.Client(scheduler, timeout=f"{SCHEDULER_TIMEOUT_S}s")
        except (OSError, TimeoutError) as exc:
            raise DataError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
        try:
            yield OnDask(client, where=scheduler, dashboard=_dashboard(client))
        finally:
            client.close()
        return
    if workers is None or workers < 1:
        raise ValidationError(f"--workers {workers}: expected 1 or more", field="workers")
    with (
        distributed.LocalCluster(
            n_workers=workers,
            processes=True,
            threads_per_worker=1,
            host="127.0.0.1",
            protocol="tcp://",
            dashboard_address="127.0.0.1:0",
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        where = f"{workers} local worker process(es), scheduler {cluster.scheduler_address}"
        yield OnDask(client, where=where, dashboard=_dashboard(client))
