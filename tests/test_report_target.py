"""Where `ledger report --html FILE` may write (SPEC section 12): never over the store, the key file, a file it
did not write or through a link; a tampered store gets no page; the page keeps FILE's mode; stored text cannot
reorder the page."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.shop import Shop, shipped_order

LEDGER = str(Path(sys.executable).with_name("ledger"))


@pytest.fixture
def report(store, tmp_path):
    shop = Shop(store)
    shop.append(shipped_order("O-1"))
    shop.ledger.close()
    key = tmp_path / "master.key"
    key.write_text(os.environ["LEDGER_MASTER_KEY"] + "\n")
    key.chmod(0o600)
    env = {"LEDGER_STORE": store, "PATH": "/usr/bin:/bin", "LEDGER_KEY_FILE": str(key)}

    def run(target: Path) -> subprocess.CompletedProcess:
        return subprocess.run([LEDGER, "report", "--html", str(target)], capture_output=True, text=True, env=env,
                              cwd=tmp_path)

    run.key = key
    return run


def test_the_report_over_the_store_itself_is_refused_and_the_store_kept(report, store, tmp_path):
    if not store.startswith("sqlite"):
        pytest.skip("a PostgreSQL store has no file")
    path = Path(store.removeprefix("sqlite:///"))
    before = path.read_bytes()
    done = report(path)
    assert done.returncode == 2 and "is the store's own file" in done.stderr
    assert path.read_bytes() == before


def test_the_report_over_the_key_file_is_refused_and_the_key_kept(report):
    before = report.key.read_bytes()
    done = report(report.key)
    assert done.returncode == 2 and "is the master key file" in done.stderr
    assert report.key.read_bytes() == before


def test_an_existing_file_the_ledger_did_not_write_is_refused(report, tmp_path):
    notes = tmp_path / "notes.html"
    notes.write_text("<p>the owner's own notes</p>")
    done = report(notes)
    assert done.returncode == 2 and "not a report the ledger wrote" in done.stderr
    assert notes.read_text() == "<p>the owner's own notes</p>"


def test_a_planted_link_is_not_followed(report, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    link = tmp_path / "report.html"
    link.symlink_to(victim)
    done = report(link)
    assert done.returncode == 2 and "is a link" in done.stderr
    assert victim.read_text() == "keep me" and link.is_symlink()
    # a link planted where a partial page might go changes nothing either: partial names are fresh each run
    (tmp_path / ".page.html.partial").symlink_to(victim)
    assert report(tmp_path / "page.html").returncode == 0
    assert victim.read_text() == "keep me" and not list(tmp_path.glob(".page.html.*.partial"))


def test_an_earlier_report_is_replaced_keeping_its_mode(report, tmp_path):
    page = tmp_path / "report.html"
    assert report(page).returncode == 0
    page.chmod(0o600)
    again = report(page)
    assert again.returncode == 0, again.stderr
    assert stat.S_IMODE(page.stat().st_mode) == 0o600 and 'data-figure="head">head ' in page.read_text()


def test_a_tampered_store_gets_no_page(report, store, tmp_path):
    tampered = Shop(store)
    tampered.edit_state(1, b"O-1", b"O-9")
    tampered.ledger.close()
    page = tmp_path / "report.html"
    done = report(page)
    assert done.returncode == 4 and done.stderr.startswith("tampered 1:")
    assert not page.exists()


def test_stored_text_cannot_reorder_the_page(store, tmp_path):
    """A note with a right-to-left override shows it escaped, not acting on the figures beside it."""
    from ledger import page as page_module
    from tests.shop import inspected, parcel_received, requested, ruled

    shop = Shop(store)
    shop.append(shipped_order("O-1", delivered_at="11-03 10:00"), requested("C-1", "O-1", "11-04 10:00"),
                parcel_received("C-1", "11-05 10:00"), inspected("C-1", "11-05 11:00", "buyer_damage"),
                {**ruled("C-1", "11-06 10:00", payer="shop"), "note": "ok\u202e00.01\u2028next"})
    from datetime import datetime

    html = "".join(page_module.render(shop.ledger, datetime.fromisoformat("2026-11-20T00:00:00+08:00"), lambda: "head"))
    shop.ledger.close()
    assert "\u202e" not in html and "\u2028" not in html
    assert "ok\\u202e00.01\\u2028next" in html


@pytest.mark.parametrize("language, words", [
    (None, ("店铺经营报告", "今日概况", "待退款", 'lang="zh-CN"')),
    ("en", ("Shop report", "Today", "refunds owed", 'lang="en"')),
])
def test_the_page_speaks_chinese_unless_ledger_lang_asks_for_english(store, monkeypatch, language, words):
    from datetime import datetime

    from ledger import page as page_module

    if language:
        monkeypatch.setenv("LEDGER_LANG", language)
    else:
        monkeypatch.delenv("LEDGER_LANG", raising=False)
    monkeypatch.setenv("LANG", "en_US.UTF-8")  # the terminal's language is not the page's
    shop = Shop(store)
    shop.append(shipped_order("O-1"))
    html = "".join(page_module.render(shop.ledger, datetime.fromisoformat("2026-11-20T00:00:00+08:00"), lambda: "h"))
    shop.ledger.close()
    assert all(word in html for word in words)
