"""Reading and changing Samples while reviewing: the session, its queue, editing."""
