"""Use cases on one stored city: create, import, load its data, record runs."""
