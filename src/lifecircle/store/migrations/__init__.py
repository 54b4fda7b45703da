"""Alembic migration environment of the lifecircle database (run by ``store.migrate``)."""
