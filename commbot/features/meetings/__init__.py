"""Meetings with families: plain-language previews, time-slot polls by number or button,
support requests, confirmations with calendar invites, and reminders outside quiet hours.

`models` (tables), `actions` (create, confirm, reschedule, cancel: every entry point calls
these), `answers` (what families reply), `preview` and `notify` (what is sent), `calendar`
(.ics), `reminders` and `jobs` (the clock), `view` (the organizer's view), `handlers`,
`dialog` and `view_handlers` (Telegram), `messages` (catalog texts).
"""
