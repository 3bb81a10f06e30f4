"""Roster import: upserts, rejected rows with their lines, nothing half-written."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commbot.models import (
    Channel,
    ContactPoint,
    Guardian,
    Guardianship,
    PhotoConsent,
    SchoolClass,
    Staff,
    Student,
)
from commbot.roster import COLUMNS, Outcome, RosterFileError, import_roster

from .conftest import EXAMPLES

HEADER = ",".join(COLUMNS)
GOOD = "S1,Ana Ruiz,Room 1,Pat Lee,plee@school.example,Carmen Ruiz,mother,617-555-0101,es,sms,,22:00-07:00,group"


def write(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_example_roster_imports_then_is_unchanged(session: Session) -> None:
    first = import_roster(session, EXAMPLES / "roster.csv")
    session.commit()
    assert first.counts[Outcome.REJECTED] == 0
    assert first.counts[Outcome.CREATED] > 10
    second = import_roster(session, EXAMPLES / "roster.csv")
    session.commit()
    total = sum(first.counts.values())
    assert second.counts == {
        Outcome.CREATED: 0,
        Outcome.UPDATED: 0,
        Outcome.UNCHANGED: total,
        Outcome.REJECTED: 0,
    }


def test_personas_are_stored_as_families_asked(session: Session) -> None:
    import_roster(session, EXAMPLES / "roster.csv")
    session.commit()
    session.expire_all()
    rosa = session.scalar(select(Guardian).where(Guardian.name == "Rosa Pérez"))
    assert rosa is not None
    assert (rosa.language, rosa.timezone) == ("es", "America/New_York")
    assert rosa.quiet_hours == "08:00-15:00;22:00-23:59"
    assert [(p.channel, p.address) for p in rosa.contact_points] == [(Channel.SMS, "+16175550134")]
    karim = session.scalar(select(Guardian).where(Guardian.name == "Karim Bashid"))
    assert karim is not None
    assert [p.channel for p in karim.contact_points] == [Channel.WHATSAPP, Channel.SMS]
    assert [g.photo_consent for g in karim.guardianships] == [PhotoConsent.GROUP]
    lan = session.scalar(select(Guardian).where(Guardian.name == "Lan Nguyen"))
    assert lan is not None and len(lan.guardianships) == 2


def test_bad_rows_are_named_and_good_rows_import(session: Session, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        GOOD,
        "S2,Ben Ode,Room 1,Pat Lee,plee@school.example,Ola Ode,father,12345,en,sms,,,none",
        "S3,Cy Moe,Room 1,Pat Lee,plee@school.example,Di Moe,mother,617-555-0103,klingon,fax,Mars/Base,25:00-01:00,maybe",
        "S4,,Room 1,Pat Lee,not-an-email,Ed Poe,father,617-555-0104,en,sms,,,",
        "S5,Flo Yu,Room 1,Pat Lee,plee@school.example,Gus Yu,father,617-555-0105,vi,telegram,America/Denver,,individual",
    )
    report = import_roster(session, path)
    session.commit()
    assert report.counts[Outcome.CREATED] == 2
    assert report.counts[Outcome.REJECTED] == 3
    reasons = dict(report.rejected)
    assert "guardian_phone" in reasons["line 3"]
    for problem in ("language", "channel", "timezone", "quiet_hours", "photo_consent"):
        assert problem in reasons["line 4"]
    assert "student_name is empty" in reasons["line 5"]
    assert "teacher_email" in reasons["line 5"]
    assert sorted(session.scalars(select(Student.external_id))) == ["S1", "S5"]
    assert count(session, Guardian) == 2


def test_changed_row_updates(session: Session, tmp_path: Path) -> None:
    import_roster(session, write(tmp_path, GOOD))
    session.commit()
    changed = GOOD.replace(",es,sms,,22:00-07:00,group", ",es,whatsapp,America/Chicago,,none")
    report = import_roster(session, write(tmp_path, changed))
    session.commit()
    assert report.counts[Outcome.UPDATED] == 1
    session.expire_all()
    carmen = session.scalar(select(Guardian))
    assert carmen is not None
    assert (carmen.timezone, carmen.quiet_hours, carmen.guardianships[0].photo_consent) == (
        "America/Chicago",
        "",
        PhotoConsent.NONE,
    )
    assert [p.channel for p in carmen.contact_points] == [Channel.WHATSAPP, Channel.SMS]


def test_moving_a_student_to_another_class(session: Session, tmp_path: Path) -> None:
    import_roster(session, write(tmp_path, GOOD))
    session.commit()
    report = import_roster(session, write(tmp_path, GOOD.replace("Room 1", "Room 2")))
    session.commit()
    assert report.counts[Outcome.UPDATED] == 1
    student = session.scalar(select(Student))
    assert student is not None
    session.refresh(student)
    assert [c.name for c in student.classes] == ["Room 2"]


def test_a_row_that_conflicts_is_not_half_written(session: Session, tmp_path: Path) -> None:
    other_guardian = GOOD.replace("S1,Ana Ruiz", "S9,Raúl Ruiz").replace(
        "Carmen Ruiz", "Someone Else"
    )
    report = import_roster(session, write(tmp_path, GOOD, other_guardian))
    session.commit()
    assert report.rejected == [
        ("line 3", report.rejected[0][1]),
    ]
    assert "each phone number belongs to one guardian" in report.rejected[0][1]
    # The rejected row's student was not created either.
    assert list(session.scalars(select(Student.external_id))) == ["S1"]


def test_one_guardian_for_two_children(session: Session, tmp_path: Path) -> None:
    sibling = GOOD.replace("S1,Ana Ruiz,Room 1", "S2,Luis Ruiz,Room 3")
    report = import_roster(session, write(tmp_path, GOOD, sibling))
    session.commit()
    assert report.counts[Outcome.CREATED] == 2
    assert count(session, Guardian) == 1
    assert count(session, Guardianship) == 2
    assert count(session, ContactPoint) == 1


SIBLING = GOOD.replace("S1,Ana Ruiz", "S2,Luis Ruiz").replace(",group", ",individual")


def consents(session: Session) -> dict[str, PhotoConsent]:
    """Each child's photo consent, by student id."""
    session.expire_all()
    rows = session.execute(
        select(Student.external_id, Guardianship.photo_consent).join(Guardianship.student)
    )
    return {student_id: consent for student_id, consent in rows}


