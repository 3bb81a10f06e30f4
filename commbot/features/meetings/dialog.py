"""`/meeting` on Telegram: setting up a meeting step by step with buttons."""
