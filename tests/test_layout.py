"""The package layout (README, "Layout"): one subpackage per concern, imports one way.

Reads the import statements of every module of ``src/crm_kg`` — those inside
functions included, so a cycle cannot hide in a late import — and checks:
no cycle between modules, no import against the layer order, at most eight
modules at the package root, no module name twice, no package named
``build``, a docstring saying what each subpackage may import, and no binary
or archive in the repository outside ``data/``.
"""

from __future__ import annotations

import ast
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "crm_kg"
BASICS = {"cli", "config", "errors", "iri", "media", "yamlio"}

# what each concern may import besides itself (the root basics always, cli never)
ALLOWED = {
    "sparql": {"sparql"},
    "store": {"sparql", "store"},
    "quality": {"sparql", "quality"},
    "pipeline": {"sparql", "store", "quality", "pipeline"},
    "web": {"sparql", "store", "quality", "pipeline", "web"},
}
BASIC_IMPORTS = {"errors": set(), "iri": set(), "media": set(), "config": {"errors"},
                 "yamlio": {"errors"}}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def import_graph() -> dict[str, set[str]]:
    """Module → the package's modules it imports (anywhere in the file)."""
    mods = modules()
    graph: dict[str, set[str]] = {}
    for name, path in mods.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    module = ".".join(base + ([node.module] if node.module else []))
                else:
                    module = node.module or ""
                targets = [f"{module}.{a.name}" if f"{module}.{a.name}" in mods else module
                           for a in node.names]
            for target in targets:
                while target and target not in mods and "." in target:
                    target = target.rsplit(".", 1)[0]
                if target in mods and target != name:
                    found.add(target)
        graph[name] = found
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def concern(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_the_import_graph_has_no_cycle():
    assert cycles(import_graph()) == []


def test_the_cycle_finder_finds_one():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_imports_point_down_the_layers():
    wrong = []
    for module, targets in import_graph().items():
        here = concern(module)
        for target in targets:
            there = concern(target)
            if there == "cli" and here != "cli":
                wrong.append(f"{module} imports the CLI")
            elif here in ALLOWED and there not in BASICS and there not in ALLOWED[here] and there:
                wrong.append(f"{module} imports {target}")
            elif here in BASIC_IMPORTS and there != here and there not in BASIC_IMPORTS[here]:
                wrong.append(f"{module} (a root basic) imports {target}")
    assert wrong == []


def test_the_root_holds_entry_points_and_basics_only():
    root = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__")
    assert len(root) <= 8, root
    assert set(root) <= BASICS, set(root) - BASICS


def test_no_module_name_twice_and_no_package_named_build():
    seen = defaultdict(list)
    for name, path in modules().items():
        if path.name != "__init__.py":
            seen[name.rsplit(".", 1)[-1]].append(name)
        else:
            seen[name.rsplit(".", 1)[-1]].append(name)
    twice = {k: v for k, v in seen.items() if len(v) > 1}
    assert twice == {}
    assert not any(p.name == "build" for p in PACKAGE.rglob("*") if p.is_dir())


def test_each_subpackage_says_what_it_owns_and_may_import():
    for init in PACKAGE.rglob("__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc, f"{init} has no docstring"
        if init.parent != PACKAGE:
            assert "May import" in doc or "may import" in doc, f"{init}: say what it may import"


def test_no_binary_or_archive_outside_data():
    try:
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                                check=True).stdout.split(b"\0")
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    found = []
    for raw in filter(None, listed):
        name = raw.decode("utf-8")
        path = ROOT / name
        if name.startswith("data/") or not path.is_file():
            continue
        head = path.read_bytes()[:8192]
        if path.stat().st_size > 1_000_000 or b"\0" in head or name.endswith(
                (".whl", ".zip", ".tar", ".gz", ".tgz", ".jar", ".so", ".exe")):
            found.append(name)
    assert found == []


def test_no_symlink_is_tracked():
    """A worktree's ``.venv``/``node_modules`` linked to another checkout was once committed
    (and replaced the real folders on merge): ``.gitignore`` now matches links too, and no
    tracked path is a symbolic link (git mode 120000)."""
    try:
        staged = subprocess.run(["git", "ls-files", "-s"], cwd=ROOT, capture_output=True, text=True,
                                check=True).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    assert [line.split("\t", 1)[1] for line in staged if line.startswith("120000")] == []
    ignored = subprocess.run(["git", "check-ignore", "--no-index", ".venv", "node_modules"], cwd=ROOT,
                             capture_output=True, text=True).stdout.split()
    assert ignored == [".venv", "node_modules"]


def test_every_module_run_alone_exists():
    """``make test`` runs the modules of conftest.SERIAL after the parallel part: a misspelt
    name would silently put a timing test back among the others."""
    from conftest import SERIAL

    assert sorted(name for name in SERIAL if not (ROOT / "tests" / name).is_file()) == []
