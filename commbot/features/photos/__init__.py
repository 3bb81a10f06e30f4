"""Class photos that respect every child's consent, scheduled sharing, and the day's digest.

`models` (posts, tags, who got what, digests, consent changes), `consent` (the rule: who may
see a photo of whom), `posts` (start, tag, schedule, cancel: every entry point calls these),
`fanout` (one post to each family it may reach, on their channel), `digest` (the day's
photos in one message per family), `consent_actions` (a family changes its choice; what is
queued follows), `handlers` and `family_handlers` (Telegram and text), `jobs` (the clock),
`messages` (catalog texts), `buttons` (callback codecs).
"""
