"""Who is in the school: staff, students, classes, guardians and how to reach them."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, enum_column, utcnow


class StaffRole(StrEnum):
    TEACHER = "teacher"
    SPECIALIST = "specialist"
    COORDINATOR = "coordinator"
    ADMIN = "admin"


class Channel(StrEnum):
    SMS = "sms"
    WHATSAPP = "whatsapp"
    TELEGRAM = "telegram"

    @property
    def label(self) -> str:
        """The channel's name as people write it."""
        return {"sms": "SMS", "whatsapp": "WhatsApp", "telegram": "Telegram"}[self.value]


class PhotoConsent(StrEnum):
    """What a guardian allows for one child's photos, from least to most shared."""

    NONE = "none"
    INDIVIDUAL = "individual"
    GROUP = "group"


class School(Base):
    __tablename__ = "schools"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    timezone: Mapped[str | None] = mapped_column(String(64))


class Staff(Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    role: Mapped[StaffRole] = mapped_column(enum_column(StaffRole, "staff_role"))
    language: Mapped[str] = mapped_column(String(16), default="en")
    telegram_chat_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    show_back_translation: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # False once removed from the roster or by `staff remove`: kept for history, serves nobody.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    classes: Mapped[list[SchoolClass]] = relationship(
        secondary="class_staff", back_populates="staff"
    )


class_staff = Table(
    "class_staff",
    Base.metadata,
    Column("class_id", ForeignKey("classes.id", ondelete="CASCADE"), primary_key=True),
    Column("staff_id", ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True),
)

enrollments = Table(
    "enrollments",
    Base.metadata,
    Column("class_id", ForeignKey("classes.id", ondelete="CASCADE"), primary_key=True),
    Column("student_id", ForeignKey("students.id", ondelete="CASCADE"), primary_key=True),
)


class SchoolClass(Base):
    """A class (homeroom, resource room, section) with its staff and students."""

    __tablename__ = "classes"
    __table_args__ = (UniqueConstraint("school_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(String(200))
    external_id: Mapped[str | None] = mapped_column(String(200))

    staff: Mapped[list[Staff]] = relationship(secondary=class_staff, back_populates="classes")
    students: Mapped[list[Student]] = relationship(secondary=enrollments, back_populates="classes")


class ServiceAssignment(Base):
    """A staff member who serves one student outside a class (a speech therapist, say)."""

    __tablename__ = "service_assignments"

    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True
    )
    student_id: Mapped[int] = mapped_column(
        ForeignKey("students.id", ondelete="CASCADE"), primary_key=True
    )
    service: Mapped[str | None] = mapped_column(String(200))


class Student(Base):
    __tablename__ = "students"
    __table_args__ = (UniqueConstraint("school_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="RESTRICT"))
    external_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # False once left out of a full roster import: kept for history, reached by nobody.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    classes: Mapped[list[SchoolClass]] = relationship(
        secondary=enrollments, back_populates="students"
    )
    guardianships: Mapped[list[Guardianship]] = relationship(back_populates="student")


class Guardian(Base):
    """A parent or other caregiver, with how and when they want to be reached."""

    __tablename__ = "guardians"
    __table_args__ = (UniqueConstraint("school_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="RESTRICT"))
    external_id: Mapped[str | None] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(16), default="en")
    timezone: Mapped[str | None] = mapped_column(String(64))
    # Canonical "HH:MM-HH:MM" ranges joined by ";" (see commbot.quiet_hours); "" for none.
    quiet_hours: Mapped[str] = mapped_column(String(200), default="")
    # The channel the family asked for; a Telegram preference takes effect once they link.
    preferred_channel: Mapped[Channel] = mapped_column(
        enum_column(Channel, "preferred_channel"), default=Channel.SMS
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # False once left out of a full roster import: kept for history, reached by nobody.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    guardianships: Mapped[list[Guardianship]] = relationship(back_populates="guardian")
    contact_points: Mapped[list[ContactPoint]] = relationship(
        back_populates="guardian", order_by="ContactPoint.priority"
    )


class Guardianship(Base):
    """A guardian's link to one student; consent is per child, as the roster gives it."""

    __tablename__ = "guardianships"
    __table_args__ = (UniqueConstraint("guardian_id", "student_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    guardian_id: Mapped[int] = mapped_column(ForeignKey("guardians.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(
        ForeignKey("students.id", ondelete="CASCADE"), index=True
    )
    relationship_name: Mapped[str] = mapped_column("relationship", String(100), default="")
    receives_messages: Mapped[bool] = mapped_column(Boolean, default=True)
    photo_consent: Mapped[PhotoConsent] = mapped_column(
        enum_column(PhotoConsent, "photo_consent"), default=PhotoConsent.NONE
    )
    # False once left out of a full roster import, or when the guardian or student is.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    guardian: Mapped[Guardian] = relationship(back_populates="guardianships")
    student: Mapped[Student] = relationship(back_populates="guardianships")


class ContactPoint(Base):
    """One way to reach a guardian. Lower `priority` is tried first."""

    __tablename__ = "contact_points"
    __table_args__ = (UniqueConstraint("channel", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    guardian_id: Mapped[int] = mapped_column(
        ForeignKey("guardians.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, "channel"))
    # E.164 phone number for sms/whatsapp; the chat id (as text) for telegram.
    address: Mapped[str] = mapped_column(String(64))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    opted_out_at: Mapped[dt.datetime | None]
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    # The family's last message on this contact point (WhatsApp's 24-hour window).
    last_inbound_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    guardian: Mapped[Guardian] = relationship(back_populates="contact_points")
