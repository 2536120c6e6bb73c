"""One home for bk-sops's result codes: the envelope schema, the mock and the suite agree."""

from __future__ import annotations

import ast
from pathlib import Path

import contract_tests.checks
import mockserver.errors
import schemas
from schemas import codes

ROOT = Path(__file__).resolve().parent.parent.parent
NAMES = (
    "SUCCESS",
    "REQUEST_PARAM_INVALID",
    "REQUEST_FORBIDDEN_INVALID",
    "CONTENT_NOT_EXIST",
    "INVALID_OPERATION",
    "OPERATION_FAIL",
    "VALIDATION_ERROR",
    "UNKNOWN_ERROR",
)


def test_documented_codes_are_the_envelope_schemas():
    envelope = schemas.schema_by_id("urn:sops-mock:common/envelope")
    assert frozenset(envelope["$defs"]["error_code"]["enum"]) == codes.DOCUMENTED_CODES
    assert codes.SUCCESS not in codes.DOCUMENTED_CODES


def test_the_mock_and_the_suite_use_the_same_names():
    for name in NAMES:
        assert getattr(mockserver.errors, name) == getattr(codes, name)
        if hasattr(contract_tests.checks, name):
            assert getattr(contract_tests.checks, name) == getattr(codes, name)


def test_no_other_module_defines_a_result_code():
    """A 35xxxxx number bound to a name outside schemas/codes.py is a second registry."""
    offenders = []
    for package in ("schemas", "mockserver", "contract_tests", "simulator", "fixtures"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if path == ROOT / "schemas" / "codes.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Assign | ast.AnnAssign):
                    continue
                value = node.value
                if isinstance(value, ast.Constant) and value.value in codes.DOCUMENTED_CODES:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []
