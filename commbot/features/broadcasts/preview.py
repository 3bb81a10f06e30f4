"""The numbers a sender sees before a broadcast goes, the same on Telegram and the command
line: families and guardians; by language and by channel; opted out, unreachable, outside
WhatsApp's window with no template (and the channel they get instead); held by quiet hours
and until when; SMS segments in total and per language (GSM-7 or UCS-2, counted exactly by
`commbot.sms`); and how long sending takes at the configured rates.

The families and their channels come from `fanout.plan`, the very choices the fan-out
makes. Segments are counted on the text each family will read (`cost`); the rest is
arithmetic on those numbers.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from babel.dates import format_datetime
from sqlalchemy.orm import Session

from ...channels.telegram.provider import LIMITS as TELEGRAM
from ...config import Settings
from ...i18n import gettext
from ...languages import catalog_language, name_in
from ...models import Channel, Staff
from ...sms import Encoding
from . import messages as m
from .audiences import Audience, families
from .cost import SmsCost
from .fanout import Planned, plan
from .models import RecipientOutcome


@dataclass(frozen=True)
class LanguageCost:
    language: str
    families: int
    sms_families: int  # of them, reached by SMS
    encoding: Encoding  # of this language's text as sent
    segments_each: int  # per SMS: the most any family's costs (names differ in length)
    segments: int  # the exact sum over this language's SMS families
    estimated: bool = False  # no translation yet: the source's length, scaled ("about")


@dataclass
class Preview:
    families: int = 0  # distinct guardians it will be queued for
    students: int = 0
    by_language: dict[str, int] = field(default_factory=dict)
    by_channel: dict[str, int] = field(default_factory=dict)  # the channel each will get
    opted_out: int = 0  # every channel opted out: nothing is sent to them
    unreachable: int = 0  # no usable channel at all
    # WhatsApp families outside the 24-hour window when no template is configured: they
    # get their next channel instead (by that channel), or nothing if they have none.
    whatsapp_window: int = 0
    whatsapp_fallback: dict[str, int] = field(default_factory=dict)
    quiet_held: int = 0  # will wait for quiet hours (0 when urgent)
    quiet_until: dt.datetime | None = None  # the latest of those waits
    costs: list[LanguageCost] = field(default_factory=list)
    sms_segments: int = 0
    send_seconds: float = 0.0  # estimate at the configured rates, the slowest channel
    unknown: list[str] = field(default_factory=list)  # audience names that matched nothing
    # With a WhatsApp template configured: families outside the window who get the
    # template now and the broadcast once they reply.
    whatsapp_held: int = 0
    urgent: bool = False
    audience: str = ""  # the audience in the sender's words, for the title

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["quiet_until"] = self.quiet_until.isoformat() if self.quiet_until else None
        data["costs"] = [{**asdict(c), "encoding": c.encoding.value} for c in self.costs]
        data["send_seconds"] = round(self.send_seconds, 1)
        return data


def build(
    session: Session,
    sender: Staff,
    audience: Audience,
    *,
    text: str,
    language: str,
    urgent: bool,
    settings: Settings,
    now: dt.datetime,
    send_at: dt.datetime | None = None,
) -> Preview:
    """What sending now (or at `send_at`) would do; nothing is written."""
    at = send_at or now
    members, unknown = families(session, sender, audience, at)
    planned = plan(session, members, urgent=urgent, settings=settings, at=at)
    preview = Preview(unknown=unknown, urgent=urgent, audience=audience.describe(sender.language))
    queued = [p for p in planned if p.choice.outcome is RecipientOutcome.QUEUED]
    outcomes = Counter(p.choice.outcome for p in planned)
    preview.opted_out = outcomes[RecipientOutcome.OPTED_OUT]
    preview.unreachable = outcomes[RecipientOutcome.UNREACHABLE]
    preview.families = len(queued)
    preview.students = len({p.family.student_id for p in queued})
    preview.by_language = dict(Counter(p.family.language for p in queued))
    preview.by_channel = dict(Counter(_channel(p).value for p in queued))
    window = [p for p in queued if p.choice.window and not p.choice.held]
    preview.whatsapp_window = len(window)
    preview.whatsapp_fallback = dict(
        Counter("none" if p.choice.fallback_none else _channel(p).value for p in window)
    )
    preview.whatsapp_held = sum(1 for p in queued if p.choice.held)
    held = [p for p in queued if p.not_before > at]
    preview.quiet_held = len(held)
    preview.quiet_until = max((p.not_before for p in held), default=None)
    costs = SmsCost(session, sender, text, language, urgent, settings)
    sms = [p for p in queued if _channel(p) is Channel.SMS]
    segments = {id(p): costs.segments(p.family.language, p.family.student_name) for p in sms}
    preview.costs = _costs(queued, sms, segments, costs)
    preview.sms_segments = sum(c.segments for c in preview.costs)
    preview.send_seconds = _seconds(queued, segments, settings)
    return preview


def _channel(planned: Planned) -> Channel:
    assert planned.choice.point is not None
    return planned.choice.point.channel


def _costs(
    queued: list[Planned], sms: list[Planned], segments: dict[int, int], costs: SmsCost
) -> list[LanguageCost]:
    families = Counter(p.family.language for p in queued)
    by_language: dict[str, list[int]] = {}
    for p in sms:
        by_language.setdefault(p.family.language, []).append(segments[id(p)])
    return [
        LanguageCost(
            language=language,
            families=families[language],
            sms_families=len(counts),
            encoding=costs.encoding(language),
            segments_each=max(counts),
            segments=sum(counts),
            estimated=costs.estimated(language),
        )
        for language, counts in sorted(by_language.items())
    ]


def _seconds(queued: list[Planned], segments: dict[int, int], settings: Settings) -> float:
    """How long the sending itself takes: per channel, what it carries at its rate (Twilio's
    rate counts SMS segments); the slowest channel. Families held for quiet hours are
    sent when their hours end: the preview says until when on a line of its own, so a
    wait of hours does not pass for a slow send."""
    rates = {
        Channel.TELEGRAM: TELEGRAM.rate.per_second,
        Channel.SMS: settings.twilio_mps,
        Channel.WHATSAPP: settings.twilio_mps,
    }
    units: Counter[Channel] = Counter()
    for p in queued:
        units[_channel(p)] += segments.get(id(p), 1)
    return max((units[c] / rate for c, rate in rates.items() if units[c]), default=0.0)


# -- the preview in words -------------------------------------------------------------------


def render(preview: Preview, reader_language: str, timezone: str) -> str:
    """The preview as plain lines in the sender's language (catalog texts)."""
    r = reader_language

    def t(message: str, **values: object) -> str:
        return gettext(r, message, **values)

    lines = [t(m.PREVIEW_TITLE, audience=preview.audience)] if preview.audience else []
    if preview.unknown:
        lines.append(t(m.PREVIEW_UNKNOWN, names=", ".join(preview.unknown)))
    if preview.families:
        lines.append(t(m.PREVIEW_FAMILIES, guardians=preview.families, students=preview.students))
        languages = _listed({name_in(k, r): v for k, v in preview.by_language.items()})
        lines.append(t(m.PREVIEW_LANGUAGES, list=languages))
        lines.append(t(m.PREVIEW_CHANNELS, list=_listed(_labels(preview.by_channel, r))))
    else:
        lines.append(t(m.PREVIEW_NOBODY))
    if preview.opted_out:
        lines.append(t(m.PREVIEW_OPTED_OUT, count=preview.opted_out))
    if preview.unreachable:
        lines.append(t(m.PREVIEW_UNREACHABLE, count=preview.unreachable))
    if preview.whatsapp_window:
        instead = _listed(_labels(preview.whatsapp_fallback, r))
        lines.append(t(m.PREVIEW_WINDOW, count=preview.whatsapp_window, list=instead))
    if preview.whatsapp_held:
        lines.append(t(m.PREVIEW_WINDOW_HELD, count=preview.whatsapp_held))
    if preview.urgent:
        lines.append(t(m.PREVIEW_URGENT))
    elif preview.quiet_held and preview.quiet_until is not None:
        when = when_words(preview.quiet_until, r, timezone)
        lines.append(t(m.PREVIEW_QUIET, count=preview.quiet_held, when=when))
    if preview.costs:
        lines.append(t(m.PREVIEW_SMS, segments=preview.sms_segments))
        for cost in sorted(preview.costs, key=lambda c: name_in(c.language, r)):
            template = m.PREVIEW_SMS_ABOUT if cost.estimated else m.PREVIEW_SMS_LANGUAGE
            encoding = "GSM-7" if cost.encoding is Encoding.GSM7 else "UCS-2"
            lines.append(
                "  "
                + t(
                    template,
                    language=name_in(cost.language, r),
                    families=cost.sms_families,
                    each=cost.segments_each,
                    encoding=encoding,
                )
            )
    if preview.families:
        lines.append(t(m.PREVIEW_TIME, duration=duration_words(preview.send_seconds, r)))
    return "\n".join(lines)


def _listed(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {count}" for name, count in sorted(counts.items()))


def _labels(counts: dict[str, int], reader: str) -> dict[str, int]:
    return {
        (Channel(k).label if k != "none" else gettext(reader, m.PREVIEW_NO_OTHER)): v
        for k, v in counts.items()
    }


def duration_words(seconds: float, language: str) -> str:
    if seconds < 120:
        return gettext(language, m.SECONDS, n=max(1, round(seconds)))
    if seconds < 120 * 60:
        return gettext(language, m.MINUTES, n=round(seconds / 60))
    return gettext(language, m.HOURS, n=round(seconds / 3600))


def when_words(when: dt.datetime, language: str, timezone: str) -> str:
    """A moment on the school's clock, as the reader writes dates and times."""
    local = when.astimezone(zoneinfo.ZoneInfo(timezone))
    locale = catalog_language(language).replace("-", "_")
    text = format_datetime(local, format="short", locale=locale)
    return text.replace("\u202f", " ").replace("\u00a0", " ")
