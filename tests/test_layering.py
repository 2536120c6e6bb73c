"""The import rules of DESIGN.md section 1, checked on the source."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = {"schemas", "fixtures", "simulator", "mockserver", "contract_tests", "tests", "bench"}
OURS |= {"enginediff"}
OURS |= {"byod"}
ALLOWED = {
    "schemas": set(),
    "fixtures": set(),
    "simulator": set(),
    "mockserver": {"simulator", "schemas", "fixtures"},
    "contract_tests": {"schemas", "mockserver", "fixtures"},
    "enginediff": {"simulator", "fixtures", "schemas", "mockserver"},
    "byod": {"schemas", "mockserver", "fixtures", "simulator", "contract_tests"},
}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & OURS


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_what_design_allows(package):
    offenders: dict[str, list[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        bad = imported_packages(path) - ALLOWED[package] - {package}
        if bad:
            offenders[str(path.relative_to(ROOT))] = sorted(bad)
    assert offenders == {}


def test_simulator_uses_only_the_standard_library():
    import sys

    stdlib = set(sys.stdlib_module_names)
    offenders: dict[str, list[str]] = {}
    for path in sorted((ROOT / "simulator").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module.split(".")[0]]
            bad = [n for n in names if n not in stdlib and n != "simulator"]
            if bad:
                offenders.setdefault(str(path.relative_to(ROOT)), []).extend(bad)
    assert offenders == {}
