"""Plain dataclasses and rules of IR-TD. Imports nothing of the project."""
