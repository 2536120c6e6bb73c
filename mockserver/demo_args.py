"""The flags of `sops-mock demo`, apart from the tour so that building the parser stays cheap."""

from __future__ import annotations

import argparse

from . import flags


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--url",
        type=flags.http_url,
        default=None,
        help="base URL of a running mock to tour (default: a mock in this process)",
    )
    p.add_argument(
        "--pace",
        type=flags.non_negative_float,
        default=0.7,
        help="wall seconds between frames (0: no wait)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the in-process mock")
    p.add_argument("--app-code", default="sops-mock-demo", help="app code the tour calls as")
    p.add_argument("--app-secret", default=None, help="app secret, for a mock with strict auth")
    p.add_argument("--username", default="admin", help="user the tour calls as")
    p.add_argument("--control-token", default=None, help="the mock's --control-token, if any")
    p.add_argument(
        "--keep", action="store_true", help="keep the in-process mock serving at the end"
    )
