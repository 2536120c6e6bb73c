"""The `sops-mock` command: serve, openapi, fixtures generate, demo, contract."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from .settings import DEFAULT_VIRTUAL_START, Settings

COMMANDS = ("serve", "openapi", "fixtures", "demo", "contract")


def _serve_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("serve", help="run the mock server")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--clock", choices=["wall", "virtual"], default="wall")
    p.add_argument(
        "--speed", type=float, default=1.0, help="wall clock factor (10 = ten times faster)"
    )
    p.add_argument("--start", default=None, help="virtual clock start, ISO 8601 with offset")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--fixture", default="default", help="a packaged fixture name or a JSON file")
    p.add_argument("--auth", choices=["off", "lenient", "strict"], default="lenient")
    p.add_argument("--validate-responses", action="store_true")
    p.add_argument("--max-body-bytes", type=int, default=1024 * 1024)
    p.add_argument(
        "--max-state-bytes", type=int, default=256 * 1024 * 1024, help="PUT /__mock__/state"
    )
    p.add_argument("--app-host", default=None, help="base of task_url (default http://HOST:PORT/)")
    p.add_argument("--no-control", action="store_true", help="turn the /__mock__/ API off")
    p.add_argument(
        "--control-token", default=None, help="require 'Authorization: Bearer T' on /__mock__/"
    )
    p.add_argument(
        "--journal-size", type=int, default=1000, help="requests the journal keeps (0: none)"
    )
    p.add_argument(
        "--state-file",
        default=None,
        help="load this snapshot at start when it exists; write it on a clean shutdown",
    )
    p.add_argument("--log-level", default="info")


def settings_from(args: argparse.Namespace) -> Settings:
    start = datetime.fromisoformat(args.start) if args.start else DEFAULT_VIRTUAL_START
    return Settings(
        host=args.host,
        port=args.port,
        clock=args.clock,
        speed=args.speed,
        start=start,
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
    )


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .accesslog import MaskedAccessLog
    from .app import create_app
    from .gcpolicy import tune_for_serving
    from .wirefaults import ExposeTransport

    settings = settings_from(args)
    # ExposeTransport goes outermost: it needs uvicorn's own `send` to reach the connection.
    app = ExposeTransport(MaskedAccessLog(create_app(settings)))
    tune_for_serving()
    uvicorn.run(
        app, host=settings.host, port=settings.port, log_level=args.log_level, access_log=False
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
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="sops-mock", description="A local mock of the bk-sops task API."
    )
    sub = root.add_subparsers(dest="command", required=True)
    _serve_parser(sub)
    sub.add_parser("openapi", help="print the generated OpenAPI 3.1 document")
    fx = sub.add_parser("fixtures", help="fixture tools")
    fx_sub = fx.add_subparsers(dest="fixtures_command", required=True)
    gen = fx_sub.add_parser("generate", help="write a realistic fixture made with faker")
    gen.add_argument("--seed", type=int, default=0)
    gen.add_argument("--templates", type=int, default=10)
    gen.add_argument("-o", "--output", default=None)
    from . import demo

    demo.add_arguments(
        sub.add_parser("demo", help="a scripted tour of tasks running, in the terminal")
    )
    sub.add_parser(
        "contract",
        add_help=False,
        help="run the contract suite against --base-url (see sops-mock contract --help)",
    )
    return root


def contract(argv: Sequence[str]) -> int:
    """Run the contract suite in a child interpreter (mockserver never imports contract_tests)."""
    import subprocess

    return subprocess.call([sys.executable, "-m", "contract_tests", *argv])


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["contract"]:
        return contract(argv[1:])
    args = parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    if args.command == "openapi":
        return openapi(args)
    if args.command == "demo":
        from . import demo

        return demo.run(args)
    return fixtures_generate(args)
