"""The loader reads its data through importlib.resources, so it works from an installed copy."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import schemas

PACKAGE = Path(schemas.__file__).resolve().parent

PROBE = """
import json, schemas
assert ".zip" in schemas.__file__, schemas.__file__
names = schemas.operation_names()
checked = 0
for op in names:
    for kind, name, instance in schemas.examples(op):
        assert schemas.validate(op, kind, instance) is None, (op, name)
        checked += 1
paths = len(schemas.build_openapi()["paths"])
print(json.dumps({"ids": len(schemas.schema_ids()), "examples": checked, "paths": paths}))
"""


def test_package_works_from_a_zip_archive(tmp_path):
    archive = tmp_path / "schemas.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted(PACKAGE.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                zipped.write(path, Path("schemas") / path.relative_to(PACKAGE))
    env = {**os.environ, "PYTHONPATH": str(archive)}
    run = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    examples = sum(len(schemas.examples(op)) for op in schemas.operation_names())
    assert run.stdout.strip() == (
        f'{{"ids": {len(schemas.schema_ids())}, "examples": {examples}, '
        f'"paths": {len(schemas.OPERATIONS)}}}'
    )
