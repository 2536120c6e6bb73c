"""`python -m mockserver`: `sops-mock serve`; a first argument naming a subcommand runs that."""

import sys

from .cli import COMMANDS, main

argv = sys.argv[1:]
if not argv or argv[0] not in (*COMMANDS, "--version"):
    argv = ["serve", *argv]
sys.exit(main(argv))
