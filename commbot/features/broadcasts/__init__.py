"""A coordinator's (or teacher's) message to many families at once, with a preview of its
reach and cost before anything is sent.

`models` (broadcasts, and what became of each family), `audiences` (who a broadcast is
for, bounded by who the sender serves), `preview` (the numbers shown before sending, the
same on Telegram and the command line), `actions` (create, send, schedule, cancel: every
entry point calls these), `fanout` (the deliveries, one per family, on the broadcast
lane), `progress` (how far it has got), `replies` (a family's answer reaches the sender),
`handlers` (the Telegram dialog), `jobs` (scheduled broadcasts, progress), `messages`.
"""
