"""The pair view: infrared and visible images in sync, and geometry editing on them."""
