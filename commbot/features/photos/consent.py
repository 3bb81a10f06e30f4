"""The consent rule: who may see a photo of whom.

Each guardian–student link holds one of three values (the roster's, then the family's own
choice by PHOTOS):
- `none`: no photo of this child goes to anyone;
- `individual`: photos of this child may go to this child's own family;
- `group`: also, this child may be in photos other families of the class receive.

When the guardians of one child disagree, the strictest value holds for everyone, the
child's own family included. A photo reaches a family only if each of their own children
in it allows `individual` (or `group`), and every other child in it allows `group`. A photo
with nobody tagged (a project, the classroom) may go to the whole class.

Consent is read when a post is sent, never when it is made: a change made while a post
waits is obeyed (and `consent_actions` cancels what was queued and is no longer allowed).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import ContactPoint, Guardian, Guardianship, PhotoConsent, Student, enrollments
from ...outbox import usable_points
from ...policy import receiving_link
from .models import PhotoPost, PhotoTag

RANK = {PhotoConsent.NONE: 0, PhotoConsent.INDIVIDUAL: 1, PhotoConsent.GROUP: 2}


def strictest(values: Iterable[PhotoConsent]) -> PhotoConsent:
    """The most restrictive of several guardians' choices (`none` when there are none)."""
    return min(values, key=RANK.__getitem__, default=PhotoConsent.NONE)


def effective_consent(session: Session, student_ids: Collection[int]) -> dict[int, PhotoConsent]:
    """Each child's consent: the strictest of its active guardians' values."""
    if not student_ids:
        return {}
    values: dict[int, list[PhotoConsent]] = defaultdict(list)
    rows = session.execute(
        select(Guardianship.student_id, Guardianship.photo_consent).where(
            Guardianship.student_id.in_(student_ids), Guardianship.active
        )
    )
    for student_id, consent in rows:
        values[student_id].append(consent)
    return {s: strictest(values.get(s, ())) for s in student_ids}


def may_see(
    own: Collection[int], tagged: Collection[int], consent: Mapping[int, PhotoConsent]
) -> bool:
    """May a family whose children are `own` see a photo of `tagged`?"""
    for child in tagged:
        needed = PhotoConsent.INDIVIDUAL if child in own else PhotoConsent.GROUP
        if RANK[consent.get(child, PhotoConsent.NONE)] < RANK[needed]:
            return False
    return True


def blockers(
    own: Collection[int], tagged: Collection[int], consent: Mapping[int, PhotoConsent]
) -> set[int]:
    """The tagged children whose consent keeps this family from seeing the photo."""
    return {c for c in tagged if not may_see(own, [c], consent)}


@dataclass
class Family:
    """One guardian who might get the post, with their children it concerns."""

    guardian: Guardian
    children: list[Student]  # their children among the post's candidates, by name
    # Their first usable channel (read once, for the preview and the sending alike).
    point: ContactPoint | None = None

    @property
    def reachable(self) -> bool:
        return self.point is not None


@dataclass
class Audience:
    """Who gets a post, decided by the rule above: what the preview shows and the fan-out
    sends. `blocking` names the tagged children whose consent kept it from someone, which
    the teacher (who serves them) may know; who chose what in a family is never said."""

    receive: list[Family] = field(default_factory=list)  # allowed (reachable or not)
    skipped: list[Family] = field(default_factory=list)  # a child's consent forbids it
    blocking: list[Student] = field(default_factory=list)

    @property
    def unreachable(self) -> list[Family]:
        return [f for f in self.receive if not f.reachable]


def tagged_ids(session: Session, post: PhotoPost) -> list[int]:
    return list(
        session.scalars(
            select(PhotoTag.student_id).where(PhotoTag.post_id == post.id).order_by(PhotoTag.id)
        )
    )


def candidate_students(session: Session, post: PhotoPost) -> list[Student]:
    """Whose families a post is for: its one student (`/msg`), else the class's children."""
    if post.student_id is not None:
        student = session.get(Student, post.student_id)
        return [student] if student is not None and student.active else []
    if post.class_id is None:
        return []
    return list(
        session.scalars(
            select(Student)
            .join(enrollments, enrollments.c.student_id == Student.id)
            .where(enrollments.c.class_id == post.class_id, Student.active)
            .order_by(Student.name)
        )
    )


def audience(session: Session, post: PhotoPost, tagged: Collection[int] | None = None) -> Audience:
    """Every family the post is for, each allowed or skipped by the rule, read now.

    `tagged` overrides the post's tags (the digest judges each photo of a day on its own).
    A family is one guardian who gets messages about at least one candidate child; their
    own children are all the children they are linked to, in the class or not.
    """
    tags = set(tagged_ids(session, post) if tagged is None else tagged)
    candidates = candidate_students(session, post)
    by_id = {s.id: s for s in candidates}
    links = session.execute(
        select(Guardian, Guardianship.student_id)
        .join(Guardianship)
        .where(Guardianship.student_id.in_(by_id), receiving_link(), Guardian.active)
        .order_by(Guardian.name, Guardian.id)
    ).all()
    families: dict[int, Family] = {}
    for guardian, student_id in links:
        family = families.setdefault(guardian.id, Family(guardian, []))
        family.children.append(by_id[student_id])
    own = own_children(session, list(families))
    consent = effective_consent(session, tags)
    result = Audience()
    blocking: set[int] = set()
    for guardian_id, family in families.items():
        mine = own.get(guardian_id, set())
        if may_see(mine, tags, consent):
            points = usable_points(session, family.guardian)
            family.point = points[0] if points else None
            result.receive.append(family)
        else:
            result.skipped.append(family)
            blocking |= blockers(mine, tags, consent)
    names = {s.id: s for s in session.scalars(select(Student).where(Student.id.in_(blocking)))}
    result.blocking = sorted(names.values(), key=lambda s: s.name)
    return result


def own_children(session: Session, guardian_ids: Collection[int]) -> dict[int, set[int]]:
    """Each guardian's children (active links, muted or not): a muted link is still theirs."""
    own: dict[int, set[int]] = defaultdict(set)
    if guardian_ids:
        rows = session.execute(
            select(Guardianship.guardian_id, Guardianship.student_id).where(
                Guardianship.guardian_id.in_(list(guardian_ids)), Guardianship.active
            )
        )
        for guardian_id, student_id in rows:
            own[guardian_id].add(student_id)
    return own