def test_photo_consent_is_kept_per_child(session: Session, tmp_path: Path) -> None:
    path = write(tmp_path, GOOD, SIBLING)
    first = import_roster(session, path)
    session.commit()
    assert first.counts[Outcome.CREATED] == 2
    assert count(session, Guardian) == 1
    assert consents(session) == {"S1": PhotoConsent.GROUP, "S2": PhotoConsent.INDIVIDUAL}

    again = import_roster(session, path)
    session.commit()
    assert again.counts == {
        Outcome.CREATED: 0,
        Outcome.UPDATED: 0,
        Outcome.UNCHANGED: 2,
        Outcome.REJECTED: 0,
    }
    assert consents(session) == {"S1": PhotoConsent.GROUP, "S2": PhotoConsent.INDIVIDUAL}


def test_changing_one_childs_consent_updates_that_link_only(
    session: Session, tmp_path: Path
) -> None:
    import_roster(session, write(tmp_path, GOOD, SIBLING))
    session.commit()
    report = import_roster(session, write(tmp_path, GOOD, SIBLING.replace(",individual", ",none")))
    session.commit()
    assert (report.counts[Outcome.UPDATED], report.counts[Outcome.UNCHANGED]) == (1, 1)
    assert consents(session) == {"S1": PhotoConsent.GROUP, "S2": PhotoConsent.NONE}


def test_missing_columns_stop_the_whole_file(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text("student_id,student_name\nS1,Ana\n")
    with pytest.raises(RosterFileError, match="class"):
        import_roster(session, path)


def write_oneroster(folder: Path, parent_language: str = "so") -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "users.csv").write_text(
        "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,"
        "givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,"
        "password,metadata.language\n"
        "u-t1,active,,true,org1,teacher,kmills,,Kay,Mills,,,kmills@school.example,,,,,,\n"
        "u-s1,active,,true,org1,student,hw,,Hodan,Warsame,,,,,,u-p1,03,,\n"
        "u-s2,active,,true,org1,student,aw,,Abdi,Warsame,,,,,,,04,,\n"
        f"u-p1,active,,true,org1,parent,fw,,Faadumo,Warsame,,,,617-555-0165,,u-s2,,,{parent_language}\n"
        "u-p2,active,,true,org1,guardian,bad,,No,Phone,,,,,,u-s1,,,en\n",
        encoding="utf-8",
    )
    (folder / "classes.csv").write_text(
        "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,"
        "location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods\n"
        "c1,active,,Resource Room,03,co1,RR,scheduled,,org1,t1,,,\n",
        encoding="utf-8",
    )
    (folder / "enrollments.csv").write_text(
        "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,"
        "primary,beginDate,endDate\n"
        "e1,active,,c1,org1,u-t1,teacher,true,,\n"
        "e2,active,,c1,org1,u-s1,student,false,,\n"
        "e3,active,,c1,org1,u-s2,student,false,,\n",
        encoding="utf-8",
    )
    return folder


def test_oneroster_folder(session: Session, tmp_path: Path) -> None:
    folder = write_oneroster(tmp_path / "oneroster")
    report = import_roster(session, folder)
    session.commit()
    # Faadumo is linked to both children (from her row and from Hodan's); No Phone is rejected.
    assert report.counts[Outcome.CREATED] == 2
    assert [source for source, _ in report.rejected] == ["users.csv line 6"]
    faadumo = session.scalar(select(Guardian).where(Guardian.external_id == "u-p1"))
    assert faadumo is not None and faadumo.language == "so"
    assert sorted(g.student.name for g in faadumo.guardianships) == [
        "Abdi Warsame",
        "Hodan Warsame",
    ]
    room = session.scalar(select(SchoolClass))
    assert room is not None and [s.email for s in room.staff] == ["kmills@school.example"]

    again = import_roster(session, folder)
    session.commit()
    assert again.counts[Outcome.UNCHANGED] == 2 and again.counts[Outcome.CREATED] == 0

    write_oneroster(folder, parent_language="en")
    changed = import_roster(session, folder)
    session.commit()
    # Both pairs come from her one row; the first carries the change.
    assert (changed.counts[Outcome.UPDATED], changed.counts[Outcome.UNCHANGED]) == (1, 1)
    session.refresh(faadumo)
    assert faadumo.language == "en"


def test_teachers_come_from_the_roster(session: Session) -> None:
    import_roster(session, EXAMPLES / "roster.csv")
    emails = sorted(session.scalars(select(Staff.email)))
    assert emails == ["dkim@lincoln.example.org", "ecarter@lincoln.example.org"]
