"""importers layer of IRTD Annotator."""
