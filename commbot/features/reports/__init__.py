"""Read-only reports over the messages and the delivery history: one broadcast family by
family, deliveries by channel and language, the partnership with each family (reached,
silent, unreachable; the same rolled up per class and language) and the families to call.

Each report is a query module returning typed rows (`broadcast`, `deliveries`,
`partnership`, `unreachable`), over the families of a `scope` (who the viewer serves,
`commbot.policy`; a class) and the shared per-family queries of `history`; `render` shows
the rows as rich tables, CSV or JSON. The command line (`commbot report ...`) and Telegram
(`/report`: `handlers`, a `summary` in the reader's language and the CSV as a document,
`files`, whose copy the `jobs` forget once sent) show the same rows.
"""
