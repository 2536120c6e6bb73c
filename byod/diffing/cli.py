from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sub.add_parser("diff", prog="sops-mock diff")


def run(args: argparse.Namespace) -> int:
    raise NotImplementedError
