"""The generic engine knows nothing of the domain, and neither do its tests."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def is_the_domain(module: str) -> bool:
    return module.split(".")[0] == "commissioning"


def test_workflows_never_imports_commissioning():
    offenders = []
    for path in (ROOT / "workflows").rglob("*.py"):
        offenders += [f"{path.relative_to(ROOT)}: {n}" for n in imported_modules(path) if is_the_domain(n)]
    assert offenders == []


def test_the_engine_tests_never_import_commissioning_directly_or_through_another_test_module():
    """tests/workflows/ runs on its own test subject (tests/workflows/testapp). The benchmark package is not the
    domain: its stack of processes (`benchmarks.stack`) may be imported."""

    def test_module_file(module: str) -> Path | None:
        if module.split(".")[0] != "tests":
            return None
        base = ROOT.joinpath(*module.split("."))
        for candidate in (base.with_suffix(".py"), base / "__init__.py"):
            if candidate.is_file():
                return candidate
        return None

    offenders = []
    for start in sorted((ROOT / "tests" / "workflows").rglob("*.py")):
        seen, chain = {start}, [(start, [str(start.relative_to(ROOT))])]
        while chain:
            path, via = chain.pop()
            for module in imported_modules(path):
                if is_the_domain(module):
                    offenders.append(" -> ".join([*via, module]))
                found = test_module_file(module)
                if found is not None and found not in seen:
                    seen.add(found)
                    chain.append((found, [*via, str(found.relative_to(ROOT))]))
    assert offenders == []


PRODUCT = {"manage.py", "config", "commissioning", "workflows", "templates"}
BUILD_FILES = {"pyproject.toml", "uv.lock", "package.json", "package-lock.json"}
NEVER_SHIPPED = {"benchmarks", "tests"}


def dockerfile_instructions() -> list[list[str]]:
    """docker/Dockerfile's instructions, continuation lines joined, each split into words (comments left out)."""
    lines = [line for line in (ROOT / "docker" / "Dockerfile").read_text().splitlines() if not line.startswith("#")]
    joined = "\n".join(lines).replace("\\\n", " ")
    return [line.split() for line in joined.splitlines() if line.strip()]


def test_the_production_image_holds_the_product_and_never_the_benchmarks_or_the_tests():
    """The Dockerfile copies only the product from the build context and compiles only it; the build context leaves
    out benchmarks/ and tests/; and the product never imports them (config/urls.py names the benchmarks' baseline
    view by string, and only when BENCHMARK_BASELINE is on, which `make bench` sets from a checkout)."""
    instructions = dockerfile_instructions()
    copied = set()
    for words in instructions:
        if words[0].upper() != "COPY" or any(word.startswith("--from=") for word in words):
            continue  # a COPY --from another stage takes nothing from the build context
        sources = [word for word in words[1:] if not word.startswith("--")][:-1]
        copied |= set(sources)
    assert copied == BUILD_FILES | {"manage.py", "config/", "commissioning/", "workflows/", "templates/"}
    assert not {source.strip("/").split("/")[0] for source in copied} & NEVER_SHIPPED

    compiled = next(words for words in instructions if "compileall" in words)
    paths = compiled[compiled.index("compileall") + 1 :]
    paths = [word for word in paths if not word.startswith("-")]
    assert paths and set(paths) <= PRODUCT

    ignored = set((ROOT / "docker" / "Dockerfile.dockerignore").read_text().split())
    assert ignored >= NEVER_SHIPPED, "the build context leaves out the benchmarks and the tests"

    offenders = []
    for app in ("config", "commissioning", "workflows"):
        for path in (ROOT / app).rglob("*.py"):
            outside = [name for name in imported_modules(path) if name.split(".")[0] in NEVER_SHIPPED]
            offenders += [f"{path.relative_to(ROOT)}: {name}" for name in outside]
    assert offenders == []


# --------------------------------------------------------------------------------------------------------------
# No import circles, and modules a newcomer can hold
# --------------------------------------------------------------------------------------------------------------

PACKAGES = ("config", "commissioning", "workflows", "benchmarks")
MODULE_LINE_LIMIT = 400


def project_modules() -> dict[str, Path]:
    """Every module of the product and the benchmarks by dotted name (packages by their own name), migrations left
    out."""
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Module to the project modules it imports anywhere in it (at the top or inside a function), relative imports
    resolved; a package's imports of its own submodules (re-exports) are left out."""
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                wanted = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    base = ".".join([*parts, *([base] if base else [])])
                wanted = [base, *(f"{base}.{alias.name}" for alias in node.names)]
            else:
                continue
            for target in wanted:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name and not target.startswith(f"{name}."):
                    targets.add(target)
        graph[name] = targets
    return graph


def test_no_module_imports_itself_back_through_others():
    graph = import_graph(project_modules())
    circles = []
    for start in sorted(graph):
        stack = [(start, [start])]
        seen = set()
        while stack:
            node, path = stack.pop()
            for target in sorted(graph[node]):
                if target == start:
                    circles.append(" -> ".join([*path, start]))
                elif target not in seen:
                    seen.add(target)
                    stack.append((target, [*path, target]))
    assert circles == []


def test_every_module_stays_under_about_four_hundred_lines():
    long = {
        str(path.relative_to(ROOT)): lines
        for path in project_modules().values()
        if (lines := len(path.read_text().splitlines())) > MODULE_LINE_LIMIT
    }
    assert long == {}, f"split these along what they do: {long}"
