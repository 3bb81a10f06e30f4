"""The photo guard: a photo delivery about to go is checked against the consent rule as it
is now. It closes every way a photo could slip past a consent change: a copy on the
family's next channel made after the withdrawal, an attachment split off to be retried
on its own, a post fanned out while the change was being saved. Each post in the delivery
(a digest holds several) is judged for this guardian; one the rule now forbids stops the
whole delivery, and the family's row says withdrawn.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...dispatch.guards import guard
from ...models import Delivery, Message, MessageKind, RecipientKind
from .consent import effective_consent, may_see, own_children
from .models import PhotoPost, PhotoRecipient, PhotoTag, RecipientOutcome

WITHDRAWN = "photo permission changed"


@guard
def photo_consent(session: Session, delivery: Delivery) -> str | None:
    if delivery.recipient_kind is not RecipientKind.GUARDIAN or not delivery.media:
        return None  # the words alone (a split's first part) may go
    if delivery.guardian_id is None or delivery.message_id is None:
        return None
    message = session.get(Message, delivery.message_id)
    if message is None or message.kind is not MessageKind.PHOTO:
        return None
    # The posts whose photos this delivery carries (a digest holds several; a copy or a
    # split-off part, some): judged by what it carries, whatever the rows say.
    carried = [
        post
        for post in session.scalars(select(PhotoPost).where(PhotoPost.message_id == message.id))
        if any(reference in delivery.media for reference in post.media)
    ]
    if not carried:
        return None
    tags: dict[int, set[int]] = {post.id: set() for post in carried}
    for post_id, student_id in session.execute(
        select(PhotoTag.post_id, PhotoTag.student_id).where(PhotoTag.post_id.in_(tags))
    ):
        tags[post_id].add(student_id)
    consent = effective_consent(session, {s for ids in tags.values() for s in ids})
    own = own_children(session, [delivery.guardian_id]).get(delivery.guardian_id, set())
    forbidden = [post.id for post in carried if not may_see(own, tags[post.id], consent)]
    if not forbidden:
        return None
    for recipient in session.scalars(
        select(PhotoRecipient).where(
            PhotoRecipient.post_id.in_(forbidden),
            PhotoRecipient.guardian_id == delivery.guardian_id,
        )
    ):
        recipient.outcome = RecipientOutcome.WITHDRAWN
    return WITHDRAWN
