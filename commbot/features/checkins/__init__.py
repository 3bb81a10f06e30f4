"""Recurring check-ins: a warm question to families on set days, and who answered.

The template for every feature: `models` (its tables), `actions` (its operations),
`handlers` (its commands, buttons and dialog), `jobs` (its clock jobs) and `messages`
(its catalog texts), with `timing`, `plans`, `firing` and `digest` doing the work.
"""
