"""Long work off the GUI thread (import, export) with its dialogs."""
