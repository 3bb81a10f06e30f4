"""Provider edges: the only modules that import telegram or twilio."""
