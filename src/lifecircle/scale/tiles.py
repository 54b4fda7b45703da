"""One large network's accessibility in tiles with a halo, as Dask tasks or in a plain loop.

:func:`tiled_accessibility` has the signature of
:func:`lifecircle.core.walk.access.accessibility` plus the tiling and an optional Dask
``client``, so a batch can pass it wherever that function is expected (``access=``).
The cutting and the proof that the tiles' answers equal the single-process ones are in
:mod:`lifecircle.core.walk.tiles`; this module only runs the tiles. With a client, the
tiles are cut one at a time on the caller, scattered to the cluster and submitted as one
task each, with at most ``in_flight`` of them on the cluster at once, so neither the
caller nor a worker ever holds more than a few tiles besides the network itself.
"""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lifecircle.core.walk.access import accessibility
from lifecircle.core.walk.tiles import (
    Tile,
    TileAnswer,
    assemble,
    cut_tiles,
    tile_accessibility,
    tile_grid,
)
from lifecircle.errors import OptionalDependencyError, ValidationError

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from numpy.typing import ArrayLike

    from lifecircle.core.walk.access import AccessResult
    from lifecircle.core.walk.network import WalkNetwork
    from lifecircle.core.walk.snap import Snapped

log = logging.getLogger(__name__)

TILE_NODES = 250_000
"""Default nodes per tile: a few hundred MB of search memory, a halo of ~10 % at 1.2 km."""


@dataclass(frozen=True)
class TileRun:
    """What a tiled run cost.

    Attributes
    ----------
    tiles
        Tiles searched (those owning at least one origin).
    nodes
        Nodes of the network.
    tile_nodes
        Nodes of all tiles' subnetworks together, halos included.
    task_s
        Seconds each tile's search took inside its task (where it ran), in tile order.
    wall_s
        Seconds of the whole run, cutting and gathering included.

    """

    tiles: int
    nodes: int
    tile_nodes: int
    task_s: tuple[float, ...]
    wall_s: float

    @property
    def halo_share(self) -> float:
        """Extra nodes searched because of the halos, as a share of the network's nodes."""
        return (self.tile_nodes - self.nodes) / self.nodes if self.nodes else 0.0


@dataclass(frozen=True)
class TiledAccess:
    """The result (as the single-process engine's) and the run's figures."""

    result: AccessResult
    run: TileRun


def _search(
    tile: Tile,
    *,
    categories: Sequence[str],
    limit_m: float | ArrayLike,
    workers: int | None,
    with_counts: bool,
) -> tuple[TileAnswer, float]:
    """One tile's search and its seconds (the body of a Dask task)."""
    start = time.perf_counter()
    answer = tile_accessibility(
        tile, categories=categories, limit_m=limit_m, workers=workers, with_counts=with_counts
    )
    return answer, time.perf_counter() - start


def _task(tile: Tile, options: dict[str, Any]) -> tuple[TileAnswer, float]:
    return _search(tile, **options)


def _on_cluster(
    client: Any, tiles: Iterator[Tile], in_flight: int, options: dict[str, Any]
) -> Iterator[tuple[TileAnswer, float]]:
    """Tiles as tasks, at most ``in_flight`` at once; answers in the order they finish."""
    try:
        from distributed import wait  # noqa: PLC0415 - the scale extra
    except ImportError as exc:  # pragma: no cover - the scale extra is installed in tests
        raise OptionalDependencyError("distributed", "scale") from exc
    pending: deque[Any] = deque()
    exhausted = False
    while pending or not exhausted:
        while not exhausted and len(pending) < in_flight:
            tile = next(tiles, None)
            if tile is None:
                exhausted = True
                break
            [data] = client.scatter([tile], hash=False)
            # options as one argument: submit() has keywords of its own (``workers``)
            pending.append(client.submit(_task, data, options, key=f"tile-{uuid.uuid4().hex}"))
        if not pending:
            break
        done, _ = wait(list(pending), return_when="FIRST_COMPLETED")  # type: ignore[no-untyped-call]
        for future in [f for f in pending if f in done]:
            pending.remove(future)
            yield future.result()
            future.release()


