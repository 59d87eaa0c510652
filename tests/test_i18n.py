"""Every user-facing string has a Chinese translation whose placeholders match."""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "meeting/translations/zh_Hans_CN/LC_MESSAGES/messages.po"


def test_catalogue_covers_every_string_in_the_sources(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "--quiet",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
    )
    with open(pot, "rb") as handle:
        wanted = {m.id for m in read_po(handle) if m.id}
    with open(PO, "rb") as handle:
        catalogue = read_po(handle)
    translated = {m.id for m in catalogue if m.id and m.string and "fuzzy" not in m.flags}
    missing = sorted(wanted - translated, key=str)
    assert not missing, f"run `make i18n` and translate: {missing[:20]}"


def test_translations_keep_their_placeholders():
    with open(PO, "rb") as handle:
        catalogue = read_po(handle)
    problems = [(message.id, errors) for message, errors in catalogue.check() if errors]
    assert not problems, problems[:10]
