"""SQLAlchemy tables, the engine and queries. No Qt here."""
