"""Registries: staff commands, button presses, and the words families type, with a number
("DONE 2") or alone ("PHOTOS"), each registered once with what it needs.

Like python-telegram-bot's handler groups or Zulip's event maps: a handler is looked up,
never found by walking an if/elif chain. `/help` is generated from the commands a person's
role may use, and an unknown command lists them.

Who may use a command or a button is not said here but in `commbot.access`, the one table
of who may do what: registering a name that has no row there fails at import.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from ..access import ACCESS, GUARDIAN, STAFF, Access, Role, Surface
from ..callback_data import ButtonData, Value
from ..i18n import N_, gettext
from ..models import ContactPoint, Staff, StaffRole
from .context import Context

CommandHandler = Callable[[Context, Staff, str], None]
# Who pressed: a staff member, or a family's contact point.
Presser = TypeVar("Presser", Staff, ContactPoint)
ButtonHandler = Callable[[Context, Presser, dict[str, Value]], None]

HELP_INTRO = N_("Reply to a family's message to answer it.")
UNKNOWN_COMMAND = N_("I do not know the command {command}. You can use:")
NOT_FOR_YOUR_ROLE = N_("{command} is not available to you. You can use:")


@dataclass(frozen=True)
class Command:
    name: str  # with its slash: "/msg"
    handler: CommandHandler
    help: str | None  # a catalog message; None keeps it out of /help (covered by another)
    roles: frozenset[StaffRole]  # from its row in commbot.access
    refusal: str | None = None  # a catalog message for those whose role may not use it
    order: int = 50  # place in /help: features' commands sit between the first and the last


class Commands:
    """Staff commands by name, each with who may use it (from `access`) and its line in
    /help."""

    def __init__(self, access: Access = ACCESS) -> None:
        self._commands: dict[str, Command] = {}
        self._access = access

    def add(
        self,
        name: str,
        handler: CommandHandler,
        help: str | None,
        refusal: str | None = None,
        order: int = 50,
    ) -> None:
        if name in self._commands:
            raise ValueError(f"{name} is registered twice")
        roles = self._access.rule(Surface.COMMAND, name).staff_roles
        if not roles:
            raise ValueError(f"{name}: its row in commbot.access gives it to no staff role")
        self._commands[name] = Command(name, handler, help, roles, refusal, order)

    def command(
        self,
        name: str,
        help: str | None,
        refusal: str | None = None,
        order: int = 50,
    ) -> Callable[[CommandHandler], CommandHandler]:
        def register(handler: CommandHandler) -> CommandHandler:
            self.add(name, handler, help, refusal, order)
            return handler

        return register

    def names(self) -> list[str]:
        return list(self._commands)

    def available_to(self, role: StaffRole) -> list[Command]:
        """The role's commands in /help order (registration order within the same place)."""
        mine = [c for c in self._commands.values() if role in c.roles]
        return sorted(mine, key=lambda c: c.order)

    def help_text(self, role: StaffRole, language: str) -> str:
        lines = [gettext(language, HELP_INTRO)]
        lines += [gettext(language, c.help) for c in self.available_to(role) if c.help]
        return "\n".join(lines)

    def run(self, context: Context, staff: Staff, name: str, argument: str) -> None:
        """Run `name` for `staff`, or say it is unknown or not theirs, with what they can use."""
        command = self._commands.get(name)
        if command is not None and staff.role in command.roles:
            command.handler(context, staff, argument)
            return
        if command is not None and command.refusal is not None:
            context.reply(gettext(staff.language, command.refusal))
            context.events.append("command not allowed")
            return
        template = UNKNOWN_COMMAND if command is None else NOT_FOR_YOUR_ROLE
        first = gettext(staff.language, template, command=name[:40])
        listing = self.help_text(staff.role, staff.language).split("\n", 1)[-1]
        context.reply(f"{first}\n{listing}")
        context.events.append("unknown command" if command is None else "command not allowed")


@dataclass(frozen=True)
class Button(Generic[Presser]):
    data: ButtonData
    handler: ButtonHandler[Presser]
    roles: frozenset[Role]  # from its row in commbot.access


class Buttons(Generic[Presser]):
    """Button presses by prefix, for one audience (staff, or families). A press that decodes
    to nothing registered, or that the presser's role may not use, is `None`."""

    def __init__(self, audience: frozenset[Role], access: Access = ACCESS) -> None:
        self._buttons: dict[str, Button[Presser]] = {}
        self._audience = audience
        self._access = access

    def add(self, data: ButtonData, handler: ButtonHandler[Presser]) -> None:
        if data.prefix in self._buttons:
            raise ValueError(f"button prefix {data.prefix!r} is registered twice")
        roles = self._access.rule(Surface.BUTTON, data.prefix).roles & self._audience
        if not roles:
            raise ValueError(f"button {data.prefix!r}: commbot.access gives it to none of them")
        self._buttons[data.prefix] = Button(data, handler, roles)

    def on(self, data: ButtonData) -> Callable[[ButtonHandler[Presser]], ButtonHandler[Presser]]:
        def register(handler: ButtonHandler[Presser]) -> ButtonHandler[Presser]:
            self.add(data, handler)
            return handler

        return register

    def prefixes(self) -> list[str]:
        return list(self._buttons)

    def resolve(self, raw: str, role: Role) -> tuple[Button[Presser], dict[str, Value]] | None:
        prefix = raw.split(":", 1)[0]
        button = self._buttons.get(prefix)
        if button is None or role not in button.roles:
            return None
        values = button.data.decode(raw)
        return None if values is None else (button, values)


