"""Move core's flat modules into packages and rewrite every import and dotted reference."""
import ast
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path.cwd()
PKG = {
    "ingest": ["ingest:files", "fetch", "fetch_plan", "sources", "parsers", "speakers"],
    "storage": ["store", "schema", "locks", "vectors", "search", "object_store"],
    "analysis": ["analyze", "sentences", "sentiment", "call_prep", "cues",
                 "lexicon", "metrics", "topics", "discovered_topics", "amounts", "guidance", "guidance_runs",
                 "target_periods", "ray_analysis", "ray_cluster", "repair", "specificity", "measures",
                 "aggregates"],
    "queries": ["views", "rollups", "compare", "export", "digest", "analysts", "analyst_identity",
                "question_themes", "question_terms", "guidance_links"],
    "work": ["jobs", "tasks", "worker", "watch"],
}
EXTRA = dict(a.split("=") for a in sys.argv[1:])  # name=pkg for modules added since
for name, pkg in EXTRA.items():
    PKG.setdefault(pkg, []).append(name)
MOVE = {}
for p, ms in PKG.items():
    for m in ms:
        old, _, new = m.partition(":")
        if (ROOT / "core" / old).is_dir() or (ROOT / "core" / f"{old}.py").exists():
            MOVE[f"core.{old}"] = f"core.{p}.{new or old}"
MEMBERS = {".".join(n.split(".")[:3]) for n in MOVE.values()}
DATA = {"metrics": ["metrics.toml"], "topics": ["taxonomy.toml"]}


def new_name(old: str) -> str:
    if ".".join(old.split(".")[:3]) in MEMBERS:  # already a new name
        return old
    for o, n in sorted(MOVE.items(), key=lambda kv: -len(kv[0])):
        if old == o or old.startswith(o + "."):
            return n + old[len(o):]
    return old


def modname(path: pathlib.Path) -> str:
    parts = list(path.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def is_module(name: str) -> bool:
    p = ROOT / pathlib.Path(*name.split("."))
    return p.with_suffix(".py").exists() or (p / "__init__.py").exists()


def absolute(cur: str, is_pkg: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = cur.split(".") if is_pkg else cur.split(".")[:-1]
    base = base[:len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def relative(cur_new: str, is_pkg: bool, target: str) -> str:
    here = cur_new.split(".") if is_pkg else cur_new.split(".")[:-1]
    tgt = target.split(".")
    common = 0
    while common < min(len(here), len(tgt)) and here[common] == tgt[common]:
        common += 1
    dots = "." * (len(here) - common + 1)
    return dots + ".".join(tgt[common:])


def rewrite_file(path: pathlib.Path, old_mod: str, new_mod: str) -> str:
    src = path.read_text()
    tree = ast.parse(src)
    is_pkg = path.name == "__init__.py"
    in_core = old_mod.split(".")[0] == "core"
    edits = []
    lines = src.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    pos = lambda ln, col: offsets[ln - 1] + len(lines[ln - 1].encode()[:col].decode())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            mod = absolute(old_mod, is_pkg, node)
            if not mod.startswith("core"):
                continue
            indent = " " * node.col_offset
            groups = {}  # new from-module -> names
            for a in node.names:
                full = f"{mod}.{a.name}"
                if a.name != "*" and is_module(full):  # a module imported by name
                    target = new_name(full)
                    parent, leaf = target.rsplit(".", 1)
                    alias = a.asname or (a.name if leaf != a.name else None)
                    groups.setdefault(parent, []).append(leaf + (f" as {alias}" if alias and alias != leaf else ""))
                else:
                    groups.setdefault(new_name(mod), []).append(a.name + (f" as {a.asname}" if a.asname else ""))
            stmts = []
            for target, names in groups.items():
                where = relative(new_mod, is_pkg, target) if (in_core and node.level) else target
                stmts.append(f"from {where} import {', '.join(names)}")
            old_text = src[pos(node.lineno, node.col_offset):pos(node.end_lineno, node.end_col_offset)]
            new_text = ("\n" + indent).join(stmts)
            if len(new_text) > 118 - len(indent) and len(stmts) == 1:
                where, names = stmts[0].split(" import ", 1)
                new_text = f"{where} import (\n{indent}    {names},\n{indent})" if len(names) < 100 else new_text
            if old_text != new_text:
                edits.append((pos(node.lineno, node.col_offset), pos(node.end_lineno, node.end_col_offset), new_text))
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("core.") and new_name(a.name) != a.name:
                    s, e = pos(node.lineno, node.col_offset), pos(node.end_lineno, node.end_col_offset)
                    edits.append((s, e, src[s:e].replace(a.name, new_name(a.name))))
    for s, e, text in sorted(edits, reverse=True):
        src = src[:s] + text + src[e:]
    return src


def dotted_refs(text: str) -> str:
    """core.x.y strings (monkeypatch targets, docs, -m targets) and core/x.py paths."""
    def dot(m):
        return new_name(m.group(0))
    text = re.sub(r"(?<![\w.])core(?:\.\w+)+", dot, text)
    def slash(m):
        old = m.group(1).replace("/", ".")
        mod = old[:-3] if old.endswith(".py") else old
        for o, n in MOVE.items():
            if mod == o or mod.startswith(o + "."):
                return new_name(mod).replace(".", "/") + (".py" if old.endswith(".py") else "") + m.group(2)
        return m.group(0)
    text = re.sub(r"(?<![\w/])(core/[\w/]+(?:\.py)?)((?:/)?)", slash, text)
    return text


def main():
    files = [pathlib.Path(p) for p in subprocess.check_output(["git", "ls-files", "*.py"], text=True).split()]
    files += [p for p in ROOT.glob("**/*.py") if ".venv" not in p.parts and p.relative_to(ROOT) not in files
              and "__pycache__" not in p.parts and ".git" not in p.parts]
    files = sorted({p.relative_to(ROOT) if p.is_absolute() else p for p in files})
    new_sources = {}
    for f in files:
        old_mod = modname(f)
        new_mod = new_name(old_mod) if old_mod.startswith("core") else old_mod
        new_sources[f] = dotted_refs(rewrite_file(ROOT / f, old_mod, new_mod))
    for f, text in new_sources.items():
        (ROOT / f).write_text(text)
    for pkg in PKG:
        (ROOT / "core" / pkg).mkdir(exist_ok=True)
    for old, new in MOVE.items():
        src = ROOT / pathlib.Path(*old.split("."))
        dst = ROOT / pathlib.Path(*new.split("."))
        is_file = src.with_suffix(".py").exists()
        src = src.with_suffix(".py") if is_file else src
        dst = dst.with_suffix(".py") if is_file else dst
        subprocess.check_call(["git", "mv", str(src), str(dst)])
        for data in DATA.get(old.split(".")[-1], []):
            subprocess.check_call(["git", "mv", f"core/{data}", str(dst.parent / data)])
    for other in ["README.md", "BENCHMARKS.md", "docs/scaling.md", "Makefile", "shared_notes"]:
        p = ROOT / other
        if p.exists():
            p.write_text(dotted_refs(p.read_text()))


main()
