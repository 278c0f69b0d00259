"""The package's shape: imports run downhill, no circles, small modules in small folders,
one name per class.

The layers follow the data path, lowest first; folders of one rank sit side by side and
neither imports the other:

0. the base modules (errors, settings, files, streams)
1. ``language`` (the grammar, chords, charts as text) and ``midi`` (status bytes, ports,
   the synth)
2. ``model`` (the LSTM step) and ``listening`` (the musician's chords, turns, knobs)
3. ``learning`` (corpus to weights) and ``sampling`` (the generator's value stream)
4. ``performance`` (how written notes are played: swing, accents, the time feel)
5. ``band`` (the parts and the ensemble: timed notes)
6. ``timing`` (the scheduler, clock following), ``rendering`` (files) and ``analysis``
7. ``commands`` (with ``improv.cli``)

A module may import its own folder and any rank below it, never one above or beside
it. Function-level (lazy) imports count too: deferring an import does not change which
way it points.
"""

from __future__ import annotations

import ast
import tomllib
from collections import Counter
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "improv"
MAX_LINES = 400
MAX_MODULES = 15  # per folder, its __init__ aside

BASE = {"improv", "improv.errors", "improv.settings", "improv.files", "improv.streams"}
RANK = {"base": 0, "language": 1, "midi": 1, "model": 2, "listening": 2, "learning": 3,
        "sampling": 3, "performance": 4, "band": 5, "timing": 6, "rendering": 6, "analysis": 6,
        "commands": 7}


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer_of(module: str) -> str:
    if module in BASE:
        return "base"
    if module == "improv.cli":
        return "commands"
    return module.split(".")[1]


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The improv modules ``path`` imports anywhere in it (``from a import b`` counts as
    ``a.b`` when that is a module, else as ``a``)."""
    return imports_in(path.read_text(encoding="utf-8"), known, str(path))


def imports_in(source: str, known: set[str], path: str = "<source>") -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("improv"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("improv"):
            assert node.level == 0, f"{path}: relative import (the package uses absolute ones)"
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in known else node.module)
    return {m for m in found if m in known}


def graph() -> dict[str, set[str]]:
    mods = modules()
    return {name: imports_of(path, set(mods)) - {name} for name, path in mods.items()}


def test_every_module_belongs_to_a_known_layer():
    for name in modules():
        assert layer_of(name) in RANK, f"{name} is in no layer: add its folder to RANK"


def wrong_imports(g: dict[str, set[str]]) -> list[str]:
    """The imports of ``g`` that run uphill or sideways."""
    wrong = []
    for module, targets in g.items():
        here = layer_of(module)
        for target in targets:
            there = layer_of(target)
            if target == "improv" or here == there:
                continue
            if RANK[there] >= RANK[here]:
                wrong.append(f"{module} ({here}) imports {target} ({there})")
    return wrong


def test_imports_run_downhill():
    wrong = wrong_imports(graph())
    assert not wrong, "imports that run uphill or sideways:\n" + "\n".join(wrong)


def test_only_the_command_layer_reads_the_config():
    readers = {m for m, targets in graph().items() if "improv.commands.config" in targets}
    assert readers and all(layer_of(m) == "commands" for m in readers)


def circles_in(g: dict[str, set[str]]) -> list[str]:
    seen, on_stack, circles = set(), set(), []

    def visit(node, path):
        seen.add(node)
        on_stack.add(node)
        for nxt in sorted(g[node]):
            if nxt == "improv":
                continue
            if nxt in on_stack:
                circles.append(" -> ".join(path[path.index(nxt):] + [nxt]))
            elif nxt not in seen:
                visit(nxt, path + [nxt])
        on_stack.discard(node)

    for node in sorted(g):
        if node not in seen:
            visit(node, [node])
    return circles


def test_no_import_circles():
    circles = circles_in(graph())
    assert not circles, "import circles:\n" + "\n".join(circles)


def test_folders_are_small():
    counts = Counter(path.parent.relative_to(PACKAGE).as_posix()
                     for path in PACKAGE.rglob("*.py") if path.name != "__init__.py")
    large = {folder: n for folder, n in counts.items() if n > MAX_MODULES}
    assert not large, f"folders over {MAX_MODULES} modules (split them by job): {large}"


LAZY_UPHILL = """
def play():
    from improv.timing.scheduler import Scheduler
"""


@pytest.mark.parametrize("module, source, found", [
    ("improv.band.part", LAZY_UPHILL, "uphill"),  # band (4) below timing (5), and lazy
    ("improv.timing.sync", "from improv.rendering.midifile import render\n", "sideways"),
    ("improv.midi.ports", "import improv.language.harmony\n", "sideways"),
    ("improv.language.grammar", "from improv.commands import config\n", "uphill"),
])
def test_the_checker_refuses_uphill_sideways_and_lazy_imports(module, source, found):
    known = set(modules())
    g = {module: imports_in(source, known) - {module}}
    assert g[module] and len(wrong_imports(g)) == 1, found


def test_the_checker_finds_a_circle():
    g = {"improv.band.part": {"improv.band.note"}, "improv.band.note": {"improv.band.part"}}
    assert circles_in(g) == ["improv.band.note -> improv.band.part -> improv.band.note"]


def test_modules_are_small():
    long = {name: n for name, path in modules().items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def test_no_two_classes_share_a_name():
    names = Counter()
    where = {}
    for name, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                names[node.name] += 1
                where.setdefault(node.name, []).append(name)
    twice = {n: where[n] for n, count in names.items() if count > 1}
    assert not twice, f"class names used more than once: {twice}"


def test_the_wheel_lists_every_package_folder():
    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    folders = {module_name(p.parent / "__init__.py") for p in PACKAGE.rglob("__init__.py")}
    assert listed == folders | {"improv.data"}


def test_test_helpers_are_not_in_the_package():
    assert not (PACKAGE / "randmodel.py").exists()


@pytest.mark.parametrize("module", ["improv.commands.config", "improv.sampling.soloist",
                                    "improv.timing.sync", "improv.band.ensemble"])
def test_the_checker_sees_real_imports(module):
    # guards the test itself: these modules do import lower layers
    assert graph()[module]
