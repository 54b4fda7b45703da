"""One router per resource; ``app.py`` includes each module's ``router`` under ``/api/v1``."""
