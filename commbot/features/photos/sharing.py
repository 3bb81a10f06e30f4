"""Who may share a post: the classes a staff member shares photos with, and whether the
maker of a post that waited may still share it when it goes (they may have left the class).
Kept apart from `posts` so the digest and the fan-out can ask without importing it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ...models import SchoolClass, Staff, Student
from ...policy import served_classes, serves
from .models import PhotoPost


def classes_for_photos(session: Session, staff: Staff) -> list[SchoolClass]:
    """The classes this staff member may share photos with (`policy.served_classes`)."""
    return served_classes(session, staff)


def may_still_share(session: Session, staff: Staff, post: PhotoPost) -> bool:
    """Its maker still serves the family or the class (a post that waited goes later)."""
    if not staff.active:
        return False
    if post.student_id is not None:
        student = session.get(Student, post.student_id)
        return student is not None and serves(session, staff, student)
    return post.class_id in {c.id for c in classes_for_photos(session, staff)}
