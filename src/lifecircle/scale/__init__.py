"""Work beyond one process: batches of cities and tiled networks on Dask (the ``scale`` extra)."""
