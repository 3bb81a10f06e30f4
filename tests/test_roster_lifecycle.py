"""The roster over time: full imports remove who left, mutes, staff added, removed and
assigned, rejected rows in the exit status, and files that cannot be read at all."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from commbot.cli import main
from commbot.db import transaction
from commbot.models import Delivery, Guardian, Guardianship, Staff, Student

from .conftest import EXAMPLES
from .support import System, command_line_on

KIM = 7002  # David Kim, Room 14: Josie Lopez's teacher
SPECIALIST = 7003
JIM = "+16175550190"  # Jim Lopez, Josie's father
DONNA = "+16175550191"  # Donna Lopez, Josie's mother
ROSA = "+16175550134"  # Rosa Pérez, Alfredo's mother (S1001)
EXAMPLE_LINES = (EXAMPLES / "roster.csv").read_text(encoding="utf-8").splitlines()


@pytest.fixture
def cli(
    engine: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Any]:
    """`commbot ...` against the test's database, as a shell runs it: (exit status, output)."""

    def run(*args: str) -> tuple[int, str]:
        capsys.readouterr()
        monkeypatch.setattr("sys.argv", ["commbot", *args])
        with pytest.raises(SystemExit) as stopped:
            main()
        captured = capsys.readouterr()
        return int(stopped.value.code or 0), captured.out + captured.err

    with command_line_on(monkeypatch, engine.url.render_as_string(hide_password=False)):
        yield run


def roster_without(tmp_path: Path, *names: str, extra: tuple[str, ...] = ()) -> Path:
    """The example roster without the rows naming any of `names`, plus `extra` rows."""
    lines = [line for line in EXAMPLE_LINES if not any(name in line for name in names)]
    path = tmp_path / "roster.csv"
    path.write_text("\n".join([*lines, *extra]) + "\n", encoding="utf-8")
    return path


def deliveries_to(system: System, name: str) -> list[Delivery]:
    with transaction(system.engine) as session:
        guardian = session.scalar(select(Guardian).where(Guardian.name == name))
        assert guardian is not None
        return list(session.scalars(select(Delivery).where(Delivery.guardian_id == guardian.id)))


def active(system: System, model: Any, **where: Any) -> bool:
    with transaction(system.engine) as session:
        row = session.scalars(select(model).filter_by(**where)).one()
        return bool(row.active)


async def test_full_import_removes_a_guardian_and_msg_no_longer_reaches_them(
    system: System, cli: Any, tmp_path: Path
) -> None:
    await system.link_staff("dkim@lincoln.example.org", KIM)
    await system.telegram_update(KIM, "/msg Josie Field trip on Friday")
    await system.drain()
    assert any("Field trip" in text for text in system.sms_to(JIM))

    code, output = cli("roster", "import", "--full", str(roster_without(tmp_path, "Jim Lopez")))
    assert code == 0
    assert "Removed (1):\n  guardian Jim Lopez\n" in output
    assert "1 removed" in output
    assert not active(system, Guardian, name="Jim Lopez")

    await system.telegram_update(KIM, "/msg Josie Bring a jacket")
    await system.drain()
    assert not any("jacket" in text for text in system.sms_to(JIM))
    assert any("jacket" in text for text in system.sms_to(DONNA))
    # History stays: the guardian, their link and what they were sent are all kept.
    assert len(deliveries_to(system, "Jim Lopez")) == 1
    with transaction(system.engine) as session:
        links = session.scalars(
            select(Guardianship).join(Guardian).where(Guardian.name == "Jim Lopez")
        ).all()
        assert [link.active for link in links] == [False]

    # The next file lists him again: he is back and gets messages again.
    code, output = cli("roster", "import", "--full", str(EXAMPLES / "roster.csv"))
    assert code == 0 and "removed" not in output.lower()
    assert active(system, Guardian, name="Jim Lopez")
    await system.telegram_update(KIM, "/msg Josie Picture day")
    await system.drain()
    assert any("Picture day" in text for text in system.sms_to(JIM))


async def test_a_removed_family_writing_reaches_nobody(
    system: System, cli: Any, tmp_path: Path
) -> None:
    await system.link_staff("dkim@lincoln.example.org", KIM)
    cli("roster", "import", "--full", str(roster_without(tmp_path, "Jim Lopez")))
    await system.sms(JIM, "Can I pick Josie up early?")
    await system.drain()
    assert not any("pick Josie up" in text for text in system.telegram_texts(KIM))


