"""Project rule: pollen/domain is plain Python; nothing in it may import Django or the apps."""

import ast
from pathlib import Path

DOMAIN = Path(__file__).resolve().parents[2] / "pollen" / "domain"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_domain_module_imports_django_or_an_app():
    offenders = {}
    for path in sorted(DOMAIN.rglob("*.py")):
        bad = {
            name
            for name in imported_modules(path)
            if name.split(".")[0] == "django"
            or (name.startswith("pollen.") and not name.startswith("pollen.domain"))
        }
        if bad:
            offenders[str(path.relative_to(DOMAIN))] = sorted(bad)
    assert offenders == {}


def test_the_check_itself_sees_a_django_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from django.db import models\nimport pollen.applications.models\n")
    assert imported_modules(sample) == {"django.db", "pollen.applications.models"}
