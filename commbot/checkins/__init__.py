"""Recurring check-ins: plans, their schedules per time zone, firing, and digests."""
