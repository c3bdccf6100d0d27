"""The apps' dependency direction (docs/decisions/0001-app-layout-and-dependency-direction.md):
a module imports only from its own app, from apps below it, and from ``psp.core``; each arrow
that still runs upward is listed here with its reason, so a new one fails this test until
someone decides it in the record."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Low → high. A module may import its own layer and anything to its left.
LAYERS = [
    "psp.core",
    "psp.accounts",
    "sites",
    "engagements",
    "metrics",
    "dashboards",
    "notifications",
    "api",
    "psp.demo",
]
# Project plumbing any layer may use: the Celery application and settings.
PLUMBING = ("psp.celery", "psp.settings")

# (importing package prefix, imported layer): why the arrow runs upward.
ALLOWED_UPWARD = {
    ("sites.onboarding", "engagements"): "onboarding opens engagements and the milestone schedule",
    ("psp.accounts", "sites"): "an invitation grants site memberships (Invitation.sites)",
    ("psp.core.dataversion", "psp.accounts"): "type of the user a cached page is for (typing only)",
}


def _layer(module: str) -> str | None:
    for layer in sorted(LAYERS, key=len, reverse=True):
        if module == layer or module.startswith(layer + "."):
            return layer
    return None


def _modules() -> list[tuple[str, Path]]:
    found = []
    for layer in LAYERS:
        base = ROOT / layer.replace(".", "/")
        for path in base.rglob("*.py"):
            if "migrations" in path.parts:
                continue
            rel = path.relative_to(ROOT).with_suffix("")
            name = ".".join(rel.parts).removesuffix(".__init__")
            found.append((name, path))
    return found


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if _layer(node.module):
                names.append(node.module)
            else:  # e.g. ``from psp import demo``
                names.extend(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def upward_imports(modules: list[tuple[str, Path]]) -> set[tuple[str, str, str]]:
    """Every (module, imported module, imported layer) that points to a higher layer."""
    bad = set()
    for module, path in modules:
        own = _layer(module)
        assert own is not None
        for imported in _imports(path):
            if imported.startswith(PLUMBING):
                continue
            target = _layer(imported)
            if target is None or LAYERS.index(target) <= LAYERS.index(own):
                continue
            if any(
                (module == src or module.startswith(src + ".")) and target == layer
                for src, layer in ALLOWED_UPWARD
            ):
                continue
            bad.add((module, imported, target))
    return bad


def test_imports_run_only_toward_lower_layers_or_a_recorded_exception():
    assert upward_imports(_modules()) == set()


def test_every_recorded_exception_is_still_needed():
    """An exception nobody uses any more is removed from the list (and the record updated)."""
    used = set()
    for module, path in _modules():
        own = _layer(module)
        for imported in _imports(path):
            target = _layer(imported)
            if target and own and LAYERS.index(target) > LAYERS.index(own):
                for src, layer in ALLOWED_UPWARD:
                    if (module == src or module.startswith(src + ".")) and target == layer:
                        used.add((src, layer))
    assert used == set(ALLOWED_UPWARD)


def test_the_check_catches_an_upward_import(tmp_path):
    """The rule fails where it should: sites importing dashboards or the demo is reported, an
    import downward or of plumbing is not."""
    naughty = tmp_path / "naughty.py"
    naughty.write_text(
        "from dashboards.views import portfolio\n"
        "from psp import demo\n"
        "from sites.models import Site\n"
        "from psp.core import dataversion\n"
        "from psp.celery import app\n"
    )
    assert upward_imports([("sites.naughty", naughty)]) == {
        ("sites.naughty", "dashboards.views", "dashboards"),
        ("sites.naughty", "psp.demo", "psp.demo"),
    }