def run_tiles(
    net: WalkNetwork,
    *,
    origins: Snapped,
    places: Snapped,
    place_category: ArrayLike,
    categories: Sequence[str],
    limit_m: float | ArrayLike,
    tile_nodes: int = TILE_NODES,
    client: Any = None,
    workers: int | None = None,
    with_counts: bool = True,
    in_flight: int | None = None,
) -> TiledAccess:
    """:func:`tiled_accessibility` with the run's figures (tiles, halo share, task times)."""
    start = time.perf_counter()
    grid = tile_grid(net, tile_nodes=tile_nodes)
    tiles = cut_tiles(
        net,
        origins=origins,
        places=places,
        place_category=place_category,
        limit_m=limit_m,
        grid=grid,
    )
    options: dict[str, Any] = {
        "categories": tuple(categories),
        "limit_m": limit_m,
        "workers": workers,
        "with_counts": with_counts,
    }
    if client is None:
        done = [_search(tile, **options) for tile in tiles]
    else:
        if in_flight is None:
            in_flight = 2 * max(1, len(client.scheduler_info().get("workers", {})))
        if in_flight < 1:
            raise ValidationError(
                f"in_flight must be at least 1, got {in_flight}", field="in_flight"
            )
        done = list(_on_cluster(client, tiles, in_flight, options))
    done.sort(key=lambda pair: pair[0].index)
    answers = [a for a, _ in done]
    result = assemble(answers, origins=origins, categories=categories, limit_m=limit_m)
    run = TileRun(
        tiles=len(answers),
        nodes=net.n_nodes,
        tile_nodes=sum(a.nodes for a in answers),
        task_s=tuple(s for _, s in done),
        wall_s=time.perf_counter() - start,
    )
    log.info(
        "%d tiles of ~%d nodes: halo extra work %.1f %% of %d nodes, %.1f s",
        run.tiles,
        tile_nodes,
        100.0 * run.halo_share,
        run.nodes,
        run.wall_s,
    )
    return TiledAccess(result=result, run=run)


def tiled_accessibility(
    net: WalkNetwork,
    *,
    origins: Snapped,
    places: Snapped,
    place_category: ArrayLike,
    categories: Sequence[str],
    limit_m: float | ArrayLike,
    tile_nodes: int = TILE_NODES,
    client: Any = None,
    workers: int | None = None,
    with_counts: bool = True,
) -> AccessResult:
    """Nearest place and counts per category for every origin, searched in tiles.

    Equal, bit for bit, to :func:`lifecircle.core.walk.access.accessibility` with the
    same arguments (:mod:`lifecircle.core.walk.tiles` says why); the halo's extra work is
    logged at INFO (:func:`run_tiles` returns it).

    Parameters
    ----------
    net, origins, places, place_category, categories, limit_m, workers, with_counts
        As :func:`~lifecircle.core.walk.access.accessibility` (``workers``: threads of
        each tile's search).
    tile_nodes
        Nodes per tile, halo not counted.
    client
        A ``distributed.Client``: each tile is a task on its cluster. ``None``: the
        tiles run one after the other in this process.

    Returns
    -------
    AccessResult

    """
    return run_tiles(
        net,
        origins=origins,
        places=places,
        place_category=place_category,
        categories=categories,
        limit_m=limit_m,
        tile_nodes=tile_nodes,
        client=client,
        workers=workers,
        with_counts=with_counts,
    ).result


@dataclass(frozen=True)
class CitySearch:
    """A batch city's network search: the plain one up to ``tile_nodes`` nodes, tiles beyond.

    Passed as ``access=`` to the assessment of a batch task. Inside a Dask worker the tiles
    become tasks of the same cluster (the city's task leaves the worker's thread pool while
    it waits for them: ``distributed.worker_client``); elsewhere they run in a loop. Either
    way the answers equal the plain search's, bit for bit.
    """

    tile_nodes: int

    def __post_init__(self) -> None:
        if self.tile_nodes < 1:
            raise ValidationError(
                f"tile nodes {self.tile_nodes}: expected 1 or more", field="tile_nodes"
            )

    def __call__(self, net: WalkNetwork, **search: Any) -> AccessResult:
        """:func:`~lifecircle.core.walk.access.accessibility`'s call, tiled if too large."""
        if net.n_nodes <= self.tile_nodes:
            return accessibility(net, **search)
        with _cluster_of_this_task() as client:
            return tiled_accessibility(net, tile_nodes=self.tile_nodes, client=client, **search)


@contextlib.contextmanager
def _cluster_of_this_task() -> Iterator[Any]:
    """A client of the cluster running this code as a task, or None outside any worker."""
    try:
        import distributed  # noqa: PLC0415 - the scale extra
    except ImportError:
        yield None
        return
    try:
        distributed.get_worker()
    except ValueError:  # not inside a worker's task
        yield None
        return
    with distributed.worker_client() as client:
        yield client
