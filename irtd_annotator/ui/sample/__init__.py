"""The sample panel: the turns, their differences from the LLM's text, answer editors, history."""
