"""`ledger demo`, the README's first command, as a newcomer runs it: the fixture shop loaded, a case explained,
a report written, and every command it suggests answering."""
from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LEDGER = str(Path(sys.executable).with_name("ledger"))


def test_the_demo_runs_and_every_command_it_suggests_answers(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "LEDGER_MASTER_KEY": os.environ["LEDGER_MASTER_KEY"]}
    demo = subprocess.run([LEDGER, "demo", "--fixtures", str(ROOT / "fixtures")], capture_output=True, text=True,
                          env=env, cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr
    assert "Decisions on case C-1003" in demo.stdout and "rests on:" in demo.stdout
    assert (tmp_path / "demo-report.html").is_file()
    suggested = [line.strip() for line in demo.stdout.splitlines() if line.strip().startswith("ledger --store")]
    assert len(suggested) == 13
    for command in suggested:
        answer = subprocess.run([LEDGER, *shlex.split(command)[1:]], capture_output=True, text=True, env=env,
                                cwd=tmp_path)
        assert answer.returncode == 0, f"{command}: {answer.stderr}"
        assert answer.stdout.strip(), command
