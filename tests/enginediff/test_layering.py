"""The real engine stays inside the differential tools (DESIGN.md section 6)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENGINE = {"bamboo_engine", "pipeline", "django", "celery", "kombu"}
# redis-py is the engine's broker client and the Redis store's (the `redis` extra): only there.
REDIS_STORE = ROOT / "mockserver" / "store" / "redis.py"


def imports(path, top_level_only):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_nothing_outside_enginediff_imports_the_real_engine():
    for package in ("simulator", "mockserver", "schemas", "fixtures", "contract_tests"):
        for path in (ROOT / package).rglob("*.py"):
            assert not imports(path, top_level_only=False) & ENGINE, path


def test_only_the_redis_store_and_the_real_side_import_redis():
    for package in ("simulator", "mockserver", "schemas", "fixtures", "contract_tests"):
        for path in (ROOT / package).rglob("*.py"):
            if path != REDIS_STORE:
                assert "redis" not in imports(path, top_level_only=False), path
    for path in (ROOT / "enginediff").rglob("*.py"):
        if "real" not in path.relative_to(ROOT / "enginediff").parts[:-1]:
            assert "redis" not in imports(path, top_level_only=False), path


def test_only_the_real_side_imports_the_engine_and_the_rest_of_enginediff_never_at_import_time():
    for path in (ROOT / "enginediff").rglob("*.py"):
        inside_real = "real" in path.relative_to(ROOT / "enginediff").parts[:-1]
        if not inside_real:
            assert not imports(path, top_level_only=False) & ENGINE, path
    # the package itself imports without the extra installed (the CLI says what is missing)
    for path in (ROOT / "enginediff").glob("*.py"):
        assert not imports(path, top_level_only=True) & ENGINE, path
