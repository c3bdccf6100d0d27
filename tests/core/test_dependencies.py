"""The runtime lock is complete on its own and holds no development tool (docs/style.md)."""

from __future__ import annotations

import importlib.metadata as md
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
DEV_TOOLS = {"pytest", "mypy", "ruff", "playwright", "py-spy", "pyinstrument", "bandit"}


def _pins(name: str) -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (ROOT / name).read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            package, version = line.strip().split("==")
            pins[canonicalize_name(package)] = version
    return pins


def _declared() -> dict[str, list[str]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {"runtime": project["dependencies"], "dev": project["optional-dependencies"]["dev"]}


def _closure(declared: list[str]) -> set[str]:
    """Every installed distribution that ``declared`` (pyproject.toml requirements) needs."""
    seen: dict[str, set[str]] = {}
    stack = [Requirement(r) for r in declared]
    while stack:
        req = stack.pop()
        name = canonicalize_name(req.name)
        if name in seen and set(req.extras) <= seen[name]:
            continue
        seen[name] = seen.get(name, set()) | set(req.extras)
        for spec in md.distribution(req.name).requires or []:
            sub = Requirement(spec)
            extras = [""] + sorted(seen[name])
            if sub.marker is None or any(sub.marker.evaluate({"extra": e}) for e in extras):
                stack.append(sub)
    return set(seen)


def test_runtime_lock_pins_exactly_what_the_runtime_needs() -> None:
    runtime = _pins("requirements.lock")
    needed = _closure(_declared()["runtime"])
    assert needed - set(runtime) == set(), "runtime needs packages missing from requirements.lock"
    assert set(runtime) - needed == set(), "requirements.lock pins packages the runtime never uses"
    assert not DEV_TOOLS & set(runtime)


def test_dev_lock_adds_the_tools_on_top_of_the_runtime_lock() -> None:
    text = (ROOT / "requirements-dev.lock").read_text().splitlines()
    assert [line for line in text if not line.startswith("#")][0] == "-r requirements.lock"
    dev = _pins("requirements-dev.lock")
    assert DEV_TOOLS <= set(dev)
    runtime = _pins("requirements.lock")
    assert not set(dev) & set(runtime), "a package is pinned in both locks"
    # Exactly the development tools of pyproject.toml and what they need beyond the runtime.
    assert set(dev) == _closure(_declared()["dev"]) - set(runtime)
    for name, version in {**_pins("requirements.lock"), **dev}.items():
        installed = md.version(name)
        assert installed == version, f"{name}: installed {installed}, pinned {version}"
