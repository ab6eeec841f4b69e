"""The queue: the filter widgets and the lazy table of Samples to review."""
