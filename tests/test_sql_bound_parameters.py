"""All SQL goes through bound parameters: no value is ever pasted into an SQL string.

The test reads every module of the package (``cstrainer/**/*.py``, migrations included) and finds
each string that is built by an f-string, ``%`` or ``.format()`` and starts like an SQL statement
(SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, ALTER, PRAGMA, WITH). Whatever is interpolated
into it must be in ``ALLOWED``: identifiers (table, column, index and trigger names) that come
from the code itself, never from a person or a file. Identifiers cannot be bound parameters, so
these few are the only exceptions; values go through ``:name`` parameters (``text(...)``,
``bindparams``) or SQLAlchemy expressions. A new interpolation fails this test until it is
either rewritten with a bound parameter or, if it truly is an identifier, added here with the
reason.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "cstrainer"

SQL_START = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|PRAGMA|WITH)\b", re.IGNORECASE)

# (module path relative to cstrainer/, interpolated expression) -> where its value comes from
ALLOWED: dict[tuple[str, str], str] = {
    ("services/demo_data.py", "table"): "Model.__tablename__ of four ORM models (sequence reset)",
    ("services/phrases.py", "table"): "Model.__tablename__ of the phrase tables (FTS5 table name)",
    ("storage/database.py", "name.replace(chr(34), chr(34) * 2)"): (
        "table names read from the file's own sqlite_master, quoted as SQL identifiers"
    ),
    ("storage/migrations/versions/0007_compliance_fulltext.py", "table"): "the fixed _FTS_TABLES tuple",
    ("storage/migrations/versions/0007_compliance_fulltext.py", "fts"): "f'{table}_fts' of the same",
    ("storage/migrations/versions/0007_compliance_fulltext.py", "col"): "the literal 'search' or 'initials'",
    ("storage/migrations/versions/0007_compliance_fulltext.py", "source"): "a fixed column name",
    ("storage/migrations/versions/0007_compliance_fulltext.py", "suffix"): "trigger suffixes ai/ad/au",
    ("storage/migrations/versions/0009_assignments_growth.py", "assignments"): (
        "'col = :col' pairs over the fixed _DIMENSIONS column names; the values are bound"
    ),
}


def _sql_interpolations(tree: ast.AST) -> list[tuple[int, str, str]]:
    """(line, SQL text start, interpolated expression) for each string-built SQL statement."""
    found: list[tuple[int, str, str]] = []
    inner: set[int] = set()  # the nested parts of an a + b + c chain already looked at
    for node in ast.walk(tree):
        literal: str | None = None
        exprs: list[ast.expr] = []
        if isinstance(node, ast.JoinedStr):
            literal = "".join(str(v.value) for v in node.values if isinstance(v, ast.Constant))
            exprs = [v.value for v in node.values if isinstance(v, ast.FormattedValue)]
        elif (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.Mod)
            and isinstance(node.left, ast.Constant)
            and isinstance(node.left.value, str)
        ):
            literal = node.left.value
            right = node.right
            exprs = list(right.elts) if isinstance(right, ast.Tuple) else [right]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "format"
            and isinstance(node.func.value, ast.Constant)
            and isinstance(node.func.value.value, str)
        ):
            literal = node.func.value.value
            exprs = [*node.args, *(k.value for k in node.keywords)]
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and id(node) not in inner:
            # "SELECT ... " + value + "...": flatten the chain; its left-most part starts the SQL
            parts: list[ast.expr] = []
            stack: list[ast.expr] = [node]
            while stack:
                part = stack.pop()
                if isinstance(part, ast.BinOp) and isinstance(part.op, ast.Add):
                    inner.add(id(part))
                    stack += [part.right, part.left]
                else:
                    parts.append(part)
            first = parts[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                literal = first.value
                exprs = [p for p in parts[1:] if not isinstance(p, ast.Constant)]
        if literal is not None and exprs and SQL_START.match(literal):
            found += [(node.lineno, literal[:60], ast.unparse(e)) for e in exprs]
    return sorted(found)


def test_sql_strings_only_interpolate_allowed_identifiers() -> None:
    bad: list[str] = []
    used: set[tuple[str, str]] = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, sql, expr in _sql_interpolations(tree):
            if (rel, expr) in ALLOWED:
                used.add((rel, expr))
            else:
                bad.append(f"cstrainer/{rel}:{line}: {{{expr}}} pasted into {sql!r}")
    assert not bad, "SQL built from values (use a bound :parameter instead):\n" + "\n".join(bad)
    stale = sorted(set(ALLOWED) - used)
    assert not stale, f"allow-list entries no longer used (remove them): {stale}"


def test_the_scanner_catches_each_way_of_pasting_values() -> None:
    code = """
login = input()
a = text(f"SELECT * FROM users WHERE login = '{login}'")
b = "DELETE FROM users WHERE id = %s" % login
c = "UPDATE users SET name = '{}'".format(login)
d = "SELECT * FROM users WHERE login = '" + login + "'"
e = f"用户 {login} 不存在"  # a message, not SQL
f = text("SELECT * FROM users WHERE login = :login")
"""
    hits = _sql_interpolations(ast.parse(code))
    assert [line for line, _, _ in hits] == [3, 4, 5, 6]
    assert all("login" in expr for _, _, expr in hits)
