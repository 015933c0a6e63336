"""The floors: an app imports only from lower floors (same floor is forbidden too). Read from the
source with ``ast``, every module of every app: tests, migrations and management commands included.

    core (1) → org, workdays (2) → ledger, enterprises (3) → policies, insight, open311 and any
    other app (4) → cockpit (5)

Reactions across floors go upward through signals sent on commit, never through an import."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FLOORS = {"core": 1, "org": 2, "workdays": 2, "ledger": 3, "enterprises": 3, "cockpit": 5}
OTHER_APP = 4  # policies, insight, open311 and every new app


def floors(root: Path) -> dict[str, int]:
    """Each app of the checkout (a folder with apps.py, and core) with its floor."""
    apps = {p.parent.name for p in root.glob("*/apps.py")} | ({"core"} if (root / "core").is_dir() else set())
    return {app: FLOORS.get(app, OTHER_APP) for app in apps}


def upward_imports(root: Path) -> list[str]:
    """``path:line: app (floor n) imports module (floor m)`` for every import of a module of the
    same or a higher floor than the importing app's."""
    floor = floors(root)
    found = []
    for app in sorted(floor):
        for path in sorted((root / app).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top in floor and top != app and floor[top] >= floor[app]:
                        where = f"{path.relative_to(root)}:{node.lineno}"
                        found.append(f"{where}: {app} (floor {floor[app]}) imports {name} (floor {floor[top]})")
    return found


def test_no_app_imports_from_its_own_floor_or_above():
    found = upward_imports(ROOT)
    assert not found, f"{len(found)} upward or sideways imports:\n" + "\n".join(found)


def test_the_check_finds_an_upward_a_sideways_and_a_hidden_import(tmp_path):
    for app in ("core", "org", "ledger", "enterprises", "visits"):
        (tmp_path / app / "migrations").mkdir(parents=True)
        (tmp_path / app / "apps.py").write_text("")
    (tmp_path / "core" / "views.py").write_text("from org.selectors import person_of\n")
    (tmp_path / "ledger" / "services.py").write_text("import enterprises.models\nfrom org import models\n")
    (tmp_path / "org" / "migrations" / "0002.py").write_text("def f():\n    from visits.models import Visit\n")
    (tmp_path / "visits" / "views.py").write_text("from . import models\nfrom ledger.services import item_open\n")
    assert upward_imports(tmp_path) == [
        "core/views.py:1: core (floor 1) imports org.selectors (floor 2)",
        "ledger/services.py:1: ledger (floor 3) imports enterprises.models (floor 3)",
        "org/migrations/0002.py:2: org (floor 2) imports visits.models (floor 4)",
    ]
