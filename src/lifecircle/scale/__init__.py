"""Beyond one machine: batch runs of many cities on Dask, over the same services.

``manifest`` reads the cities of a batch, ``cluster`` picks where the tasks run
(in-process, a local Dask cluster, an existing one) and ``batch`` runs each city's
import, assessment (or plan) and store as one task; ``tiles`` searches one network too
large for a worker in tiles with a halo, as Dask tasks. Dask (the ``scale`` extra) is
imported only when a cluster is asked for.
"""
