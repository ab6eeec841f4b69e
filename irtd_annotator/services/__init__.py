"""The one API the UI and the CLI call. No Qt here."""
