"""Place readers: Amap, OSM places, CSV tables, points, candidates, taxonomies."""
