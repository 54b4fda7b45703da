"""Walking-network readers (OSM, Overpass, GraphML), the pedestrian rule, .lcnet."""
