"""Importing IR-TD files and source datasets into a project."""
