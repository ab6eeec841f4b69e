"""The Audits panel: each audit's strata with their numbers and verdicts, and its dialogs."""
