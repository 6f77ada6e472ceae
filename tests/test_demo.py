"""`ledger demo`, the README's first command, as a newcomer runs it: the demo shop loaded, a case explained,
a report written, and every command it suggests answering; from any folder, on an installed package, into a
new store only."""
from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LEDGER = str(Path(sys.executable).with_name("ledger"))


def environment(**more: str) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "LEDGER_MASTER_KEY": os.environ["LEDGER_MASTER_KEY"], **more}


def test_the_demo_runs_from_an_empty_folder_and_every_command_it_suggests_answers(tmp_path):
    env = environment()
    demo = subprocess.run([LEDGER, "demo"], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr
    assert "Decisions on case C-1003" in demo.stdout and "rests on:" in demo.stdout
    assert (tmp_path / "ledger.db").is_file() and (tmp_path / "demo-report.html").is_file()
    suggested = [line.strip() for line in demo.stdout.splitlines() if line.strip().startswith("ledger --store")]
    assert len(suggested) == 19
    assert "demo-lily-2026" in demo.stdout  # the demo account's password, which the guide gives
    for command in suggested:
        answer = subprocess.run([LEDGER, *shlex.split(command)[1:]], capture_output=True, text=True, cwd=tmp_path,
                                env={**env, "LEDGER_PASSWORD": "demo-lily-2026"})
        assert answer.returncode == 0, f"{command}: {answer.stderr}"
        assert answer.stdout.strip(), command


def test_the_demo_goes_where_ledger_store_says(tmp_path):
    (tmp_path / "shops").mkdir()
    demo = subprocess.run([LEDGER, "demo"], capture_output=True, text=True, cwd=tmp_path,
                          env=environment(LEDGER_STORE="sqlite:///shops/demo.db"))
    assert demo.returncode == 0, demo.stderr
    assert (tmp_path / "shops" / "demo.db").is_file() and not (tmp_path / "ledger.db").exists()
    assert "ledger --store sqlite:///shops/demo.db history O-1003" in demo.stdout


@pytest.mark.parametrize("how", ["--store", "LEDGER_STORE"])
def test_the_demo_refuses_an_existing_store_and_leaves_it_whole(tmp_path, how):
    store = tmp_path / "shop.db"
    url = f"sqlite:///{store}"
    first = subprocess.run([LEDGER, "--store", url, "demo"], capture_output=True, text=True, env=environment())
    assert first.returncode == 0, first.stderr
    before = store.read_bytes()
    args, env = ([LEDGER, "demo", "--store", url], environment()) if how == "--store" else \
        ([LEDGER, "demo"], environment(LEDGER_STORE=url))
    again = subprocess.run(args, capture_output=True, text=True, env=env, cwd=tmp_path)
    assert again.returncode == 2
    assert again.stderr.strip() == (f"a store exists at \"{url}\"; the demo loads its shop into a new store only "
                                    "(name another with --store)")
    assert store.read_bytes() == before


def test_the_demo_runs_from_an_installed_wheel(tmp_path):
    """Not the checkout: the package as a wheel installs it, the demo shop read from the package's data."""
    wheels, target = tmp_path / "wheels", tmp_path / "installed"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(ROOT), "-w", str(wheels)],
                           capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    install = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target),
                              *map(str, wheels.glob("*.whl"))], capture_output=True, text=True)
    assert install.returncode == 0, install.stderr
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    run = [sys.executable, "-c", "import sys, ledger, ledger.cli; print(ledger.__file__, file=sys.stderr); "
                                 "sys.argv[0] = 'ledger'; ledger.cli.main()", "demo"]
    demo = subprocess.run(run, capture_output=True, text=True, cwd=folder, env=environment(PYTHONPATH=str(target)))
    assert demo.returncode == 0, demo.stderr
    assert demo.stderr.startswith(str(target))  # the installed copy ran, not the checkout
    assert "the demo shop: stored" in demo.stdout and (folder / "ledger.db").is_file()
