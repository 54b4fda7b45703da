"""Writers: assessment exports (XLSX, GeoJSON, GeoPackage, CSV), atomic output."""
