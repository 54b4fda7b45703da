"""Plan documents unchanged by the shared preparation (``services/plan/prepare.py``).

The per-category and joint plans of three cities (:mod:`tests.services.plan_cases`)
against the documents the code before the shared preparation made (commit ea2e24b,
saved in ``tests/data/valid/plan_documents/``): sites, the categories each unit hosts,
the communities it closes, bound, gap, method, every member but the clock's. The
cases avoid the Lagrangian method, whose answer depends on the time it is given.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import DATA
from tests.services.plan_cases import CASES, CITIES, documents

if TYPE_CHECKING:
    from lifecircle.services.city.data import CityData

SAVED = DATA / "valid" / "plan_documents"


def _first_difference(got: Any, want: Any, path: str = "") -> str | None:
    """Where two JSON values first differ (a path like ``sites[3].id``), else None."""
    if isinstance(want, dict) and isinstance(got, dict):
        keys = sorted(set(want) | set(got))
        missing = [k for k in keys if k not in got or k not in want]
        if missing:
            key = missing[0]
            return f"{path}.{key}: only in {'saved' if key in want else 'new'}"
        pairs = [(got[k], want[k], f"{path}.{k}") for k in keys]
    elif isinstance(want, list) and isinstance(got, list):
        if len(got) != len(want):
            return f"{path}: {len(got)} items, saved {len(want)}"
        pairs = [(g, w, f"{path}[{i}]") for i, (g, w) in enumerate(zip(got, want, strict=True))]
    else:
        return None if got == want else f"{path}: {got!r}, saved {want!r}"
    return next((d for g, w, p in pairs if (d := _first_difference(g, w, p))), None)


@pytest.fixture(scope="module", params=list(CITIES))
def city(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    name: str = request.param
    data: CityData = CITIES[name](tmp_path_factory.mktemp(name))
    return name, documents(name, data)


def test_documents_equal_the_saved_ones(city) -> None:
    name, docs = city
    saved = json.loads((SAVED / f"{name}.json").read_text(encoding="utf-8"))
    assert sorted(docs) == sorted(saved) == sorted(case for case, _ in CASES[name])
    for case, doc in docs.items():
        assert doc == saved[case], f"{name} {case}: {_first_difference(doc, saved[case])}"
        if "joint" in doc:  # the comparison is that of the per-category plans
            per = {row["category"]: row["per_category_sites"] for row in doc["categories"]}
            assert doc["joint"]["per_category"] == per
    joint, single = docs["joint"], docs["plan"]
    sites = {row["category"]: row["sites"] for row in single["categories"]}
    for code, n in joint["joint"]["per_category"].items():
        assert n == sites[code], (name, code)


def test_a_difference_is_found() -> None:
    saved = {"sites": [{"id": "n-1", "hosts": ["a", "b"]}], "gap": 0.0}
    assert _first_difference(saved, saved) is None
    moved = {"sites": [{"id": "n-2", "hosts": ["a", "b"]}], "gap": 0.0}
    assert _first_difference(moved, saved) == ".sites[0].id: 'n-2', saved 'n-1'"
    assert _first_difference({"sites": []}, saved) == ".gap: only in saved"
