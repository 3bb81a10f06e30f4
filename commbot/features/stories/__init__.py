"""Stories from home: a family's photo or words about their child, kept on the child's
timeline, relayed to the teacher with a Thank you button, and `/timeline` for staff.

`models` (which family messages are stories, and who thanked them), `actions` (record,
thank, timeline), `handlers` (Telegram), `messages` (catalog texts), `buttons` (codecs).
"""
