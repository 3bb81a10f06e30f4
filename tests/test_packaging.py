"""The wheel a district installs carries everything commbot reads at run time.

One wheel is built per test session and installed, not editable, into a fresh virtualenv.
To keep the suite quick, that virtualenv borrows this one's dependencies through a `.pth`
line instead of downloading them again (`.ci/run` does the full install from nothing); only
commbot itself comes from the wheel, and the test checks that it does.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from commbot import config, db, resources
from commbot.cli import main
from commbot.conversations.family import RESUBSCRIBED
from commbot.glossary import load_glossary
from commbot.i18n import gettext, translations
from commbot.resources import MissingResource

CHECKOUT = Path(__file__).resolve().parent.parent
# Printed by the demo from the Spanish catalog (the check-in question to Rosa Pérez); a wheel
# without catalogs would print it in English.
SPANISH_QUESTION = "¿Qué hizo Alfredo Pérez esta semana que le dio orgullo?"
# The glossary's explanation of "IEP meeting", to the Arabic-reading father and in English.
ARABIC_IEP = "خطة تعلّم طفلكم"
ENGLISH_IEP = "(a meeting about your child's learning plan)"


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"{args} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with the wheel built from this checkout; returns its bin folder."""
    base = tmp_path_factory.mktemp("wheel")
    run(sys.executable, "-m", "build", "--wheel", "--outdir", base / "dist", CHECKOUT, cwd=base)
    (wheel,) = (base / "dist").glob("commbot-*.whl")
    venv = base / "venv"
    run(sys.executable, "-m", "venv", venv, cwd=base)
    bin_dir = venv / "bin"
    (purelib,) = (venv / "lib").glob("python3*/site-packages")
    (purelib / "borrowed-dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    run(
        bin_dir / "python", "-m", "pip", "install", "-q", "--no-deps", "--no-index", wheel, cwd=base
    )
    return bin_dir


def in_empty_dir(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """An empty working folder, and an environment that knows nothing about the checkout."""
    work = tmp_path / "empty"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COMMBOT_", "PYTHON"))}
    env.update(DATABASE_URL=f"sqlite:///{work / 'commbot.db'}", COLUMNS="120", CI="true")
    return work, env


@pytest.mark.wheel
def test_the_wheel_install_runs_the_demo_with_every_language(
    installed: Path, tmp_path: Path
) -> None:
    work, env = in_empty_dir(tmp_path)
    where = run(
        installed / "python", "-c", "import commbot; print(commbot.__file__)", cwd=work, env=env
    )
    assert Path(where.strip()).is_relative_to(installed.parent), "commbot came from elsewhere"

    assert "upgraded" in run(installed / "commbot", "db", "upgrade", cwd=work, env=env)
    imported = run(
        installed / "commbot",
        "roster",
        "import",
        CHECKOUT / "examples" / "roster.csv",
        cwd=work,
        env=env,
    )
    assert "14 created" in imported
    demo = run(installed / "commbot", "demo", cwd=work, env=env)
    assert SPANISH_QUESTION in demo
    assert ARABIC_IEP in demo and ENGLISH_IEP in demo
    assert "Roster: 14 family–student pairs" in demo
    assert sorted(p.name for p in work.iterdir()) == ["commbot.db"]  # nothing read from cwd


@pytest.mark.wheel
def test_the_wheel_install_has_catalogs_and_the_glossary(installed: Path, tmp_path: Path) -> None:
    work, env = in_empty_dir(tmp_path)
    probe = (
        "from commbot.glossary import load_glossary; from commbot.i18n import gettext; "
        "from commbot.conversations.family import RESUBSCRIBED as m; "
        "print(len(load_glossary().terms)); print(gettext('es', m) != m); "
        "print(gettext('ar', m) != m)"
    )
    terms, spanish, arabic = run(installed / "python", "-c", probe, cwd=work, env=env).split()
    assert int(terms) == len(load_glossary().terms) > 0
    assert spanish == arabic == "True"


def test_every_code_package_is_in_the_wheel() -> None:
    """pyproject.toml lists packages by hand (the data mappings need it): none may be left out."""
    with (CHECKOUT / "pyproject.toml").open("rb") as handle:
        listed = set(tomllib.load(handle)["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(init.parent.relative_to(CHECKOUT).parts)
        for init in (CHECKOUT / "commbot").rglob("__init__.py")
    }
    assert on_disk - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"


@pytest.fixture
def nothing_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """commbot looking for its data files in an empty folder, as in a broken install."""
    empty = tmp_path / "nothing"
    empty.mkdir()
    monkeypatch.setattr(resources, "PACKAGE_DIR", empty / "commbot")
    monkeypatch.setattr(resources, "CHECKOUT_DIR", empty)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    for cached in (load_glossary, translations, config.get_settings, db.get_engine):
        cached.cache_clear()
    yield empty
    db.get_engine().dispose()
    for cached in (load_glossary, translations, config.get_settings, db.get_engine):
        cached.cache_clear()


@pytest.mark.parametrize(
    ("command", "missing"), [(["db", "upgrade"], "migrations"), (["demo"], "glossary")]
)
def test_a_missing_resource_stops_the_command_with_one_line(
    nothing_installed: Path,
    command: list[str],
    missing: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.argv", ["commbot", *command])
    with pytest.raises(SystemExit) as stopped:
        main()
    captured = capsys.readouterr()
    output = (captured.out + captured.err).strip()
    assert stopped.value.code == 2
    assert "Traceback" not in output
    assert output.count("\n") == 0, output
    assert output.startswith("error: ")
    assert f"commbot's {missing} not found" in output
    assert str(nothing_installed) in output  # says where it looked


def test_a_missing_catalog_is_an_error_not_english(nothing_installed: Path) -> None:
    with pytest.raises(MissingResource, match="message catalogs not found"):
        gettext("es", RESUBSCRIBED)
    # The folder is there but Spanish was left out of it.
    english = nothing_installed / "locales" / "en" / "LC_MESSAGES"
    english.mkdir(parents=True)
    (english / "commbot.po").write_bytes(
        (CHECKOUT / "locales" / "en" / "LC_MESSAGES" / "commbot.po").read_bytes()
    )
    with pytest.raises(MissingResource, match=r"es message catalog not found.*es/LC_MESSAGES"):
        gettext("es", RESUBSCRIBED)
    # A language with no catalog of its own still reads English.
    assert gettext("fr", RESUBSCRIBED) == RESUBSCRIBED


def test_an_uncatalogued_language_reads_english() -> None:
    assert gettext("fr", RESUBSCRIBED) == gettext("en", RESUBSCRIBED) == RESUBSCRIBED


@pytest.mark.parametrize("command", ["serve", "worker"])
def test_long_running_processes_check_every_catalog_at_start(
    nothing_installed: Path,
    command: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`serve` and `worker` stop before they start, not mid-request, when Arabic is missing."""
    shutil.copytree(CHECKOUT / "migrations", nothing_installed / "migrations")
    shutil.copytree(CHECKOUT / "locales", nothing_installed / "locales")
    shutil.rmtree(nothing_installed / "locales" / "ar")
    monkeypatch.setattr("sys.argv", ["commbot", command])
    with pytest.raises(SystemExit) as stopped:
        main()
    output = "".join(capsys.readouterr()).strip()
    assert stopped.value.code == 2
    assert output.count("\n") == 0 and "Traceback" not in output, output
    assert output.startswith("error: commbot's ar message catalog not found")
