"""The `sops-mock` command: serve, openapi, fixtures generate, demo, contract.

Every bad start-up input ends in one line on stderr (what, where, how to fix it) and exit code 2,
as argparse's own errors do: flag values are checked by their types (flags.py) when parsed, and
what needs a look at the disk (the fixture, the state file) before the server starts.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from . import flags
from .flags import StartupError
from .settings import DEFAULT_VIRTUAL_START, Settings
from .startqueue import read_delay

if TYPE_CHECKING:
    from .wirefaults import ExposeTransport

COMMANDS = ("serve", "openapi", "fixtures", "demo", "contract", "engine-diff", "diff", "record")
LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")
_DEFAULTS = Settings()
_PORT = flags.int_from(1, 65535)


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("sops-mock")
    except PackageNotFoundError:
        return "unknown (not installed)"


def _serve_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "serve",
        help="run the mock server (the default of `python -m mockserver`)",
        description="Serve the bk-sops task API (backend, API gateway and ESB paths), the "
        "control API under /__mock__/ and the dashboard.",
        formatter_class=flags.DefaultsShown,
    )
    add = p.add_argument
    add("--host", default="127.0.0.1", help="address to listen on")
    add("--port", type=_PORT, default=8000, help="port to listen on (1-65535)")
    add(
        "--clock",
        choices=["wall", "virtual"],
        default="wall",
        help="wall: tasks progress in real time (times --speed); virtual: time moves only "
        "through POST /__mock__/clock",
    )
    add(
        "--speed",
        type=flags.positive_float(": 1 is real time, 10 ten times faster"),
        default=None,
        help="wall clock factor, above 0 (10 = ten times faster; default 1.0); --clock wall only",
    )
    add(
        "--start",
        type=flags.aware_time,
        default=None,
        help="virtual clock start, ISO 8601 with a UTC offset (default "
        f"{DEFAULT_VIRTUAL_START.isoformat()}); --clock virtual only",
    )
    add("--seed", type=int, default=0, help="seed of everything derived (ids, jitter, faults)")
    add(
        "--fixture",
        default="default",
        help="a packaged fixture (default, minimal) or a JSON file "
        "(`sops-mock fixtures generate -o FILE` writes one)",
    )
    add(
        "--auth",
        choices=["off", "lenient", "strict"],
        default="lenient",
        help="off: no checks; lenient: an app code and a user must be present; strict: they "
        "must match the fixture's apps and users",
    )
    add(
        "--no-caches",
        action="store_true",
        help="turn bk-sops's answer caches off: every read is fresh",
    )
    add(
        "--validate-responses",
        action="store_true",
        help="check every answer against its JSON Schema (a mismatch answers 500)",
    )
    add(
        "--max-body-bytes",
        type=flags.int_from(1),
        default=_DEFAULTS.max_body_bytes,
        help="larger request bodies are refused before parsing",
    )
    add(
        "--max-state-bytes",
        type=flags.int_from(1),
        default=_DEFAULTS.max_state_bytes,
        help="the body limit of PUT /__mock__/state alone (a snapshot holds every task)",
    )
    add(
        "--app-host",
        type=flags.http_url,
        default=None,
        help="base URL of the task_url answers carry (default http://HOST:PORT/)",
    )
    add("--no-control", action="store_true", help="turn the /__mock__/ API and dashboard off")
    add(
        "--control-token",
        type=flags.non_empty,
        default=None,
        help="require 'Authorization: Bearer T' on /__mock__/ (default: no token)",
    )
    add(
        "--journal-size",
        type=flags.int_from(0),
        default=_DEFAULTS.journal_size,
        help="requests the journal keeps (0: none)",
    )
    add(
        "--state-file",
        default=None,
        help="load this snapshot at start when it exists; write it on a clean shutdown "
        "(its folder must exist and be writable)",
    )
    add(
        "--store",
        type=_store_url,
        default=_DEFAULTS.store,
        help="where the state lives: memory (lost at exit), sqlite:///path/to/mock.db (kept "
        "across restarts and kill -9) or redis://host:port/db (shared by workers and hosts)",
    )
    add(
        "--workers",
        type=flags.int_from(1),
        default=1,
        help="server processes; more than one needs a redis:// --store",
    )
    add("--log-level", choices=LOG_LEVELS, default="info", help="uvicorn's log level")
    add(
        "--timeout-keep-alive",
        type=flags.positive_float(),
        default=_DEFAULTS.timeout_keep_alive,
        help="seconds an idle kept-alive connection stays open",
    )
    add(
        "--timeout-header",
        type=flags.positive_float(),
        default=_DEFAULTS.timeout_header,
        help="seconds a request head (request line and headers) may take to arrive, from the "
        "connection's opening or the head's first byte; then the connection closes",
    )
    add(
        "--max-header-bytes",
        type=flags.int_from(1024),
        default=_DEFAULTS.max_header_bytes,
        help="larger request heads are refused with 431 and the connection closes",
    )
    add(
        "--limit-concurrency",
        type=flags.int_from(1),
        default=_DEFAULTS.limit_concurrency,
        help="at this many open connections or requests in flight, new requests answer 503",
    )
    add(
        "--allowed-host",
        action="append",
        default=[],
        help="one more Host name to serve besides loopback and --host (repeatable)",
    )
    add(
        "--cors-origin",
        default=None,
        help="the one other origin a browser page may call the mock from (default: none)",
    )
    add(
        "--journal-bytes",
        type=flags.int_from(1),
        default=_DEFAULTS.journal_bytes,
        help="about how many bytes of requests the journal keeps",
    )
    add(
        "--webhook-host",
        action="append",
        default=None,
        help="a host callback_url webhooks may call (repeat it; '*': any; default: "
        "127.0.0.1, localhost and ::1)",
    )
    add(
        "--webhook-timeout",
        type=flags.positive_float(),
        default=_DEFAULTS.webhook_timeout,
        help="seconds one webhook call may take",
    )
    add(
        "--start-delay",
        type=_start_delay,
        default=None,
        metavar="MIN[:MAX]",
        help="seconds a start waits in bk-sops's queue for a worker, drawn per start by the "
        "seed (default: the fixture's start_delay, else 0.1:1; 0 starts at once)",
    )


def _start_delay(text: str) -> tuple[float, float]:
    low, _, high = text.partition(":")
    try:
        return read_delay({"min": float(low), "max": float(high or low)})
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: {exc}") from None


def _store_url(text: str) -> str:
    from .store import StoreUrlError, check_store_url

    try:
        return check_store_url(text)
    except StoreUrlError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def settings_from(args: argparse.Namespace) -> Settings:
    return Settings(
        host=args.host,
        port=args.port,
        clock=args.clock,
        speed=1.0 if args.speed is None else args.speed,
        start=args.start or DEFAULT_VIRTUAL_START,
        seed=args.seed,
        fixture=args.fixture,
        auth=args.auth,
        validate_responses=args.validate_responses,
        max_body_bytes=args.max_body_bytes,
        max_state_bytes=args.max_state_bytes,
        app_host=args.app_host,
        control=not args.no_control,
        control_token=args.control_token,
        journal_size=args.journal_size,
        state_file=args.state_file,
        allowed_hosts=tuple(args.allowed_host),
        cors_origin=args.cors_origin,
        journal_bytes=args.journal_bytes,
        timeout_keep_alive=args.timeout_keep_alive,
        timeout_header=args.timeout_header,
        max_header_bytes=args.max_header_bytes,
        limit_concurrency=args.limit_concurrency,
        webhook_hosts=tuple(args.webhook_host or _DEFAULTS.webhook_hosts),
        webhook_timeout=args.webhook_timeout,
        start_delay=args.start_delay,
        caches=not args.no_caches,
        store=args.store,
    )


def check_serve_flags(args: argparse.Namespace) -> None:
    """Flags that make sense only together; raises StartupError."""
    if args.clock == "virtual" and args.speed is not None:
        raise StartupError("--speed applies to the wall clock: drop it, or serve with --clock wall")
    if args.clock == "wall" and args.start is not None:
        raise StartupError(
            "--start applies to the virtual clock: drop it, or serve with --clock virtual"
        )
    if args.state_file:
        check_state_file(Path(args.state_file))
    if args.workers > 1 and not args.store.startswith("redis:"):
        raise StartupError(
            f"--workers {args.workers}: each worker would hold its own mock; give the workers "
            "one shared store with --store redis://host:port/db, or serve one worker"
        )


def check_state_file(path: Path) -> None:
    """The file must be writable at shutdown: refuse now rather than lose the state then."""
    folder = path.parent
    if path.is_dir():
        raise StartupError(f"--state-file {path}: is a folder; name a file in it")
    if not folder.is_dir():
        problem = "is a file, not a folder" if folder.exists() else "does not exist"
        raise StartupError(f"--state-file {path}: the folder {folder} {problem}; create it first")
    # The file is written as a temporary file in the same folder, then renamed: try exactly that.
    probe = folder / f".{path.name}.startup-check.tmp"
    try:
        probe.open("xb").close()
        probe.unlink()
    except OSError as exc:
        raise StartupError(
            f"--state-file {path}: cannot write in {folder} ({exc.strerror}); choose a "
            "writable folder"
        ) from None


def build_app(settings: Settings) -> ExposeTransport:
    """The served app; a bad fixture or state file becomes a StartupError."""
    import fixtures

    from .accesslog import MaskedAccessLog
    from .app import create_app
    from .snapshot import SnapshotError
    from .store import StoreError, StoreUrlError
    from .store.apply import StoreMismatch
    from .wirefaults import ExposeTransport

    try:
        app = create_app(settings)
    except (StoreError, StoreUrlError, StoreMismatch) as exc:
        raise StartupError(f"--store: {exc}") from None
    except fixtures.FixtureError as exc:
        raise StartupError(
            f"--fixture: {exc}; name a packaged fixture (default, minimal) or a fixture JSON file"
        ) from None
    except (SnapshotError, OSError, ValueError) as exc:
        if settings.state_file:
            raise StartupError(
                f"--state-file: {exc}; fix the file, move it away, or name another one"
            ) from None
        raise StartupError(f"--fixture {settings.fixture}: {exc}") from None
    # ExposeTransport goes outermost: it needs uvicorn's own `send` to reach the connection.
    return ExposeTransport(MaskedAccessLog(app))


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .gcpolicy import tune_for_serving
    from .transport import server_options

    check_serve_flags(args)
    settings = settings_from(args)
    if args.workers > 1:
        from .workers import serve_workers

        return serve_workers(settings, args.workers, args.log_level)
    app = build_app(settings)
    tune_for_serving()
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level=args.log_level,
        access_log=False,
        **server_options(settings),
    )
    return 0


def openapi(args: argparse.Namespace) -> int:
    import schemas

    print(json.dumps(schemas.build_openapi(), indent=2, ensure_ascii=False))
    return 0


def fixtures_generate(args: argparse.Namespace) -> int:
    import fixtures
    from fixtures.generator import generate

    text = fixtures.dump(generate(args.seed, args.templates))
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise StartupError(f"-o {args.output}: cannot write it ({exc.strerror})") from None
    else:
        sys.stdout.write(text)
    return 0


def _fixtures_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    fx = sub.add_parser(
        "fixtures", help="fixture tools", description="Fixture tools: generate, import."
    )
    fx_sub = fx.add_subparsers(dest="fixtures_command", required=True, metavar="{generate,import}")
    fx_sub.add_parser(
        "import",
        add_help=False,
        help="read a deployment's projects and templates into a fixture file "
        "(see sops-mock fixtures import --help)",
    )
    gen = fx_sub.add_parser(
        "generate",
        help="write a realistic fixture made with Faker",
        description="Write a realistic fixture made with Faker (projects, templates, apps and "
        "users) as JSON: to standard output, or to the file -o names. The same --seed gives "
        "the same bytes with the same Faker version (pyproject.toml pins it).",
        formatter_class=flags.DefaultsShown,
    )
    gen.add_argument("--seed", type=int, default=0, help="seed of the generator")
    gen.add_argument(
        "--templates", type=flags.int_from(1, 10_000), default=10, help="templates to make"
    )
    gen.add_argument("-o", "--output", default=None, help="write here (default: standard output)")


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="sops-mock",
        description="A local mock of the bk-sops task API, and a contract-test kit.",
        epilog="`sops-mock COMMAND --help` describes each command's options.",
    )
    root.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    sub = root.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _serve_parser(sub)
    sub.add_parser(
        "openapi",
        help="print the generated OpenAPI 3.1 document",
        description="Print the bk-sops OpenAPI 3.1 document the mock serves at /openapi.json.",
    )
    _fixtures_parser(sub)
    from . import demo_args

    demo_args.add_arguments(
        sub.add_parser(
            "demo",
            help="a scripted tour of tasks running, in the terminal",
            description="A scripted tour of tasks running, in the terminal, against a mock in "
            "this process or a running one (--url).",
            formatter_class=flags.DefaultsShown,
        )
    )
    sub.add_parser(
        "contract",
        add_help=False,
        help="run the contract suite: in-process against the mock by default, or against "
        "--base-url (see sops-mock contract --help)",
    )
    sub.add_parser(
        "engine-diff",
        add_help=False,
        help="compare the engine with the real bamboo-engine (needs the engine-diff extra)",
    )
    sub.add_parser(
        "record",
        add_help=False,
        help="a proxy in front of a deployment that journals what it sees and compiles it "
        "into a fixture with scenarios (see sops-mock record --help)",
    )
    sub.add_parser(
        "diff",
        add_help=False,
        help="run one seeded script against two targets and report how they differ "
        "(see sops-mock diff --help)",
    )
    return root


def contract(argv: Sequence[str]) -> int:
    """Run the contract suite in a child interpreter (mockserver never imports contract_tests)."""
    import subprocess

    return subprocess.call([sys.executable, "-m", "contract_tests", *argv])


def bring_your_own(argv: Sequence[str]) -> int:
    """fixtures import, diff and record in a child interpreter: they talk HTTP, as contract."""
    import subprocess

    child = subprocess.Popen([sys.executable, "-m", "byod", *argv])
    while True:
        try:
            return child.wait()
        except KeyboardInterrupt:
            continue  # Ctrl-C reaches the child too: `record` compiles its journal, then ends


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["contract"]:
        return contract(argv[1:])
    if argv[:1] == ["engine-diff"]:  # a child interpreter too: mockserver never imports it
        import subprocess

        return subprocess.call([sys.executable, "-m", "enginediff", *argv[1:]])
    if argv[:2] == ["fixtures", "import"] or argv[:1] in (["diff"], ["record"]):
        return bring_your_own(argv[1:] if argv[0] == "fixtures" else argv)
    args = parser().parse_args(argv)
    try:
        if args.command == "serve":
            return serve(args)
        if args.command == "openapi":
            return openapi(args)
        if args.command == "demo":
            from . import demo

            return demo.run(args)
        return fixtures_generate(args)
    except StartupError as exc:
        command = args.command if args.command != "fixtures" else "fixtures generate"
        print(f"sops-mock {command}: error: {exc}", file=sys.stderr)
        return 2
