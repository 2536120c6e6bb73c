"""`sops-mock record --upstream URL --port P [--out DIR]`: proxy, journal, compile on exit."""

from __future__ import annotations

import argparse
import socket
import sys
from pathlib import Path

import fixtures
from byod import convert
from mockserver import flags

from .compile import compile_journal
from .journal import Journal, read
from .proxy import RecordingProxy


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "record",
        prog="sops-mock record",
        description="A transparent proxy: point your client at it instead of the deployment. "
        "Each request goes upstream with the caller's own credentials (never stored); every "
        "exchange is journaled to OUT/journal.jsonl; on exit (Ctrl-C) the journal is compiled "
        "into OUT/fixture.json: the templates read, and the observed duration, outcome and "
        "ex_data of each node of the tasks polled as scenarios.",
        formatter_class=flags.DefaultsShown,
    )
    p.add_argument("--upstream", type=flags.http_url, required=True, help="the deployment's base")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on")
    p.add_argument("--port", type=flags.int_from(1, 65535), default=8010, help="port to listen on")
    p.add_argument("--out", default="recording", help="folder of the journal and the fixture")


def compile_folder(out: Path, entries: list[dict[str, object]]) -> str:
    fixture, summary = compile_journal(entries)
    (out / "fixture.json").write_text(fixtures.dump(fixture), encoding="utf-8")
    return f"Wrote {out / 'fixture.json'}\n{summary.text()}\n"


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from byod.cli import UsageError

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: is a file; name a folder")
    out.mkdir(parents=True, exist_ok=True)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((args.host, args.port))
    except OSError as exc:
        raise UsageError(f"--port {args.port}: cannot listen on it ({exc.strerror})") from None
    # Listening before uvicorn starts: connections queue from the moment the line below is out.
    sock.listen(128)
    journal = Journal(out / "journal.jsonl").open()
    sys.stdout.write(
        f"Recording: http://{args.host}:{args.port} -> {convert.public_url(args.upstream)} "
        f"(journal {out / 'journal.jsonl'}; Ctrl-C compiles {out / 'fixture.json'})\n"
    )
    sys.stdout.flush()
    config = uvicorn.Config(
        RecordingProxy(args.upstream, journal),
        log_level="warning",
        lifespan="on",
        ws="none",  # no WebSocket route; older uvicorn's websockets import warns into an error
    )
    try:
        uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:
        pass  # uvicorn shut down cleanly, then re-raised the signal: Ctrl-C is how this ends
    finally:
        journal.close()
    sys.stdout.write(compile_folder(out, read(out / "journal.jsonl")))
    return 0
