"""ui layer of IRTD Annotator."""
