"""The HTTP API (FastAPI): thin routes over the services, mounted under ``/api/v1``."""