async def test_dry_run_lists_removals_first_and_changes_nothing(
    system: System, cli: Any, tmp_path: Path
) -> None:
    changed = EXAMPLE_LINES[5].replace("Donna Lopez", "Donna Lopez-Reyes")
    path = roster_without(tmp_path, "Jim Lopez", "Donna Lopez", "S1001", extra=(changed,))
    code, output = cli("roster", "import", "--full", "--dry-run", str(path))
    assert code == 0
    lines = output.splitlines()
    assert lines[0] == "Would remove (3):"
    assert set(lines[1:4]) == {
        "  student S1001 Alfredo Pérez",
        "  guardian Rosa Pérez",
        "  guardian Jim Lopez",
    }
    assert "Dry run, nothing written for roster.csv" in lines[4]
    assert "1 updated" in lines[4]
    assert active(system, Guardian, name="Jim Lopez")
    assert active(system, Student, external_id="S1001")
    assert active(system, Guardian, name="Donna Lopez")


async def test_a_removed_student_is_served_by_nobody(
    system: System, cli: Any, tmp_path: Path
) -> None:
    await system.link_staff("ecarter@lincoln.example.org", 7001)
    cli("roster", "import", "--full", str(roster_without(tmp_path, "S1001")))
    assert not active(system, Student, external_id="S1001")
    await system.telegram_update(7001, "/msg Alfredo Great work")
    await system.drain()
    assert system.sms_to(ROSA) == []


async def test_mute_and_unmute(system: System, cli: Any) -> None:
    await system.link_staff("dkim@lincoln.example.org", KIM)
    code, output = cli("guardian", "mute", "617 555 0190", "--student", "S1003")
    assert code == 0 and "Jim Lopez no longer gets messages about Josie Lopez." in output
    await system.telegram_update(KIM, "/msg Josie Quiet please")
    await system.drain()
    assert system.sms_to(JIM) == []
    assert any("Quiet please" in text for text in system.sms_to(DONNA))

    code, output = cli("guardian", "unmute", JIM, "--student", "S1003")
    assert code == 0 and "Jim Lopez now gets messages about Josie Lopez." in output
    await system.telegram_update(KIM, "/msg Josie Loud again")
    await system.drain()
    assert any("Loud again" in text for text in system.sms_to(JIM))

    code, output = cli("guardian", "mute", JIM, "--student", "S1001")
    assert code == 2 and "Jim Lopez is not a guardian of student 'S1001'" in output


async def test_receives_messages_column(system: System, cli: Any, tmp_path: Path) -> None:
    header = EXAMPLE_LINES[0] + ",receives_messages"
    rows = [line + ("," + ("no" if "Jim Lopez" in line else "")) for line in EXAMPLE_LINES[1:]]
    path = tmp_path / "roster.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    code, output = cli("roster", "import", str(path))
    assert code == 0 and "1 updated" in output
    with transaction(system.engine) as session:
        link = session.scalars(
            select(Guardianship).join(Guardian).where(Guardian.name == "Jim Lopez")
        ).one()
        assert link.receives_messages is False
    bad = tmp_path / "bad.csv"
    bad.write_text(header + "\n" + EXAMPLE_LINES[4] + ",maybe\n", encoding="utf-8")
    code, output = cli("roster", "import", str(bad))
    assert code == 1 and "receives_messages 'maybe' is not yes or no" in output


async def test_staff_add_with_classes_remove_and_assign(system: System, cli: Any) -> None:
    code, output = cli(
        "staff", "add", "Olga Reyes", "oreyes@lincoln.example.org",
        "--role", "specialist", "--class", "Room 14", "--class", "Room 12", "--school", "Our School",
    )  # fmt: skip
    assert code == 0
    assert "Added Olga Reyes <oreyes@lincoln.example.org> as specialist in Room " in output
    with transaction(system.engine) as session:
        olga = session.scalars(select(Staff).where(Staff.name == "Olga Reyes")).one()
        assert sorted(c.name for c in olga.classes) == ["Room 12", "Room 14"]
    code, output = cli("staff", "add", "X", "x@lincoln.example.org", "--class", "Room 99")
    assert code == 2 and "Our School has no class named 'Room 99'" in output

    # A specialist serves the students assigned to them, and only those.
    cli("staff", "add", "Sara Lind", "slind@lincoln.example.org", "--role", "specialist")
    await system.link_staff("slind@lincoln.example.org", SPECIALIST)
    await system.telegram_update(SPECIALIST, "/msg Josie Speech session moved")
    await system.drain()
    assert system.sms_to(DONNA) == []
    code, output = cli(
        "staff", "assign", "slind@lincoln.example.org", "S1003", "--service", "speech therapy"
    )
    assert code == 0 and "Sara Lind now serves Josie Lopez for speech therapy." in output
    await system.telegram_update(SPECIALIST, "/msg Josie Speech session moved")
    await system.drain()
    assert any("Speech session moved" in text for text in system.sms_to(DONNA))

    # Removed, she reaches nobody any more, and the list says so.
    code, output = cli("staff", "remove", "SLind@lincoln.example.org")
    assert code == 0 and "Removed Sara Lind" in output
    await system.telegram_update(SPECIALIST, "/msg Josie One more thing")
    await system.drain()
    assert not any("One more thing" in text for text in system.sms_to(DONNA))
    code, output = cli("staff", "list")
    assert "specialist (removed)" in output
    assert "oreyes@lincoln.example.org" in output and "…" not in output
    assert max(len(line) for line in output.splitlines()) <= 80


