"""Comparing two assessment runs: what changed in the parameters, the data and the results."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lifecircle.services.city.places import default_source_name

CHANGE_TOLERANCE = 0.005
"""Coverage changes smaller than this share (half a percentage point) are not listed."""


def _delta(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else round(b - a, 4)


def _changed(a: dict[str, Any], b: dict[str, Any]) -> dict[str, dict[str, Any]]:
    keys = sorted(set(a) | set(b))
    return {k: {"before": a.get(k), "after": b.get(k)} for k in keys if a.get(k) != b.get(k)}


def import_key(entry: dict[str, Any]) -> str:
    """What an import of a run's data stands for: ``places futian_amap``, ``network``...

    Places are keyed by their source name (runs before named sources: the file's stem),
    population by method, communities and mappings by file: one key per import a run
    was fed by, so that two places sources are two keys.
    """
    kind = str(entry.get("kind", ""))
    if kind == "network":
        return kind
    if kind == "places":
        name = entry.get("source_name") or default_source_name(Path(str(entry.get("source"))))
    elif kind == "population":
        name = entry.get("method") or ""
    elif entry.get("units"):
        name = f"units {entry['units']}"
    else:
        name = entry.get("source") or ""
    return f"{kind} {name}".strip()


def data_versions(data: dict[str, Any]) -> dict[str, Any]:
    """A run's data as ``{import_key: sha256}``, ``network`` the network file's checksum."""
    versions = {import_key(i): i.get("sha256") for i in data.get("imports", [])}
    versions["network"] = data.get("network", {}).get("sha256")
    return versions


def _imports(run: dict[str, Any]) -> dict[str, Any]:
    return data_versions(run.get("data", {}))


def compare_runs(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """What changed between two assessment documents of one city.

    Returns
    -------
    dict
        ``runs`` (the two ids and dates), ``parameters`` and ``data`` (values that
        differ; data by :func:`import_key`, a checksum ``None`` on the side that had no
        such import), ``imports`` (every import each run was fed by), ``city`` (the
        headline figures before, after and their difference), ``gained`` and ``lost``
        (communities that reached or lost full basic coverage), ``coverage_changes``
        (per community, the categories whose coverage moved by at least
        :data:`CHANGE_TOLERANCE`), ``added`` and ``removed`` community codes.

    """
    a_city, b_city = before["city"], after["city"]
    headline = {}
    for key in ("population", "basic_complete", "f15", "gini", "places", "chain_share"):
        headline[key] = {
            "before": a_city.get(key),
            "after": b_city.get(key),
            "change": _delta(a_city.get(key), b_city.get(key)),
        }
    coverage = {
        code: {
            "before": a_city["coverage"].get(code),
            "after": b_city["coverage"].get(code),
            "change": _delta(a_city["coverage"].get(code), b_city["coverage"].get(code)),
        }
        for code in b_city.get("coverage", {})
    }
    a_by = {c["code"]: c for c in before["communities"]}
    b_by = {c["code"]: c for c in after["communities"]}
    common = [code for code in b_by if code in a_by]
    gained = [c for c in common if b_by[c]["basic_complete"] and not a_by[c]["basic_complete"]]
    lost = [c for c in common if a_by[c]["basic_complete"] and not b_by[c]["basic_complete"]]
    changes = []
    for code in common:
        moved = {}
        for cat, after_share in b_by[code]["coverage"].items():
            before_share = a_by[code]["coverage"].get(cat)
            d = _delta(before_share, after_share)
            if d is not None and abs(d) >= CHANGE_TOLERANCE:
                moved[cat] = {"before": before_share, "after": after_share, "change": d}
        grade_moved = a_by[code]["grade"] != b_by[code]["grade"]
        if moved or grade_moved:
            changes.append(
                {
                    "code": code,
                    "name": b_by[code]["name"],
                    "grade": {"before": a_by[code]["grade"], "after": b_by[code]["grade"]},
                    "coverage": moved,
                }
            )
    return {
        "city": after["run"]["city"],
        "runs": {
            "before": {"id": before["run"]["id"], "created_at": before["run"]["created_at"]},
            "after": {"id": after["run"]["id"], "created_at": after["run"]["created_at"]},
        },
        "parameters": _changed(before["run"]["parameters"], after["run"]["parameters"]),
        "data": _changed(_imports(before["run"]), _imports(after["run"])),
        "imports": {
            "before": list(before["run"].get("data", {}).get("imports", [])),
            "after": list(after["run"].get("data", {}).get("imports", [])),
        },
        "headline": headline,
        "coverage": coverage,
        "gained": gained,
        "lost": lost,
        "coverage_changes": changes,
        "added": [c for c in b_by if c not in a_by],
        "removed": [c for c in a_by if c not in b_by],
    }
