"""Read-only reports over the messages and the delivery history: one broadcast family by
family, deliveries by channel and language, the partnership with each family (reached,
silent, unreachable; the same rolled up per class and language) and the families to call.

Each report is a query module returning typed rows (`broadcast`, `deliveries`,
`partnership`, `unreachable`), rendered by `render` as a rich table, CSV or JSON; the
command line (`commbot report ...`) and Telegram (`/report`) show the same rows, bounded by
who may see which families (`commbot.policy`).
"""
