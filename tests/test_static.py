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


RULES_RUNNER = """
const fs = require('fs');
const vm = require('vm');
const sandbox = { window: {} };
vm.createContext(sandbox);
vm.runInContext(fs.readFileSync(process.argv[1], 'utf8'), sandbox);
const cases = JSON.parse(fs.readFileSync(0, 'utf8'));
const out = cases.map(function (c) {
  return sandbox.window.BallotRules.check(c.scheme, c.round, c.answers).map(function (p) { return p.code; });
});
process.stdout.write(JSON.stringify(out));
"""


def test_phone_rules_agree_with_the_server_on_every_case():
    """static/js/ballot_rules.js gives the same verdict as scoring.check_ballot on the
    shared table (tests/ballot_cases.py): the phone never refuses what the server takes,
    nor sends what the server will mark invalid without saying so."""
    import json

    from tests.ballot_cases import CASES, case_answers, case_scheme, phone_view

    payload = []
    for _label, preset, overrides, count, compact, _expected in CASES:
        scheme = case_scheme(preset, overrides)
        scheme_info, round_info = phone_view(scheme, count)
        answers = {str(rid): lines for rid, lines in case_answers(scheme, count, compact).items()}
        payload.append({"scheme": scheme_info, "round": round_info, "answers": answers})
    node = shutil.which("node")
    assert node, "node is installed by `make` (it installs nodejs/npm when missing)"
    result = subprocess.run(
        [node, "-e", RULES_RUNNER, str(ROOT / "static" / "js" / "ballot_rules.js")],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        check=True,
    )
    verdicts = json.loads(result.stdout)
    expected = [case[5] for case in CASES]
    assert {c[0]: v for c, v in zip(CASES, verdicts, strict=True)} == {
        c[0]: e for c, e in zip(CASES, expected, strict=True)
    }
