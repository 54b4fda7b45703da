"""GCJ-02 / BD-09 / WGS-84 conversion against published vectors and round-trip invariants."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lifecircle.errors import ValidationError
from lifecircle.io.coords import (
    CRS_CHOICES,
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    gcj02_to_wgs84_approx,
    out_of_china,
    to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from tests.conftest import GCJ_VECTORS

VECTORS = GCJ_VECTORS

EARTH_RADIUS_M = 6371008.8
ONE_STEP_TOL_M = 0.001  # published output of the one-step inverse, per the file's header
ITERATIVE_TRUE_WGS_TOL_M = 0.5  # iterative inverse against the true WGS point (header)

FORWARD = {
    "wgs84_to_gcj02": wgs84_to_gcj02,
    "gcj02_to_bd09": gcj02_to_bd09,
    "bd09_to_gcj02": bd09_to_gcj02,
    "wgs84_to_bd09": wgs84_to_bd09,
}


def haversine_m(lon1: object, lat1: object, lon2: object, lat2: object) -> float:
    a1, b1, a2, b2 = (math.radians(float(np.asarray(v))) for v in (lon1, lat1, lon2, lat2))
    h = math.sin((b2 - b1) / 2) ** 2 + math.cos(b1) * math.cos(b2) * math.sin((a2 - a1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def read_vectors() -> list[dict[str, str]]:
    with VECTORS.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


ROWS = read_vectors()
STANDARD = [r for r in ROWS if r["standard_impl"] == "yes"]
NON_STANDARD = [r for r in ROWS if r["standard_impl"] == "no"]


def test_vector_file_is_read() -> None:
    assert len(STANDARD) >= 20
    assert {r["direction"] for r in STANDARD} >= {*FORWARD, "gcj02_to_wgs84", "bd09_to_wgs84"}


@pytest.mark.parametrize("row", STANDARD, ids=[r["id"] for r in STANDARD])
def test_standard_vectors(row: dict[str, str]) -> None:
    direction = row["direction"]
    lon, lat = float(row["in_lng"]), float(row["in_lat"])
    expected = float(row["out_lng"]), float(row["out_lat"])
    tol_m = float(row["tolerance_m"])
    if direction in FORWARD:
        assert haversine_m(*FORWARD[direction](lon, lat), *expected) <= tol_m
        return
    # Inverse rows come in two kinds (see the file's header): tolerance 0.001 m checks the
    # published output of the one-step approximate method; larger tolerances check the true
    # WGS-84 point, which the one-step inverse reaches within tolerance_m and the exact
    # (iterative) inverse within 0.5 m.
    if direction == "gcj02_to_wgs84":
        approx = gcj02_to_wgs84_approx(lon, lat)
        exact = gcj02_to_wgs84(lon, lat)
    elif direction == "bd09_to_wgs84":
        approx = gcj02_to_wgs84_approx(*bd09_to_gcj02(lon, lat))
        exact = bd09_to_wgs84(lon, lat)
    else:
        pytest.fail(f"unexpected direction {direction!r} in {VECTORS}")
    if tol_m <= ONE_STEP_TOL_M:
        assert haversine_m(*approx, *expected) <= tol_m
        # the exact inverse lies within the one-step method's 1-3 m of that output
        assert haversine_m(*exact, *expected) < 5.0
    else:
        assert haversine_m(*approx, *expected) <= tol_m
        assert haversine_m(*exact, *expected) <= min(tol_m, ITERATIVE_TRUE_WGS_TOL_M)


@pytest.mark.parametrize("row", NON_STANDARD, ids=[r["id"] for r in NON_STANDARD])
def test_non_standard_bd_variant_is_not_reproduced(row: dict[str, str]) -> None:
    got = bd09_to_wgs84(float(row["in_lng"]), float(row["in_lat"]))
    assert haversine_m(*got, float(row["out_lng"]), float(row["out_lat"])) > 1.0


@pytest.mark.parametrize("name", ["E1i", "E2i", "E3i"])
def test_exact_inverse_is_millimetric_and_approx_is_metres(name: str) -> None:
    row = next(r for r in STANDARD if r["id"] == name)
    gcj = float(row["in_lng"]), float(row["in_lat"])
    true_wgs = float(row["out_lng"]), float(row["out_lat"])
    exact_m = haversine_m(*gcj02_to_wgs84(*gcj), *true_wgs)
    approx_m = haversine_m(*gcj02_to_wgs84_approx(*gcj), *true_wgs)
    assert exact_m < 0.005
    assert approx_m > 0.1  # 0.3 m in Shenzhen, 1-3 m in Shanghai and Beijing
    assert approx_m > 100 * exact_m


china_lon = st.floats(min_value=73.0, max_value=135.0)
china_lat = st.floats(min_value=18.0, max_value=53.0)


@given(lon=china_lon, lat=china_lat)
def test_gcj02_round_trip_within_1_cm(lon: float, lat: float) -> None:
    assert haversine_m(*gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat)), lon, lat) < 0.01


@given(lon=china_lon, lat=china_lat)
def test_bd09_round_trip_within_1_cm(lon: float, lat: float) -> None:
    assert haversine_m(*bd09_to_wgs84(*wgs84_to_bd09(lon, lat)), lon, lat) < 0.01


@given(lon=china_lon, lat=china_lat)
def test_forward_offset_is_hundreds_of_metres(lon: float, lat: float) -> None:
    assert 1.0 < haversine_m(*wgs84_to_gcj02(lon, lat), lon, lat) < 1500.0


@given(lon=china_lon, lat=china_lat)
def test_approx_inverse_is_worse_than_exact(lon: float, lat: float) -> None:
    gcj = wgs84_to_gcj02(lon, lat)
    exact_m = haversine_m(*gcj02_to_wgs84(*gcj), lon, lat)
    approx_m = haversine_m(*gcj02_to_wgs84_approx(*gcj), lon, lat)
    assert approx_m >= exact_m


def test_approx_inverse_is_metres_off_over_china() -> None:
    lon, lat = np.meshgrid(np.linspace(74, 134, 61), np.linspace(19, 52, 34))
    gcj = wgs84_to_gcj02(lon, lat)
    approx = np.asarray(gcj02_to_wgs84_approx(*gcj))
    exact = np.asarray(gcj02_to_wgs84(*gcj))
    truth = np.stack([lon, lat])
    approx_err_deg = np.abs(approx - truth).max()
    exact_err_deg = np.abs(exact - truth).max()
    assert approx_err_deg > 1e-5  # about a metre
    assert exact_err_deg < 1e-9  # about 0.1 mm


outside_lon = st.one_of(
    st.floats(min_value=-180.0, max_value=72.0), st.floats(min_value=137.9, max_value=180.0)
)
any_lat = st.floats(min_value=-90.0, max_value=90.0)


@pytest.mark.parametrize(
    "convert",
    [
        wgs84_to_gcj02,
        gcj02_to_wgs84,
        gcj02_to_wgs84_approx,
        gcj02_to_bd09,
        bd09_to_gcj02,
        wgs84_to_bd09,
        bd09_to_wgs84,
    ],
)
@given(
    point=st.one_of(
        st.tuples(outside_lon, any_lat),
        st.tuples(st.floats(min_value=72.1, max_value=137.8), st.floats(-90.0, 0.8)),
        st.tuples(st.floats(min_value=72.1, max_value=137.8), st.floats(55.9, 90.0)),
    )
)
def test_outside_china_unchanged(convert: object, point: tuple[float, float]) -> None:
    assert callable(convert)
    lon, lat = convert(*point)
    assert (float(lon), float(lat)) == point


def test_out_of_china_box() -> None:
    got = out_of_china([72.0, 72.01, 137.9, 100.0, 100.0, 114.06], [30, 30, 30, 0.8, 55.9, 22.54])
    assert got.tolist() == [True, False, True, True, True, False]


def test_vectorised_shapes_and_nan() -> None:
    lon = np.array([[114.06, np.nan], [113.95, 200.0]])
    lat = np.array([[22.54, 22.5], [22.54, 22.5]])
    for crs in CRS_CHOICES:
        out_lon, out_lat = to_wgs84(lon, lat, crs)
        assert out_lon.shape == lon.shape
        assert out_lat.shape == lat.shape
        assert np.isnan(out_lon[0, 1])
        assert out_lon[1, 1] == 200.0
    # a scalar latitude broadcasts against an array of longitudes
    assert wgs84_to_gcj02([114.0, 114.1], 22.5)[1].shape == (2,)


def test_to_wgs84_dispatch_ignores_case() -> None:
    wgs = (114.0596, 22.5431)
    assert haversine_m(*to_wgs84(*wgs84_to_gcj02(*wgs), "GCJ02"), *wgs) < 0.001
    assert haversine_m(*to_wgs84(*wgs84_to_bd09(*wgs), "Bd09"), *wgs) < 0.001
    assert tuple(map(float, to_wgs84(*wgs, "WGS84"))) == wgs


def test_to_wgs84_does_not_alias_input() -> None:
    lon = np.array([114.0])
    out_lon, _ = to_wgs84(lon, np.array([22.5]), "wgs84")
    out_lon[0] = 0.0
    assert lon[0] == 114.0


def test_unknown_crs_message() -> None:
    with pytest.raises(ValidationError) as info:
        to_wgs84(114.0, 22.5, "xyz")
    assert str(info.value) == "unknown CRS 'xyz': expected one of wgs84, gcj02, bd09"


@pytest.mark.parametrize(("tol_deg", "max_iter"), [(0.0, 30), (-1e-9, 30), (1e-10, 0)])
def test_inverse_rejects_bad_iteration_settings(tol_deg: float, max_iter: int) -> None:
    with pytest.raises(ValidationError):
        gcj02_to_wgs84(114.0, 22.5, tol_deg=tol_deg, max_iter=max_iter)


def test_single_iteration_is_coarser_than_converged() -> None:
    gcj = wgs84_to_gcj02(114.0596, 22.5431)
    one = haversine_m(*gcj02_to_wgs84(*gcj, max_iter=1), 114.0596, 22.5431)
    full = haversine_m(*gcj02_to_wgs84(*gcj), 114.0596, 22.5431)
    assert full < 0.001
    assert one >= full