# -- words with a number, typed by families ("DONE 2", "HECHO 1", "done #2", "DONE2") ---------

# A family's keyword with a number: True if it took the message, False when the words are
# to go the usual way after all (the family has nothing the keyword could be about).
NumberedHandler = Callable[[Context, ContactPoint, int], bool]
# Characters phones put in or around what was typed that no one means as part of a word.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff"))
MAX_DIGITS = 3  # as pending.number_in: a plan, like a menu, never has a thousand lines


def fold(text: str) -> str:
    """Text as it is compared with a keyword: without case or accents, full-width forms as
    plain ones ("Hécho" and "HECHO", "ＤＯＮＥ" and "done" are the same word)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_INVISIBLE))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare).casefold()


def word_and_number(text: str) -> tuple[str, int] | None:
    """The word and the number, when that is all someone wrote: "DONE 2", "done #2",
    "DONE2", "Hecho 1.", "تم ٢" (digits as numbered answers take them: Arabic-Indic and
    full-width count, "²" does not). The word comes back folded; "done 2 hours ago" is no
    keyword, only words."""
    typed = text.translate(_INVISIBLE).strip().rstrip(".)!").rstrip()
    start = len(typed)
    while start > 0 and typed[start - 1].isdecimal():
        start -= 1
    digits = typed[start:]
    if not digits or len(digits) > MAX_DIGITS:
        return None
    rest = fold(typed[:start]).rstrip().removesuffix("#").rstrip().removesuffix(":")
    word = " ".join(rest.split())
    return (word, int(digits)) if word else None


Handler = TypeVar("Handler")


@dataclass(frozen=True)
class FamilyKeyword(Generic[Handler]):
    name: str  # its row in commbot.access, and one of its words: "DONE", "PHOTOS"
    # Every word for it, asked for each time (catalog languages may add theirs).
    words: Callable[[], Iterable[str]]
    handler: Handler


def plain_word(text: str) -> str:
    """What someone wrote, folded as a keyword is compared: "Fotos!" and "FOTOS" match."""
    return " ".join(fold(text).strip().rstrip(".!?").split())


class FamilyKeywords(Generic[Handler]):
    """Words families type, by feature, on every channel (SMS and WhatsApp have no buttons;
    on Telegram people type them too), each checked against its row in `commbot.access`.
    The two kinds below say what a message must be to be one of them; anything else is a
    message for the school."""

    def __init__(self, access: Access = ACCESS) -> None:
        self._keywords: dict[str, FamilyKeyword[Handler]] = {}
        self._access = access

    def add(self, name: str, words: Callable[[], Iterable[str]], handler: Handler) -> None:
        if name in self._keywords:
            raise ValueError(f"keyword {name} is registered twice")
        if Role.GUARDIAN not in self._access.rule(Surface.KEYWORD, name).roles:
            raise ValueError(f"keyword {name}: commbot.access does not give it to families")
        self._keywords[name] = FamilyKeyword(name, words, handler)

    def keyword(
        self, name: str, words: Callable[[], Iterable[str]]
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.add(name, handler=handler, words=words)
            return handler

        return register

    def names(self) -> list[str]:
        return list(self._keywords)

    def words_of(self, name: str) -> frozenset[str]:
        """The keyword's words, folded as typed words are."""
        return frozenset(plain_word(w) for w in self._keywords[name].words())

    def _matching(self, word: str) -> FamilyKeyword[Handler] | None:
        return next((k for n, k in self._keywords.items() if word in self.words_of(n)), None)


class NumberedKeywords(FamilyKeywords[NumberedHandler]):
    """Words typed with a number ("DONE 2"): only a message that is exactly the word and a
    number is one."""

    def find(self, text: str) -> tuple[FamilyKeyword[NumberedHandler], int] | None:
        """The keyword and its number, if `text` is exactly one of its words and a number."""
        found = word_and_number(text)
        if found is None:
            return None
        keyword = self._matching(found[0])
        return (keyword, found[1]) if keyword is not None else None

    def take(self, context: Context, point: ContactPoint) -> bool:
        """Run the keyword the family typed, if any; True if it took the message."""
        found = self.find(context.inbound.text)
        if found is None:
            return False
        keyword, number = found
        return keyword.handler(context, point, number)


# A family's plain word: True if it took the message, False to let it go the usual way.
WordHandler = Callable[[Context, ContactPoint], bool]


class FamilyWords(FamilyKeywords[WordHandler]):
    """Words typed alone ("PHOTOS", "fotos!"): "photos of the trip?" goes to the school."""

    def find(self, text: str) -> FamilyKeyword[WordHandler] | None:
        typed = plain_word(text)
        return self._matching(typed) if typed else None

    def take(self, context: Context, point: ContactPoint) -> bool:
        """Run the word the family typed, if any; True if it took the message."""
        found = self.find(context.inbound.text)
        return found is not None and found.handler(context, point)


COMMANDS = Commands()
BUTTONS: Buttons[Staff] = Buttons(STAFF)  # staff presses
FAMILY_BUTTONS: Buttons[ContactPoint] = Buttons(GUARDIAN)  # family presses, on Telegram
FAMILY_KEYWORDS = NumberedKeywords()  # "DONE 2", typed by families on any channel
FAMILY_WORDS = FamilyWords()  # "PHOTOS", typed alone by families on any channel
