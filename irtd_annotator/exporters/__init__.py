"""exporters layer of IRTD Annotator."""
