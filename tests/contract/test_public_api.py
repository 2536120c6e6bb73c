"""The contract kit uses schemathesis through its public modules only."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
# What schemathesis's own documentation imports from; its `core`, `engine`, `generation`,
# `specs` and `transport` packages change without notice.
PUBLIC = {"schemathesis", "schemathesis.checks", "schemathesis.errors", "schemathesis.pytest"}


def schemathesis_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "schemathesis"}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found |= {node.module} if node.module.split(".")[0] == "schemathesis" else set()
    return found


def test_the_contract_kit_imports_only_public_schemathesis_modules():
    used = {
        str(path.relative_to(ROOT)): sorted(schemathesis_imports(path) - PUBLIC)
        for path in sorted((ROOT / "contract_tests").rglob("*.py"))
    }
    assert {name: bad for name, bad in used.items() if bad} == {}
    assert any(schemathesis_imports(p) for p in (ROOT / "contract_tests").rglob("*.py"))
