"""IRTD Annotator: review and refine the annotations of IR-TD."""

__version__ = "0.1.0"
