"""Routers, one per audience or resource; each is mounted under ``/api/v1``."""
