"""imaging layer of IRTD Annotator."""
