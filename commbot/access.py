"""Who may do what: every action a person can take in commbot, in one table.

Each row is one way in (a staff command, a button, a dialog, a word a family texts, a
numbered answer, a plain message, a `commbot` command), with the roles that may use it,
the relationship that bounds it, and one line saying what it does. The registries take
their role sets from here: `conversations.registry` will not register a command or a
button, nor `conversations.dialogs` a dialog, that has no row, so the table cannot fall
behind the code. `tests/test_access_matrix.py` drives every row for every role through the
real webhooks and checks it is allowed or refused exactly as written here.

The relationship ("reach") is decided by `commbot.policy`: a teacher or specialist serves
the students of their classes and those assigned to them, a coordinator or admin every
student of their school; a guardian reaches only their own children's staff.

What a refusal looks like depends on who is refused, and never reveals anything:
- staff get the command's refusal or "not available to you" with what they can use; a
  button that is not theirs is "expired"; a student they do not serve is "not found";
- a family's words that are not a family action are passed to their child's teacher as an
  ordinary message (a family has no commands);
- an unknown sender gets one polite "we do not have this number" a day, and nothing is
  passed on.

The `commbot` command line is not a chat role: it is run by an operator on the server,
holding the database's credentials, who can read and change every school's records. Its
rows say so (role "operator"); no chat role reaches them.

`python -m commbot.access` prints the table as Markdown (ACCESS.md is that output).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from .models import StaffRole
from .policy import SCHOOL_WIDE_ROLES


class Role(StrEnum):
    """Who is acting: the four staff roles, a guardian, someone not in the roster, or the
    operator who runs the command line on the server."""

    TEACHER = "teacher"
    SPECIALIST = "specialist"
    COORDINATOR = "coordinator"
    ADMIN = "admin"
    GUARDIAN = "guardian"
    UNKNOWN = "unknown"
    OPERATOR = "operator"


CHAT_ROLES = (
    Role.TEACHER,
    Role.SPECIALIST,
    Role.COORDINATOR,
    Role.ADMIN,
    Role.GUARDIAN,
    Role.UNKNOWN,
)
STAFF = frozenset(Role(r.value) for r in StaffRole)
GUARDIAN = frozenset({Role.GUARDIAN})
UNKNOWN = frozenset({Role.UNKNOWN})
OPERATOR = frozenset({Role.OPERATOR})
SCHOOL_WIDE = frozenset(Role(r.value) for r in SCHOOL_WIDE_ROLES)


def role_of(staff_role: StaffRole) -> Role:
    return Role(staff_role.value)


class Surface(StrEnum):
    """How an action is reached."""

    COMMAND = "command"  # a staff command on Telegram (conversations.registry.COMMANDS)
    BUTTON = "button"  # a button press, by prefix (BUTTONS for staff, FAMILY_BUTTONS)
    DIALOG = "dialog"  # the typed answers and buttons of a staff dialog, by kind
    KEYWORD = "keyword"  # a word a family texts by SMS or WhatsApp (with a number: any channel)
    ANSWER = "answer"  # a number answering a family's open question, by kind
    MESSAGE = "message"  # anything else written, by who writes and how
    CLI = "cli"  # a `commbot` command, run on the server


class Reach(StrEnum):
    """The relationship that bounds what an allowed action may touch."""

    OWN = "themselves"
    SERVED = "students they serve"
    OWN_PLANS = "their own check-ins"
    OWN_FAMILY = "their own children and contact point"
    INVITED = "the person the invite names"
    EVERYONE = "every school (server access)"


@dataclass(frozen=True)
class Rule:
    surface: Surface
    name: str  # "/msg", a button prefix, a dialog or question kind, a CLI command path
    roles: frozenset[Role]
    reach: Reach
    what: str

    def allows(self, role: Role) -> bool:
        return role in self.roles

    @property
    def staff_roles(self) -> frozenset[StaffRole]:
        return frozenset(StaffRole(r.value) for r in self.roles if r in STAFF)

    @property
    def key(self) -> tuple[Surface, str]:
        return (self.surface, self.name)


C, B, D, K, A, M, X = (
    Surface.COMMAND,
    Surface.BUTTON,
    Surface.DIALOG,
    Surface.KEYWORD,
    Surface.ANSWER,
    Surface.MESSAGE,
    Surface.CLI,
)

RULES: tuple[Rule, ...] = (
    # -- staff, on Telegram ----------------------------------------------------------------
    Rule(C, "/help", STAFF, Reach.OWN, "the commands their role may use"),
    Rule(C, "/cancel", STAFF, Reach.OWN, "stops the dialog they began"),
    Rule(C, "/msg", STAFF, Reach.SERVED, "writes (or starts a draft) to a student's family"),
    Rule(C, "/urgent", SCHOOL_WIDE, Reach.SERVED, "writes to a family through quiet hours"),
    Rule(C, "/families", STAFF, Reach.SERVED, "lists their students' families, no numbers"),
    Rule(C, "/language", STAFF, Reach.OWN, "sets the language they read"),
    Rule(C, "/setlanguage", STAFF, Reach.SERVED, "sets a family member's language"),
    Rule(C, "/backtranslation", STAFF, Reach.OWN, "shows or hides back-translations"),
    Rule(C, "/checkin", STAFF, Reach.SERVED, "begins setting up a check-in"),
    Rule(C, "/checkins", STAFF, Reach.OWN_PLANS, "lists their check-ins with buttons"),
    Rule(D, "checkin", STAFF, Reach.SERVED, "the check-in setup: class or student, days, time"),
    Rule(B, "ckp", STAFF, Reach.OWN_PLANS, "pauses, resumes or deletes one of their check-ins"),
    Rule(C, "/meeting", STAFF, Reach.SERVED, "begins setting up a meeting with a family"),
    Rule(C, "/meetings", STAFF, Reach.SERVED, "their students' open meetings and the answers"),
    Rule(D, "meeting", STAFF, Reach.SERVED, "the meeting setup: student, purpose, times, place"),
    Rule(B, "mtc", STAFF, Reach.SERVED, "settles a meeting on the time a family picked"),
    Rule(B, "mtx", STAFF, Reach.SERVED, "cancels a meeting, after a second press"),
    # -- after the meeting, staff side (H3: /notes, /actions, the item buttons) --------------
    Rule(C, "/notes", STAFF, Reach.SERVED, "records a held meeting's notes and action plan"),
    Rule(C, "/actions", STAFF, Reach.SERVED, "open items of their students' meeting plans"),
    Rule(D, "notes", STAFF, Reach.SERVED, "the notes: summary, concerns, plan; preview, Send"),
    Rule(D, "moretime", STAFF, Reach.SERVED, "a plan item's new due date and the reason"),
    Rule(B, "asd", STAFF, Reach.SERVED, "marks a plan item done; the family is told"),
    Rule(B, "asm", STAFF, Reach.SERVED, "asks for more time on a plan item (a date, a reason)"),
    # -- photos and stories, staff side --------------------------------------------------------
    Rule(M, "photo", STAFF, Reach.SERVED, "a photo sent without a command starts a class post"),
    Rule(C, "/photos", STAFF, Reach.OWN_PLANS, "their photos waiting to be sent; the digest"),
    Rule(B, "pht", STAFF, Reach.SERVED, "tags a child they serve in their photo post"),
    Rule(B, "phk", STAFF, Reach.SERVED, "picks which of their classes a photo post goes to"),
    Rule(B, "phs", STAFF, Reach.OWN_PLANS, "their post: Done, Send now, Send at, digest, Cancel"),
    Rule(B, "pha", STAFF, Reach.OWN_PLANS, "sends their post at a preset time"),
    Rule(B, "phx", STAFF, Reach.OWN_PLANS, "cancels one of their waiting photo posts"),
    Rule(D, "photo_time", STAFF, Reach.OWN_PLANS, "the typed time a photo post goes at"),
    Rule(C, "/timeline", STAFF, Reach.SERVED, "a student's recent stories and photos"),
    Rule(B, "sty", STAFF, Reach.SERVED, "thanks a family for their story, in their language"),
    Rule(M, "reply", STAFF, Reach.SERVED, "a Telegram reply to a relayed message answers it"),
    Rule(M, "draft", STAFF, Reach.SERVED, "the message after `/msg <student>` goes there"),
    # -- staff and families ------------------------------------------------------------------
    Rule(B, "lang", STAFF | GUARDIAN, Reach.OWN, "the language menu's buttons"),
    # -- families, by SMS, WhatsApp or Telegram --------------------------------------------------
    Rule(M, "family", GUARDIAN, Reach.OWN_FAMILY, "their message goes to their child's staff"),
    Rule(K, "STOP", GUARDIAN, Reach.OWN_FAMILY, "no more messages on this channel"),
    Rule(K, "START", GUARDIAN, Reach.OWN_FAMILY, "messages on this channel again"),
    Rule(K, "HELP", GUARDIAN, Reach.OWN_FAMILY, "what this number is and how to stop"),
    Rule(K, "LANGUAGE", GUARDIAN, Reach.OWN_FAMILY, "the numbered language menu"),
    Rule(A, "language", GUARDIAN, Reach.OWN_FAMILY, "a number picks their language"),
    Rule(A, "child", GUARDIAN, Reach.OWN_FAMILY, "a number says which child a message is about"),
    Rule(A, "meeting", GUARDIAN, Reach.OWN_FAMILY, "a number picks a meeting time or asks help"),
    Rule(B, "mtg", GUARDIAN, Reach.OWN_FAMILY, "a meeting menu's buttons, on Telegram"),
    Rule(M, "meeting words", GUARDIAN, Reach.OWN_FAMILY, "words while a meeting is open go to it"),
    # -- after the meeting: the family's side (issue 12, after-family) ----------------------
    Rule(K, "DONE", GUARDIAN, Reach.OWN_FAMILY, "`DONE 2` marks their item 2 of the plan done"),
    Rule(A, "action_item", GUARDIAN, Reach.OWN_FAMILY, "after a reminder: done, or help asked"),
    Rule(A, "feedback", GUARDIAN, Reach.OWN_FAMILY, "a number rates how the meeting worked"),
    Rule(B, "afd", GUARDIAN, Reach.OWN_FAMILY, "marks their item done, on Telegram"),
    Rule(B, "afh", GUARDIAN, Reach.OWN_FAMILY, "asks for help with their item, on Telegram"),
    Rule(B, "afb", GUARDIAN, Reach.OWN_FAMILY, "rates how the meeting worked, on Telegram"),
    Rule(M, "feedback words", GUARDIAN, Reach.OWN_FAMILY, "words after a rating go to feedback"),
    Rule(K, "PHOTOS", GUARDIAN, Reach.OWN_FAMILY, "the menu of who may see their child's photos"),
    Rule(A, "photo_consent", GUARDIAN, Reach.OWN_FAMILY, "a number sets a child's photo consent"),
    Rule(B, "phc", GUARDIAN, Reach.OWN_FAMILY, "sets a child's photo consent, on Telegram"),
    Rule(M, "story", GUARDIAN, Reach.OWN_FAMILY, "a photo or story goes on their child's timeline"),
    # -- broadcasts and reports, staff side (issue 14) -----------------------------------------
    Rule(C, "/broadcast", STAFF, Reach.SERVED, "writes to many families: a class, the school"),
    Rule(D, "broadcast", STAFF, Reach.SERVED, "the broadcast: audience, text or photo, preview"),
    Rule(B, "bca", STAFF, Reach.SERVED, "picks a broadcast's audience among those they serve"),
    Rule(B, "bcx", STAFF, Reach.OWN_PLANS, "sends, schedules or cancels their own broadcast"),
    Rule(C, "/report", STAFF, Reach.SERVED, "who is reached, silent or to call, as a CSV too"),
    Rule(B, "rpt", STAFF, Reach.SERVED, "picks a report (or a broadcast's) from /report's menu"),
    # -- someone not linked yet ------------------------------------------------------------
    Rule(M, "/start", UNKNOWN, Reach.INVITED, "an invite code links a new Telegram chat"),
    # -- the operator, on the server ---------------------------------------------------------
    Rule(X, "db upgrade", OPERATOR, Reach.EVERYONE, "migrates the database"),
    Rule(X, "roster import", OPERATOR, Reach.EVERYONE, "imports a roster (--dry-run, --full)"),
    Rule(X, "staff add", OPERATOR, Reach.EVERYONE, "adds or updates a staff member"),
    Rule(X, "staff remove", OPERATOR, Reach.EVERYONE, "deactivates a staff member"),
    Rule(X, "staff assign", OPERATOR, Reach.EVERYONE, "gives a staff member a student"),
    Rule(X, "staff list", OPERATOR, Reach.EVERYONE, "lists staff, roles and linking"),
    Rule(X, "guardian mute", OPERATOR, Reach.EVERYONE, "stops messages about one child"),
    Rule(X, "guardian unmute", OPERATOR, Reach.EVERYONE, "resumes messages about one child"),
    Rule(X, "invite staff", OPERATOR, Reach.EVERYONE, "a one-time Telegram link for staff"),
    Rule(X, "invite guardian", OPERATOR, Reach.EVERYONE, "a one-time Telegram link for a family"),
    Rule(X, "family export", OPERATOR, Reach.EVERYONE, "all stored about a guardian, as JSON"),
    Rule(X, "family forget", OPERATOR, Reach.EVERYONE, "erases a guardian's data and texts"),
    Rule(X, "meeting create", OPERATOR, Reach.EVERYONE, "a meeting from YAML; previews sent"),
    Rule(X, "meeting list", OPERATOR, Reach.EVERYONE, "lists meetings"),
    Rule(X, "meeting show", OPERATOR, Reach.EVERYONE, "one meeting and every family's answers"),
    Rule(X, "meeting confirm", OPERATOR, Reach.EVERYONE, "settles a meeting on a proposed time"),
    Rule(X, "meeting reschedule", OPERATOR, Reach.EVERYONE, "moves a meeting; everyone is told"),
    Rule(X, "meeting cancel", OPERATOR, Reach.EVERYONE, "cancels a meeting; everyone is told"),
    # -- after the meeting: the operator's commands (issue 12, helper H5) ---------------------
    Rule(X, "meeting notes", OPERATOR, Reach.EVERYONE, "a meeting's notes and plan from YAML"),
    Rule(X, "meeting actions", OPERATOR, Reach.EVERYONE, "every plan's open items (--overdue)"),
    Rule(X, "meeting done", OPERATOR, Reach.EVERYONE, "marks a plan's item done; family told"),
    Rule(X, "meeting more-time", OPERATOR, Reach.EVERYONE, "moves an item's due date, with why"),
    Rule(X, "outbox", OPERATOR, Reach.EVERYONE, "recent deliveries, no phone numbers"),
    Rule(X, "outbox --history", OPERATOR, Reach.EVERYONE, "what happened to one delivery"),
    Rule(X, "broadcast", OPERATOR, Reach.EVERYONE, "a broadcast as a staff member; preview"),
    Rule(X, "report broadcast", OPERATOR, Reach.EVERYONE, "one broadcast, family by family"),
    Rule(X, "report deliveries", OPERATOR, Reach.EVERYONE, "deliveries by channel and language"),
    Rule(X, "report partnership", OPERATOR, Reach.EVERYONE, "reached, silent, unreachable"),
    Rule(X, "report unreachable", OPERATOR, Reach.EVERYONE, "the families to call, and who"),
    Rule(X, "telegram set-webhook", OPERATOR, Reach.EVERYONE, "registers the webhook"),
    Rule(X, "serve", OPERATOR, Reach.EVERYONE, "runs the web app"),
    Rule(X, "worker", OPERATOR, Reach.EVERYONE, "runs the dispatcher and the clock jobs"),
    Rule(X, "demo", OPERATOR, Reach.EVERYONE, "plays the demo on a fresh SQLite file"),
)


class Access:
    """The table, looked up by surface and name."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules = tuple(rules)
        self._by_key: dict[tuple[Surface, str], Rule] = {}
        for rule in self.rules:
            if rule.key in self._by_key:
                raise ValueError(f"{rule.surface} {rule.name!r} has two rows")
            self._by_key[rule.key] = rule

    def rule(self, surface: Surface, name: str) -> Rule:
        try:
            return self._by_key[(surface, name)]
        except KeyError:
            raise KeyError(
                f"{surface} {name!r} has no row in commbot.access: say who may use it there"
            ) from None

    def of(self, surface: Surface) -> list[Rule]:
        return [r for r in self.rules if r.surface is surface]

    def markdown(self) -> str:
        """The table as Markdown: one row per action, a column per role."""
        roles = [*CHAT_ROLES, Role.OPERATOR]
        head = ["way in", "action", *roles, "reach", "what it does"]
        lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
        for rule in self.rules:
            marks = ["✓" if rule.allows(role) else "·" for role in roles]
            cells = [rule.surface.value, f"`{rule.name}`", *marks, rule.reach.value, rule.what]
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines)


ACCESS = Access(RULES)


def document() -> str:
    """ACCESS.md: the table, with what its columns mean."""
    return "\n".join(
        [
            "# Who may do what",
            "",
            "Generated by `python -m commbot.access > ACCESS.md` from `commbot/access.py`,",
            "whose docstring says what a refusal looks like. `tests/test_access_matrix.py`",
            "drives every row for every role through the webhooks (the command line as the",
            "operator). Reach is the relationship `commbot/policy.py` decides: a teacher or",
            "specialist serves their classes' students and those assigned to them; a",
            "coordinator or admin every student of their school; a guardian reaches only their",
            "own children's staff. The operator runs `commbot` on the server with the",
            "database's credentials: not a chat role, and no chat role reaches these commands.",
            "",
            ACCESS.markdown(),
            "",
        ]
    )


if __name__ == "__main__":
    print(document(), end="")
