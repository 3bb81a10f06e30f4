"""Business operations, one typed function each, shared by every entry point.

A Telegram handler, a CLI command, a scheduled job and (later) a web form call the same
action: `do_something(session, actor, ..., now=...) -> Result`. Actions change state and
queue deliveries in the caller's transaction; they never reply to the person acting: the
caller builds that reply from the returned value. Access rules come from `commbot.policy`.
Features keep their own actions in `commbot/features/<name>/actions.py`.
"""
