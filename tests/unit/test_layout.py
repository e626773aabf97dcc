"""The layout keeps its promises: each process kind its own package, no import
circles, the gateway kept apart from the server, the workers and the database,
and the store the only code that runs SQL.

Imports are read from the source (every ``import``, at module level or inside
a function), so a lazy import counts as much as any other.
"""

from __future__ import annotations

import ast
import pathlib
import re

SRC = pathlib.Path(__file__).resolve().parents[2] / "src"
CLIENT = SRC.parent / "clients" / "python" / "src" / "ilios"


def _module_name(path: pathlib.Path, root: pathlib.Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(["ilios", *parts])


def _modules() -> dict[str, pathlib.Path]:
    found = {_module_name(p, SRC): p for p in SRC.rglob("*.py")}
    found.update(
        {_module_name(p, CLIENT): p for p in CLIENT.rglob("*.py") if "/v1/" not in p.as_posix()}
    )
    return found


def _imports(path: pathlib.Path, name: str) -> set[str]:
    """Every module ``path`` imports, as absolute names."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            out.add(base)
            out.update(f"{base}.{alias.name}" for alias in node.names)
    return out


def _graph() -> dict[str, set[str]]:
    """Each Ilios module and the Ilios modules it imports."""
    modules = _modules()
    return {
        name: {dep for dep in _imports(path, name) if dep in modules and dep != name}
        for name, path in modules.items()
    }


def test_the_gateway_imports_neither_the_server_the_workers_nor_the_database():
    forbidden = ("ilios.server", "ilios.worker", "ilios.store", "apsw")
    offences = {
        name: sorted(d for d in _imports(path, name) if d.startswith(forbidden))
        for name, path in _modules().items()
        if name.startswith("ilios.gateway")
    }
    assert {k: v for k, v in offences.items() if v} == {}
    assert len(offences) >= 8  # the gateway's modules were found


def test_the_server_and_the_workers_do_not_import_the_gateway_or_each_other():
    for name, path in _modules().items():
        imported = _imports(path, name)
        if name.startswith("ilios.server"):
            assert not {d for d in imported if d.startswith(("ilios.gateway", "ilios.worker"))}
        if name.startswith("ilios.worker"):
            assert not {d for d in imported if d.startswith(("ilios.gateway", "ilios.server"))}


def test_no_import_circle():
    graph = _graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for dep in graph[node]:
            if dep not in index:
                visit(dep)
                low[node] = min(low[node], low[dep])
            elif dep in on_stack:
                low[node] = min(low[node], index[dep])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    assert circles == []


# --- one owner of the database ----------------------------------------------------

STORE = SRC / "store"
SQL_CALLS = {"execute", "one", "execute_many", "iterate"}
_QUERY_NAME = re.compile(r"^-- (\w+) --\s*$", re.MULTILINE)


def _query_names() -> set[str]:
    """Every named query of every backend (``store/sql/<backend>/queries.sql``)."""
    names: set[str] = set()
    for path in STORE.glob("sql/*/queries.sql"):
        names.update(_QUERY_NAME.findall(path.read_text()))
    return names


def _outside_the_store() -> dict[str, pathlib.Path]:
    return {
        name: path
        for name, path in _modules().items()
        if path.is_relative_to(SRC) and not path.is_relative_to(STORE)
    }


def test_nothing_outside_the_store_runs_sql():
    """No module outside ``src/store`` calls ``.execute(``, ``.one(``,
    ``.execute_many(`` or ``.iterate(`` on anything."""
    offences = []
    for name, path in _outside_the_store().items():
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in SQL_CALLS
            ):
                offences.append(f"{name}:{node.lineno} .{node.func.attr}(")
    assert offences == []


def test_nothing_outside_the_store_names_a_query():
    names = _query_names()
    assert {"claim_job", "put_page", "insert_documents"} <= names  # the files were found
    offences = []
    for name, path in _outside_the_store().items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and node.value in names:
                offences.append(f"{name}:{node.lineno} {node.value!r}")
    assert offences == []


def test_every_backend_names_the_same_queries():
    backends = {path.parent.name: path for path in STORE.glob("sql/*/queries.sql")}
    assert "sqlite" in backends
    named = {b: set(_QUERY_NAME.findall(p.read_text())) for b, p in backends.items()}
    assert all(names == named["sqlite"] for names in named.values())


def test_the_store_public_face_is_sorted_and_complete():
    """``ilios.store.__all__`` in ruff's order: constants, classes, then functions."""
    import ilios.store

    def kind(name: str) -> int:
        if name.isupper():
            return 0
        return 1 if name[0].isupper() else 2

    names = ilios.store.__all__
    assert names == sorted(names, key=lambda n: (kind(n), n))
    for name in names:
        assert hasattr(ilios.store, name), name


def test_the_benchmarks_name_files_that_exist():
    """A bench script that runs a sibling (``with_name("x.py")``) finds it: a
    rename that misses one breaks only the full run, which no test makes."""
    bench = SRC.parent / "bench"
    named = {
        (script.name, match)
        for script in bench.glob("*.py")
        for match in re.findall(r'with_name\("([^"]+\.py)"\)', script.read_text())
    }
    assert named, "expected at least one bench script to run a sibling"
    assert [(s, n) for s, n in sorted(named) if not (bench / n).exists()] == []
