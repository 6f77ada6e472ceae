"""The warm writer: while `ledger serve` runs on a store, `ledger add` and a small `ledger append` hand their
command to it over a local socket instead of loading the ledger themselves, and print what it answers. The
desk runs the very command (`cli.run`) on the ledger it keeps loaded, with the caller's credentials and
language, so the checks, the answer and the exit status are the command line's own; when no desk answers,
the command runs in-process as before.

The socket lives in a folder only its owner may enter (`$XDG_RUNTIME_DIR/ledger`, else `/tmp/ledger-UID`),
is itself owner-only, and the desk takes a command only from a process of its own user (SO_PEERCRED). Only a
command that needs no terminal is handed over: a token, or `--as` with LEDGER_PASSWORD; a password typed at a
terminal is asked in-process as before.

This module is the `ledger` command's entry: a handed-over command imports only it, the standard library and
the store's URL rules, and never the command line itself.
"""
from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import json
import os
import socket
import stat
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

SMALL = 1 << 20  # an append file of at most this many bytes is handed over; a larger one's time is its work
PASSED = ("LEDGER_AS", "LEDGER_PASSWORD", "LEDGER_TOKEN", "LEDGER_LANG", "LC_ALL", "LC_MESSAGES", "LANG",
          "LEDGER_ACTOR", "LEDGER_ROLE", "USER", "LOGNAME")  # what the command reads of its caller's environment
TIMEOUT = 120.0  # seconds a caller waits for the desk's answer (an append may wait on the store's lock)


def folder() -> Path:
    base = os.environ.get("XDG_RUNTIME_DIR")
    return Path(base) / "ledger" if base else Path(f"/tmp/ledger-{os.getuid()}")


def private(where: Path, create: bool) -> bool:
    """Whether `where` is a folder of this user's that nobody else may enter (made so when `create`)."""
    if create:
        with contextlib.suppress(FileExistsError):
            where.mkdir(mode=0o700, parents=True)
    try:
        found = os.lstat(where)
    except FileNotFoundError:
        return False
    return stat.S_ISDIR(found.st_mode) and found.st_uid == os.getuid() and stat.S_IMODE(found.st_mode) == 0o700


def socket_path(store_url: str) -> Path:
    """The desk's socket for a store: named by the store (its file's absolute path, or its URL without password)."""
    from ledger.store import parse_store, without_password

    store = parse_store(store_url)
    named = str(store.path.resolve()) if store.path is not None else without_password(store.url)
    return folder() / f"desk-{hashlib.sha256(named.encode()).hexdigest()[:24]}.sock"


# -- the caller's side ----------------------------------------------------------------------------------

def main() -> None:
    """The `ledger` command: handed to the desk when one runs on the store, else run here (cli.py)."""
    status = handed_over(sys.argv[1:])
    if status is None:
        from ledger.cli import main as in_process

        in_process()
    sys.exit(status)


def handed_over(argv: list[str]) -> int | None:
    """The exit status of a command the desk ran, having printed its answer; None to run it in-process."""
    request = _request(argv)
    if request is None:
        return None
    from ledger.store import store_url

    try:
        where = socket_path(store_url(request.pop("store")))
    except Exception:  # a store URL that is wrong: the in-process command says what is wrong with it
        return None
    if not private(where.parent, create=False):
        return None
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.settimeout(TIMEOUT)
            connection.connect(str(where))
            connection.sendall(json.dumps(request).encode())
            connection.shutdown(socket.SHUT_WR)
            answer = json.loads(_read_all(connection))
    except (OSError, ValueError):
        return None  # no desk (or it went away before answering): the command runs here, from the start
    sys.stdout.write(answer["stdout"])
    sys.stderr.write(answer["stderr"])
    return int(answer["status"])


