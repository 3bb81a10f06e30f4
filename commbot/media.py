"""Files we serve at `PUBLIC_BASE_URL/media/<token>` so Twilio can fetch them for MMS.

A link is the only key to its file, so it must not be guessable and must not last:
- the token is `secrets.token_urlsafe(TOKEN_BYTES)`: 24 bytes from the operating system's
  CSPRNG, 192 bits (32 URL-safe characters). Guessing one live token out of a million at
  a billion tries a second would take about 10^35 years;
- a file is served for `LIFETIME` after it is stored (Twilio fetches it when the message is
  sent; retries happen within hours); after that `find` answers None and the route 404,
  exactly as for a token that never existed, so an answer tells nothing about which tokens
  once were; the `remove_expired_media` job deletes the file and its row.

Each file records a hash of what it was made from (`source_key`), so erasing a family's
messages (`commbot family forget`) finds and deletes the files made from their photos.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import mimetypes
import secrets
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import MediaFile

LIFETIME = dt.timedelta(days=7)
TOKEN_BYTES = 24  # 192 bits of randomness; a token is 32 characters long
TOKEN_BITS = TOKEN_BYTES * 8


class MediaStore:
    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    def save(
        self,
        session: Session,
        data: bytes,
        content_type: str,
        now: dt.datetime,
        source: str | None = None,
    ) -> str:
        """Store `data` under a fresh unguessable token and return the token. `source` is
        what the file was made from (see `source_key`)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        token = secrets.token_urlsafe(TOKEN_BYTES)
        extension = mimetypes.guess_extension(content_type) or ".bin"
        path = self.directory / f"{token}{extension}"
        path.write_bytes(data)
        session.add(
            MediaFile(
                token=token,
                path=str(path.resolve()),
                content_type=content_type,
                source_hash=_hash(source) if source else None,
                created_at=now,
                expires_at=now + LIFETIME,
            )
        )
        return token

    @staticmethod
    def find(session: Session, token: str, now: dt.datetime) -> MediaFile | None:
        """The live file for `token`, or None when unknown or expired."""
        if not token or len(token) > 64:  # longer than any token: not worth a query
            return None
        media = session.scalar(select(MediaFile).where(MediaFile.token == token))
        if media is None or media.expires_at <= now or not Path(media.path).is_file():
            return None
        return media


def media_url(base_url: str, token: str) -> str:
    return f"{base_url}/media/{token}"


def source_key(reference: Mapping[str, Any]) -> str | None:
    """What a stored media reference (a message's or delivery's `media` item) is fetched
    from, the key a stored copy is filed under: its Telegram file id or provider URL."""
    source = reference.get("telegram_file_id") or reference.get("url")
    return str(source) if source else None


def remove_expired(session: Session, now: dt.datetime) -> int:
    """Delete expired media files and their rows; returns how many were removed."""
    expired = session.scalars(select(MediaFile).where(MediaFile.expires_at <= now)).all()
    return _remove(session, expired)


def remove_made_from(session: Session, references: Iterable[Mapping[str, Any]]) -> int:
    """Delete the stored files made from these media references (or holding them, for a
    reference to a local token), rows and files on disk; returns how many were removed."""
    sources, tokens = set(), set()
    for reference in references:
        if reference.get("local_token"):
            tokens.add(str(reference["local_token"]))
        source = source_key(reference)
        if source:
            sources.add(_hash(source))
    found: list[MediaFile] = []
    for column, values in ((MediaFile.source_hash, sources), (MediaFile.token, tokens)):
        if values:
            found.extend(session.scalars(select(MediaFile).where(column.in_(values))))
    return _remove(session, list({m.id: m for m in found}.values()))


def _remove(session: Session, files: Iterable[MediaFile]) -> int:
    count = 0
    for media in files:
        Path(media.path).unlink(missing_ok=True)
        session.delete(media)
        count += 1
    return count


def _hash(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()
