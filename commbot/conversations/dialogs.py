"""Multi-step staff dialogs (setting up a check-in, and the meeting and photo dialogs to
come): registered by kind, their state kept in the database so any web process can take
the next step."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from ..access import ACCESS, Surface
from ..callback_data import ButtonData
from ..db import find_or_create
from ..models import Staff, StaffDialog
from .context import Context

DialogStep = Callable[[Context, Staff, StaffDialog], None]


@dataclass(frozen=True)
class Dialog:
    kind: str
    step: DialogStep  # takes the next typed answer or button press
    buttons: ButtonData  # the presses that belong to this dialog
    cancelled: str  # a catalog message for /cancel
    # Whether the dialog, where it is now, takes a photo or file as its answer (a
    # broadcast's message may be one); otherwise a photo starts a photo post as usual.
    takes_media: Callable[[StaffDialog], bool] | None = None


class Dialogs:
    """Staff dialogs by kind; at most one open per staff member, its state in the database."""

    def __init__(self) -> None:
        self._dialogs: dict[str, Dialog] = {}

    def add(self, dialog: Dialog) -> None:
        if dialog.kind in self._dialogs:
            raise ValueError(f"dialog {dialog.kind!r} is registered twice")
        ACCESS.rule(Surface.DIALOG, dialog.kind)  # who may use it is said there
        self._dialogs[dialog.kind] = dialog

    def begin(self, context: Context, staff: Staff, kind: str, state: dict[str, Any]) -> None:
        """Start (or restart) `kind` for this staff member; one dialog at a time."""
        if kind not in self._dialogs:
            raise KeyError(kind)
        # Two presses at once both start it: one row, and the later one's state stands.
        dialog, _ = find_or_create(
            context.session,
            StaffDialog,
            {"staff_id": staff.id},
            {"kind": kind, "state": state, "updated_at": context.now},
        )
        dialog.kind, dialog.state, dialog.updated_at = kind, state, context.now

    def active(self, session: Session, staff: Staff) -> tuple[Dialog, StaffDialog] | None:
        row = session.get(StaffDialog, staff.id)
        if row is None or row.kind not in self._dialogs:
            return None
        return self._dialogs[row.kind], row

    def kinds(self) -> list[str]:
        return list(self._dialogs)

    def end(self, session: Session, staff: Staff) -> bool:
        row = session.get(StaffDialog, staff.id)
        if row is None:
            return False
        session.delete(row)
        return True

    def take_media(self, context: Context, staff: Staff) -> bool:
        """Hand an attachment to the open dialog, if it takes one where it is now."""
        found = self.active(context.session, staff)
        if found is None or not context.inbound.media:
            return False
        dialog, row = found
        if dialog.takes_media is None or not dialog.takes_media(row):
            return False
        dialog.step(context, staff, row)
        return True

    def take(self, context: Context, staff: Staff) -> bool:
        """Hand this message to the staff member's open dialog, if it is meant for it:
        typed text that is not a command, or a press of one of the dialog's buttons."""
        found = self.active(context.session, staff)
        if found is None:
            return False
        dialog, row = found
        data = context.inbound.callback_data
        text = context.inbound.text.strip()
        if data is not None and not dialog.buttons.matches(data):
            return False
        if data is None and (not text or text.startswith("/")):
            return False
        dialog.step(context, staff, row)
        return True


DIALOGS = Dialogs()