def _request(argv: list[str]) -> dict | None:
    """The command as the desk takes it, or None when it is not one to hand over."""
    args, store, as_ = list(argv), None, None
    while args and args[0].startswith("--"):  # ledger's own options, before the command
        option, _, value = args.pop(0).partition("=")
        if option not in ("--store", "--as"):
            return None
        if not value:
            if not args:
                return None
            value = args.pop(0)
        store, as_ = (value, as_) if option == "--store" else (store, value)
    if not args or args[0] not in ("add", "append") or any(a in ("--help", "-h") for a in args):
        return None
    command, rest = args[0], args[1:]
    if "--store" in rest:
        at = rest.index("--store")
        if at + 1 >= len(rest):
            return None
        store = rest.pop(at + 1)
        rest.pop(at)
    name = as_ or os.environ.get("LEDGER_AS")
    if not (os.environ.get("LEDGER_TOKEN") and not name) and not (name and os.environ.get("LEDGER_PASSWORD")):
        return None  # a password to ask at the terminal, or no account: in-process, as before
    stdin = b""
    if command == "append":
        if len(rest) != 1:
            return None
        try:
            stdin = sys.stdin.buffer.read(SMALL + 1) if rest[0] == "-" else _small(Path(rest[0]))
        except OSError:
            return None
        if stdin is None or len(stdin) > SMALL:
            return None  # a large file: its time is its work, not the start (and it can be read again)
        rest = ["-"]
    return {"argv": [*(["--as", as_] if as_ else []), command, *rest], "store": store,
            "env": {key: os.environ[key] for key in PASSED if key in os.environ},
            "stdin": base64.b64encode(stdin).decode()}


def _small(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() and path.stat().st_size <= SMALL else None


def _read_all(connection: socket.socket) -> bytes:
    chunks = []
    while chunk := connection.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


# -- the desk's side ------------------------------------------------------------------------------------

@contextlib.contextmanager
def listening(store_url: str, run: Callable[[dict], tuple[int, str, str]]) -> Iterator[Path | None]:
    """While the desk serves: a thread taking handed-over commands on the store's socket; `run(request)` runs
    one and returns (status, stdout, stderr). Yields the socket's path (None: the folder is not private, so
    nothing is handed over and every command runs in-process)."""
    import threading  # the desk's side alone: a handed-over command's caller never loads it

    where = socket_path(store_url)
    if not private(where.parent, create=True):
        yield None
        return
    with contextlib.suppress(FileNotFoundError):
        where.unlink()  # a desk that stopped without cleaning up (one running would have refused the port)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o177)
    try:
        server.bind(str(where))
    finally:
        os.umask(old)
    os.chmod(where, 0o600)
    server.listen(16)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except OSError:
                return
            threading.Thread(target=_answer, args=(connection, run), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield where
    finally:
        stop.set()
        server.close()
        with contextlib.suppress(FileNotFoundError):
            where.unlink()



def _answer(connection: socket.socket, run: Callable[[dict], tuple[int, str, str]]) -> None:
    import struct

    with connection:
        creds = connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        if struct.unpack("3i", creds)[1] != os.getuid():
            return  # another user's process: nothing is run for it
        connection.settimeout(TIMEOUT)
        try:
            request = json.loads(_read_all(connection))
        except (OSError, ValueError):
            return
        status, out, err = run(request)
        with contextlib.suppress(OSError):
            connection.sendall(json.dumps({"status": status, "stdout": out, "stderr": err}).encode())


@contextlib.contextmanager
def as_caller(request: dict) -> Iterator[tuple[io.StringIO, io.StringIO]]:
    """The process as the caller's command would see it: their environment's keys that the command reads,
    their standard input, and standard output and error captured."""
    saved = {key: os.environ.get(key) for key in PASSED}
    streams = sys.stdin, sys.stdout, sys.stderr
    out, err = io.StringIO(), io.StringIO()
    try:
        for key in PASSED:
            os.environ.pop(key, None)
        os.environ.update(request.get("env", {}))
        sys.stdin = io.TextIOWrapper(io.BytesIO(base64.b64decode(request.get("stdin", ""))), encoding="utf-8")
        sys.stdout, sys.stderr = out, err
        yield out, err
    finally:
        sys.stdin, sys.stdout, sys.stderr = streams
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
