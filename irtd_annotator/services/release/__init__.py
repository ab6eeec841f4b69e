"""Exporting releases in IR-TD's format, with manifest and review report."""
