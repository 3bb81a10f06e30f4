"""Roster import: commbot's CSV or a OneRoster 1.1 folder into the database."""

from .csv_roster import COLUMNS, RosterFileError
from .importer import ImportReport, Outcome, import_roster

__all__ = ["COLUMNS", "ImportReport", "Outcome", "RosterFileError", "import_roster"]
