"""Files we serve at `PUBLIC_BASE_URL/media/<token>` so Twilio can fetch them for MMS."""

from __future__ import annotations

import datetime as dt
import mimetypes
import secrets
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import MediaFile

LIFETIME = dt.timedelta(days=7)


class MediaStore:
    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    def save(self, session: Session, data: bytes, content_type: str, now: dt.datetime) -> str:
        """Store `data` under a fresh unguessable token and return the token."""
        self.directory.mkdir(parents=True, exist_ok=True)
        token = secrets.token_urlsafe(24)
        extension = mimetypes.guess_extension(content_type) or ".bin"
        path = self.directory / f"{token}{extension}"
        path.write_bytes(data)
        session.add(
            MediaFile(
                token=token,
                path=str(path.resolve()),
                content_type=content_type,
                created_at=now,
                expires_at=now + LIFETIME,
            )
        )
        return token

    @staticmethod
    def find(session: Session, token: str, now: dt.datetime) -> MediaFile | None:
        """The live file for `token`, or None when unknown or expired."""
        media = session.scalar(select(MediaFile).where(MediaFile.token == token))
        if media is None or media.expires_at <= now or not Path(media.path).is_file():
            return None
        return media


def media_url(base_url: str, token: str) -> str:
    return f"{base_url}/media/{token}"


def remove_expired(session: Session, now: dt.datetime) -> int:
    """Delete expired media files and their rows; returns how many were removed."""
    expired = session.scalars(select(MediaFile).where(MediaFile.expires_at <= now)).all()
    for media in expired:
        Path(media.path).unlink(missing_ok=True)
        session.delete(media)
    return len(expired)
