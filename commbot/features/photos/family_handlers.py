"""Families' PHOTOS menu and buttons. OWNER: builder B2 (a placeholder until merged)."""