async def test_removed_teacher_gets_no_family_messages(system: System, cli: Any) -> None:
    await system.link_staff("dkim@lincoln.example.org", KIM)
    cli("staff", "remove", "dkim@lincoln.example.org")
    await system.sms("+16175550123", "Tyrell is sick today")  # Margaret Ruby, Room 14
    await system.drain()
    assert not any("sick today" in text for text in system.telegram_texts(KIM))


def test_a_rejected_row_makes_the_exit_status_1(cli: Any, tmp_path: Path) -> None:
    assert cli("db", "upgrade")[0] == 0
    bad = EXAMPLE_LINES[1].replace("(617) 555-0134", "123").replace("S1001", "S9")
    path = tmp_path / "roster.csv"
    path.write_text("\n".join([*EXAMPLE_LINES, bad]) + "\n", encoding="utf-8")
    code, output = cli("roster", "import", str(path))
    assert code == 1
    assert "14 created" in output and "1 rejected" in output


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "roster.csv is empty"),
        (b"\n  \n", "roster.csv is empty"),
        (
            EXAMPLE_LINES[0].replace(",", ";").encode() + b"\n",
            "roster.csv separates its columns with semicolons; commbot reads commas",
        ),
        (
            EXAMPLE_LINES[0].replace(",", "\t").encode() + b"\n",
            "roster.csv separates its columns with tabs; commbot reads commas",
        ),
        (
            "\n".join(EXAMPLE_LINES[:2]).encode("latin-1"),
            'roster.csv is not UTF-8 text (line 2); save it as "CSV UTF-8"',
        ),
    ],
)
def test_files_that_cannot_be_read_get_one_line(
    cli: Any, tmp_path: Path, content: bytes, expected: str
) -> None:
    cli("db", "upgrade")
    path = tmp_path / "roster.csv"
    path.write_bytes(content)
    code, output = cli("roster", "import", str(path))
    assert code == 2
    assert output.strip().splitlines() == [f"error: {output.strip()[7:]}"]
    assert expected in output
    assert "Traceback" not in output


def test_text_no_database_could_store_is_a_rejected_row(cli: Any, tmp_path: Path) -> None:
    """Same on SQLite and PostgreSQL: a NUL or an over-long name rejects its row only."""
    cli("db", "upgrade")
    nul = EXAMPLE_LINES[1].replace("Alfredo Pérez", "Alfredo\x00Pérez")
    long = EXAMPLE_LINES[4].replace("Jim Lopez", "J" * 201)
    path = tmp_path / "roster.csv"
    path.write_text("\n".join([EXAMPLE_LINES[0], nul, long, EXAMPLE_LINES[5]]) + "\n")
    code, output = cli("roster", "import", str(path))
    assert code == 1
    assert "1 created" in output and "2 rejected" in output
    assert "student_name contains a NUL character" in output
    assert "guardian_name is longer than 200 characters" in output


async def test_check_ins_skip_removed_and_muted_guardians(
    system: System, cli: Any, tmp_path: Path
) -> None:
    from commbot.features.checkins.models import CheckinPlan
    from commbot.features.checkins.plans import recipients_query
    from commbot.models import SchoolClass

    cli("roster", "import", "--full", str(roster_without(tmp_path, "Jim Lopez")))
    cli("guardian", "mute", "617-555-0123", "--student", "S1004")  # Margaret Ruby
    with transaction(system.engine) as session:
        room = session.scalars(select(SchoolClass).where(SchoolClass.name == "Room 14")).one()
        plan = CheckinPlan(class_id=room.id, days="fri", time="16:00")
        asked = {
            session.get_one(Guardian, guardian_id).name
            for guardian_id, _, _ in session.execute(recipients_query(plan, "America/New_York"))
        }
    assert "Donna Lopez" in asked and "Marie Joseph" in asked
    assert "Jim Lopez" not in asked and "Margaret Ruby" not in asked


async def test_removed_guardians_leave_families_and_cannot_be_invited(
    system: System, cli: Any, tmp_path: Path
) -> None:
    code, _ = cli("roster", "import", "--full", str(roster_without(tmp_path, "Jim Lopez")))
    assert code == 0
    await system.link_staff("dkim@lincoln.example.org", KIM)
    await system.telegram_update(KIM, "/families")
    await system.drain()
    families = system.telegram_texts(KIM)[-1]
    assert "Donna Lopez" in families and "Jim Lopez" not in families
    code, output = cli("invite", "guardian", JIM)
    assert code == 2 and "removed from the roster" in output
