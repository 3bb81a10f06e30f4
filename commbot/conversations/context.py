"""What every conversation handler gets: the open transaction, settings, the time, the
message, and who wrote it, so that `reply` answers them on the channel they used."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from ..channels.base import Inbound
from ..config import Settings
from ..models import Delivery, RecipientKind
from ..outbox import Keyboard, notice


@dataclass
class Context:
    session: Session
    settings: Settings
    inbound: Inbound
    now: dt.datetime
    # Who wrote, once known: replies are addressed and worded for them.
    recipient: RecipientKind = RecipientKind.UNKNOWN
    language: str = "en"
    staff_id: int | None = None
    guardian_id: int | None = None
    contact_point_id: int | None = None
    # What happened, for logs and tests (never phone numbers or message text).
    events: list[str] = field(default_factory=list)

    @property
    def default_timezone(self) -> str:
        return self.settings.default_timezone

    def reply(self, text: str, buttons: Keyboard | None = None) -> Delivery:
        """Answer whoever wrote, now, on the channel they wrote from."""
        return notice(
            self.session,
            channel=self.inbound.channel,
            address=self.inbound.address,
            text=text,
            language=self.language,
            now=self.now,
            recipient_kind=self.recipient,
            guardian_id=self.guardian_id,
            staff_id=self.staff_id,
            contact_point_id=self.contact_point_id,
            buttons=buttons,
        )
