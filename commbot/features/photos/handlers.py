"""Photos on Telegram and by text. OWNER: builder C (staff) and B2 (families,
`family_handlers`, imported from here)."""

from . import family_handlers  # noqa: F401  (families' PHOTOS)
