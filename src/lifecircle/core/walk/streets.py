"""Streets of a walking network: which street each segment belongs to (for the 街区式 rule).

A network segment is the straight piece between two OSM nodes, often a dozen metres; an
official's "street" is the named street. A street here is

- every segment of the ways that carry the same ``name`` and touch one another (share a
  node, directly or through other segments of that name): 华强北路 drawn as six ways is
  one street, and a second 华强北路 elsewhere in the city that does not touch it is
  another; names are compared after Unicode NFKC, whitespace folding and case folding,
  so ``"Mannerheimintie"`` and ``" mannerheimintie "`` are one name;
- every way without a name, on its own (a footway, a service road).

The grouping is a connected-components pass (union-find) over (name, node) pairs: two
segments of one name that share a node share a pair, so they end in one component.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components

from lifecircle.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import ArrayLike, NDArray

_NO_WAY = np.iinfo(np.int64).max


def street_key(name: str) -> str:
    """The form in which two street names are compared: NFKC, single spaces, casefolded.

    ``"  Aleksanterinkatu "`` and ``"ALEKSANTERINKATU"`` give the same key, and so do
    ``"华强北路"`` and its full-width-space variant ``"华强北路\u3000"``.
    """
    return " ".join(unicodedata.normalize("NFKC", name).split()).casefold()


@dataclass(frozen=True, eq=False)
class StreetIndex:
    """The street of every segment of a network, and each street's name and way.

    Attributes
    ----------
    seg_street
        Street per segment (``-1``: unknown, the source gave neither a way nor a name).
    name
        Name per street as written in the source (its most frequent spelling); ``""`` for
        a way without a name.
    way
        OSM way id per street: the way itself for an unnamed street, the smallest id of
        its ways for a named one; ``-1`` when the source gave none.

    """

    seg_street: NDArray[np.int32]
    name: tuple[str, ...]
    way: NDArray[np.int64]

    def __post_init__(self) -> None:
        k = len(self.name)
        if self.seg_street.ndim != 1 or self.way.shape != (k,):
            raise ValidationError(
                f"street index: {k} names but {self.way.shape[0]} way ids "
                "(and seg_street must be 1-d)"
            )
        if self.seg_street.size and not (
            int(self.seg_street.min()) >= -1 and int(self.seg_street.max()) < k
        ):
            raise ValidationError(f"street index: a segment's street is outside -1..{k - 1}")

    @property
    def n_streets(self) -> int:
        """Number of streets."""
        return len(self.name)

    def label(self, street: int) -> str:
        """The street in words for a verdict: its name, or the unnamed way's OSM id."""
        if street < 0:
            return "no known street"
        if name := self.name[street]:
            return name
        way = int(self.way[street])
        return f"an unnamed way (OSM way {way})" if way >= 0 else "an unnamed way"

    def labels(self) -> tuple[str, ...]:
        """:meth:`label` of every street, by street index."""
        return tuple(self.label(s) for s in range(self.n_streets))

    def of_segments(self, seg: ArrayLike) -> NDArray[np.int64]:
        """The street of each given segment (``-1`` for a negative segment, i.e. unsnapped)."""
        s = np.asarray(seg, dtype=np.int64)
        out = np.full(s.shape, -1, dtype=np.int64)
        ok = s >= 0
        out[ok] = self.seg_street[s[ok]]
        return out


def street_index(
    seg_u: ArrayLike,
    seg_v: ArrayLike,
    *,
    seg_way: ArrayLike,
    seg_name: ArrayLike,
    names: Sequence[str],
) -> StreetIndex:
    """Group the segments of a network into streets (see the module docstring).

    Parameters
    ----------
    seg_u, seg_v
        End nodes of each segment (node indices ``>= 0``).
    seg_way
        Source way id of each segment (``-1``: unknown).
    seg_name
        Index into ``names`` of each segment's way name (``-1``: the way has no name).
    names
        The way names the segments point at, as written.

    Returns
    -------
    StreetIndex
        Streets numbered in the order of their first segment.

    """
    u = np.asarray(seg_u, dtype=np.int64)
    v = np.asarray(seg_v, dtype=np.int64)
    way = np.asarray(seg_way, dtype=np.int64)
    name = np.asarray(seg_name, dtype=np.int64)
    m = int(u.size)
    if not (v.shape == way.shape == name.shape == u.shape) or u.ndim != 1:
        raise ValidationError("seg_u, seg_v, seg_way and seg_name must be 1-d, one per segment")
    if m and (int(name.max()) >= len(names) or int(name.min()) < -1):
        raise ValidationError(f"seg_name must index the {len(names)} names or be -1")
    keys: dict[str, int] = {}
    key_of_name = np.array(
        [keys.setdefault(key, len(keys)) if (key := street_key(n)) else -1 for n in names] + [-1],
        dtype=np.int64,
    )
    seg_key = key_of_name[name]  # index -1 picks the trailing -1: no name
    named = np.flatnonzero(seg_key >= 0)
    raw = np.full(m, -1, dtype=np.int64)

    # named: components of the graph whose vertices are (name, node) pairs
    if named.size:
        n_nodes = int(max(u.max(), v.max())) + 1
        base = seg_key[named] * n_nodes
        ends = np.concatenate([base + u[named], base + v[named]])
        _, pair = np.unique(ends, return_inverse=True)
        pair = pair.reshape(-1)
        n_pairs = int(pair.max()) + 1
        half = named.size
        graph = coo_array(
            (np.ones(half), (pair[:half], pair[half:])), shape=(n_pairs, n_pairs)
        ).tocsr()
        _, component = connected_components(graph, directed=False)
        raw[named] = component[pair[:half]]

    # unnamed: one street per way
    unnamed = np.flatnonzero((seg_key < 0) & (way >= 0))
    if unnamed.size:
        _, own = np.unique(way[unnamed], return_inverse=True)
        raw[unnamed] = int(raw.max()) + 1 + own.reshape(-1)

    # renumber by first segment
    known = np.flatnonzero(raw >= 0)
    labels, first = np.unique(raw[known], return_index=True)
    rank = np.empty(labels.size, dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(labels.size)
    seg_street = np.full(m, -1, dtype=np.int32)
    seg_street[known] = rank[np.searchsorted(labels, raw[known])]
    k = int(labels.size)

    street_way = np.full(k, _NO_WAY, dtype=np.int64)
    has_way = known[way[known] >= 0]
    np.minimum.at(street_way, seg_street[has_way], way[has_way])
    street_way[street_way == _NO_WAY] = -1
    return StreetIndex(
        seg_street=seg_street,
        name=_spellings(seg_street, name, seg_key >= 0, names, k),
        way=street_way,
    )


def _spellings(
    seg_street: NDArray[np.int32],
    name: NDArray[np.int64],
    named: NDArray[np.bool_],
    names: Sequence[str],
    k: int,
) -> tuple[str, ...]:
    """Each street's most frequent spelling over its segments (``""`` when unnamed)."""
    out = [""] * k
    sel = np.flatnonzero(named & (seg_street >= 0))
    if sel.size:
        pairs, counts = np.unique(
            np.column_stack([seg_street[sel].astype(np.int64), name[sel]]),
            axis=0,
            return_counts=True,
        )
        # by street, then most segments first, then the lower name index
        order = np.lexsort((pairs[:, 1], -counts, pairs[:, 0]))
        pairs = pairs[order]
        lead = np.r_[True, pairs[1:, 0] != pairs[:-1, 0]]
        for s, n in pairs[lead]:
            out[int(s)] = names[int(n)]
    return tuple(out)
