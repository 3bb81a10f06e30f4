"""Keeping the catalogs in step with the code: `python -m commbot.i18n.catalogs`.

Extracts every bot-authored message into `locales/commbot.pot` and merges it into each
language's `.po` file (new messages appear untranslated; tests then fail until translated).
"""

from __future__ import annotations

import subprocess
import sys

from ..languages import CATALOG_LANGUAGES
from ..resources import locales_dir
from . import DOMAIN, po_path

KEYWORDS = ("gettext:2", "ngettext:2,3", "N_")


def extract() -> None:
    locales = locales_dir()  # run from a checkout: the template and sources are written there
    root = locales.parent
    keywords = [arg for k in KEYWORDS for arg in ("-k", k)]
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "--no-default-keywords",
            *keywords,
            "-F",
            str(root / "babel.cfg"),
            "--sort-by-file",
            "--omit-header",
            "-o",
            str(locales / f"{DOMAIN}.pot"),
            "commbot",
        ],
        check=True,
        cwd=root,  # source references in the catalogs stay relative to the checkout
    )
    for language in CATALOG_LANGUAGES:
        locale = language.replace("-", "_")
        command = "update" if po_path(language).exists() else "init"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "babel.messages.frontend",
                command,
                "-D",
                DOMAIN,
                "-i",
                str(locales / f"{DOMAIN}.pot"),
                "-d",
                str(locales),
                "-l",
                locale,
                *(["--no-fuzzy-matching", "--ignore-obsolete"] if command == "update" else []),
            ],
            check=True,
        )


if __name__ == "__main__":
    extract()
