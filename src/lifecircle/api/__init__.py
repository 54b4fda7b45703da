"""The HTTP API of the service platform: ``create_app(settings)`` builds it (FastAPI)."""
