"""Where commbot's data files are: migrations, message catalogs, the glossary, the example roster.

They live in the checkout's top-level `migrations/`, `locales/` and `examples/` folders; a wheel
carries the same folders inside the package as `commbot/_migrations`, `commbot/_locales` and
`commbot/_examples` (see `[tool.setuptools]` in pyproject.toml). Each lookup tries the installed
package first, then the checkout (which an editable install runs from), and raises
`MissingResource` naming both places when neither has it, so a broken install stops with one
line instead of running in English with no glossary.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from .errors import UserError

# Where the lookups start; tests point these at an empty folder. Alembic and the catalog
# reader need real files, so a package that is not a folder on disk (a zip) counts as absent.
_package = files("commbot")
PACKAGE_DIR: Path | None = _package if isinstance(_package, Path) else None
CHECKOUT_DIR: Path = Path(__file__).resolve().parent.parent


class MissingResource(UserError):
    """A data file commbot ships with is not where the install should have put it."""

    def __init__(self, what: str, places: list[Path]) -> None:
        looked = " or ".join(str(place) for place in places)
        super().__init__(
            f"commbot's {what} not found (looked in {looked}): reinstall commbot "
            "(`pip install .` and its wheel carry it)"
        )
        self.what = what
        self.places = places


def _find(what: str, installed: str, checkout: str, *, folder: bool) -> Path:
    places = []
    if PACKAGE_DIR is not None:
        places.append(PACKAGE_DIR / installed)
    places.append(CHECKOUT_DIR / checkout)
    for place in places:
        if place.is_dir() if folder else place.is_file():
            return place
    raise MissingResource(what, places)


def migrations_dir() -> Path:
    """The Alembic script folder (`env.py`, `versions/`)."""
    return _find("migrations", "_migrations", "migrations", folder=True)


def locales_dir() -> Path:
    """The folder of gettext catalogs, `<lang>/LC_MESSAGES/commbot.po`."""
    return _find("message catalogs", "_locales", "locales", folder=True)


def glossary_path() -> Path:
    """The special-education glossary, `glossary.toml`."""
    return _find("glossary", "_locales/glossary.toml", "locales/glossary.toml", folder=False)


def example_roster() -> Path:
    """The sample roster `commbot demo` imports."""
    return _find("example roster", "_examples/roster.csv", "examples/roster.csv", folder=False)


def example_meeting() -> Path:
    """The sample meeting file the README shows (`commbot meeting create`)."""
    return _find("example meeting", "_examples/meeting.yaml", "examples/meeting.yaml", folder=False)


def example_meeting_notes() -> Path:
    """The sample notes of that meeting the README shows (`commbot meeting notes`)."""
    return _find(
        "example meeting notes",
        "_examples/meeting-notes.yaml",
        "examples/meeting-notes.yaml",
        folder=False,
    )


def check_installed() -> None:
    """Fail now, with one line, if anything a long-running process needs is missing: the
    migrations, the glossary and every shipped language's catalog. `commbot serve` and
    `commbot worker` call this at start, so a broken install never answers a family in
    English halfway through a request."""
    from .i18n import po_path
    from .languages import CATALOG_LANGUAGES

    migrations_dir()
    glossary_path()
    for language in CATALOG_LANGUAGES:
        path = po_path(language)
        if not path.is_file():
            raise MissingResource(f"{language} message catalog", [path])
