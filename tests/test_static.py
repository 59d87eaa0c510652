"""The pages' own scripts run on old phones, and every asset is the app's own."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = [
    *sorted((ROOT / "static" / "js").glob("*.js")),
    ROOT / "static" / "vendor" / "socket.io.min.js",
]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_scripts_are_plain_es5(script):
    """WeChat's browser and old Android WebViews: no arrow functions, let/const, classes..."""
    node = shutil.which("node")
    assert node, "node is installed by `make` (it installs nodejs/npm when missing)"
    acorn = ROOT / "node_modules" / "acorn" / "bin" / "acorn"
    result = subprocess.run(
        [node, str(acorn), "--ecma5", "--silent", str(script)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


EXTERNAL = re.compile(
    r"""(src|href)\s*=\s*["']\s*(https?:)?//|url\(\s*["']?\s*(https?:)?//|@import\s+["']?(https?:)?//""",
    re.I,
)


def test_no_page_loads_anything_from_outside():
    """The venue may have no internet: no CDN, no outside fonts or scripts."""
    files = [
        *ROOT.glob("templates/**/*.html"),
        *ROOT.glob("reports/**/*.html"),
        *ROOT.glob("reports/**/*.css"),
        *ROOT.glob("static/css/*.css"),
        *ROOT.glob("static/js/*.js"),
    ]
    offenders = [
        str(f.relative_to(ROOT)) for f in files if EXTERNAL.search(f.read_text(encoding="utf-8"))
    ]
    assert files and offenders == []
