"""Storage: SQLAlchemy models, repositories (keyword-only functions on a session) and migrations."""
