"""Stories on Telegram: the Thank you press and /timeline. OWNER: builder D."""
