#!/usr/bin/env python3
"""Print each crate's module import graph and fail on a cycle.

A node is a source file (a module with a file of its own); inline modules (`mod tests { … }`)
belong to their file. A file imports another when its code names a path into it: `use
crate::a::b`, `crate::a::f()`, `super::x`, `self::x`, a `pub use` of a child included. Declaring
a child (`mod x;`) is not an import: a parent holds its children. Comments and string literals
are skipped. A path resolves to the deepest file module it names (`crate::a::b::T` is `a/b.rs`
when that file exists, else `a.rs` or `a/mod.rs`), and a path that starts with a name a `use`
bound goes on from where that `use` leads. Paths into other crates are not edges here (cargo
refuses cycles between crates' normal dependencies). Not read: `#[path]` attributes on `mod`
(none in this workspace) and macro calls (`m!()` is no edge).

Usage: scripts/module_cycles.py [--quiet]   (from anywhere in the workspace; exit 1 on a cycle)
"""

import json
import os
import re
import subprocess
import sys

PATH_RE = re.compile(r"\b(crate|super|self)((?:::[A-Za-z_][A-Za-z0-9_]*)+|::\{)")
NAMED_PATH_RE = re.compile(r"(?<![A-Za-z0-9_:])([a-z_][a-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)+)")
INLINE_MOD_RE = re.compile(r"^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+([a-z_][a-z0-9_]*)\s*\{")


def strip_code(text):
    """The text with comments and string/char literals blanked, line breaks kept."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    out.append("\n" if text[i] == "\n" else "")
                    i += 1
        elif c == "r" and re.match(r'r#*"', text[i:i + 10]) and (
            i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_") or (text[i - 1] == "b" and (i == 1 or not (text[i - 2].isalnum() or text[i - 2] == "_")))
        ):
            hashes = re.match(r"r(#*)\"", text[i:]).group(1)
            end = text.find('"' + hashes, i + 2 + len(hashes))
            end = n if end < 0 else end + 1 + len(hashes)
            out.append('""' + "\n" * text[i:end].count("\n"))
            i = end
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append('""' + "\n" * text[i:j + 1].count("\n"))
            i = j + 1
        elif c == "'" and re.match(r"'(\\.|[^\\'])'", text[i:i + 4]) or text.startswith("'\\u{", i):
            j = text.find("'", i + 2)
            out.append("' '")
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def expand_use(tree):
    """`a::{b, c::{d as e}}` -> [('a::b', 'b'), ('a::c::d', 'e')]: each path with the name it binds."""
    tree = re.sub(r"\s*(::|\{|\}|,)\s*", r"\1", tree.strip())
    if "{" not in tree:
        m = re.match(r"^(.*?)(?:\s+as\s+(\w+))?$", tree)
        path = m.group(1)
        return [(path, m.group(2) or path.split("::")[-1])]
    brace = tree.index("{")
    prefix, inner = tree[:brace], tree[brace + 1:tree.rindex("}")]
    depth, start, parts = 0, 0, []
    for k, ch in enumerate(inner):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(inner[start:k])
            start = k + 1
    parts.append(inner[start:])
    result = []
    for p in parts:
        if p:
            for path, bound in expand_use(p):
                if path == "self":  # `a::{self}` binds `a`
                    result.append((prefix.rstrip(":"), prefix.rstrip(":").split("::")[-1]))
                else:
                    result.append((prefix + path, bound))
    return result


def file_modules(src_root):
    """{module path tuple: file} for the crate whose root file is src_root."""
    mods = {(): src_root}

    def walk(path_tuple, file):
        here = os.path.dirname(file)
        base = os.path.basename(file)
        child_dir = here if base in ("mod.rs", "lib.rs", "main.rs") or file == src_root else os.path.join(here, base[:-3])
        code = strip_code(open(file, encoding="utf-8").read())
        for m in re.finditer(r"^\s*(?:#\[[^\]]*\]\s*)*(?:pub(?:\([^)]*\))?\s+)?mod\s+([a-z_][a-z0-9_]*)\s*;", code, re.M):
            name = m.group(1)
            for cand in (os.path.join(child_dir, name + ".rs"), os.path.join(child_dir, name, "mod.rs")):
                if os.path.exists(cand):
                    mods[path_tuple + (name,)] = cand
                    walk(path_tuple + (name,), cand)
                    break

    walk((), src_root)
    return mods


DEF_RE = re.compile(
    r"^\s*(?:pub(?:\([^)]*\))?\s+)?(?:(?:async|const|unsafe|extern)\s+)*(?:fn|struct|enum|trait|type|const|static|union)\s+([A-Za-z_][A-Za-z0-9_]*)"
    r"|^\s*macro_rules!\s*([A-Za-z_][A-Za-z0-9_]*)",
    re.M,
)


class ModInfo:
    """What one file says: the paths it names (with the module they are named from), the
    items it defines, and what it re-exports (`pub use`)."""

    def __init__(self, mod_path, file, mods):
        code = strip_code(open(file, encoding="utf-8").read())
        # A visibility (`pub(in crate::a)`) names where an item may be used, not an import.
        code = re.sub(r"\bpub\(in [^)]*\)", "pub", code)
        self.defs = {m.group(1) or m.group(2) for m in DEF_RE.finditer(code)}
        self.explicit = {}  # name -> (path segments, module it is written in)
        self.bindings = {}  # every name a `use` binds in this file -> (path segments, module)
        self.globs = []  # (path segments, module)
        self.paths = []  # (path segments, module)
        inline, depth, buf = [], 0, None
        statements = []
        for line in code.split("\n"):
            m = INLINE_MOD_RE.match(line)
            if m:
                inline.append((m.group(1), depth + 1))
            here = mod_path + tuple(name for name, _ in inline)
            if buf is not None:
                buf = (buf[0] + " " + line, buf[1])
                if ";" in line:
                    statements.append(buf)
                    buf = None
            elif re.match(r"^\s*(pub(\([^)]*\))?\s+)?use\s", line):
                if ";" in line:
                    statements.append((line, here))
                else:
                    buf = (line, here)
            else:
                statements.append((line, here))
            depth += line.count("{") - line.count("}")
            while inline and depth < inline[-1][1]:
                inline.pop()
        for text, here in statements:
            um = re.match(r"^\s*(pub(\([^)]*\))?\s+)?use\s+(.*?);", text)
            if um:
                public = um.group(1) is not None and here == mod_path
                for path, bound in expand_use(um.group(3)):
                    segs = [x for x in path.split("::") if x]
                    self.paths.append((segs, here))
                    if segs and segs[-1] != "*":
                        self.bindings[bound] = (segs, here)
                    if public and segs and segs[-1] == "*":
                        self.globs.append((segs[:-1], here))
                    elif public:
                        self.explicit[bound] = (segs, here)
            else:
                for m in PATH_RE.finditer(text):
                    self.paths.append(([x for x in (m.group(1) + m.group(2)).split("::") if x], here))
                for m in NAMED_PATH_RE.finditer(text):
                    segs = [x for x in m.group(1).split("::") if x]
                    if here + (segs[0],) in mods:
                        self.paths.append((segs, here))
                    elif segs[0] in self.bindings:
                        # `use crate::a;` then `a::b::f()`: the path goes on from where `a` leads.
                        base, at = self.bindings[segs[0]]
                        self.paths.append((base + segs[1:], at))


class Crate:
    def __init__(self, mods):
        self.mods = mods
        self.info = {m: ModInfo(m, f, mods) for m, f in mods.items()}

    def file_of(self, m):
        while m not in self.mods:
            m = m[:-1]
        return m

    def resolve(self, here, segs, depth=0):
        """The file a path leads to, following re-exports; None outside the crate."""
        if not segs:
            return None
        if segs[0] == "crate":
            cur, rest = (), segs[1:]
        elif segs[0] in ("super", "self"):
            cur, rest = tuple(here), list(segs)
            while rest and rest[0] in ("super", "self"):
                if rest[0] == "super":
                    cur = cur[:-1]
                rest = rest[1:]
        elif tuple(here) + (segs[0],) in self.mods:
            cur, rest = tuple(here), segs
        else:
            return None
        for s in rest:
            if s in ("*", "self"):
                break
            if cur + (s,) in self.mods:
                cur = cur + (s,)
                continue
            return self.resolve_item(self.file_of(cur), s, depth)
        return self.file_of(cur)

    def resolve_item(self, m, name, depth):
        info = self.info[m]
        if name in info.defs or depth > 12:
            return m
        if name in info.explicit:
            segs, here = info.explicit[name]
            return self.resolve(here, segs, depth + 1) or m
        for segs, here in info.globs:
            src = self.resolve(here, segs, depth + 1)
            if src is None or src == m:
                continue
            found = self.resolve_item(src, name, depth + 1)
            if name in self.info[src].defs or found != src:
                return found
        return m

    def edges(self):
        graph = {}
        for m, info in self.info.items():
            deps = set()
            for segs, here in info.paths:
                target = self.resolve(here, segs)
                if target is not None and target != m:
                    deps.add(target)
            graph[m] = deps
        return graph


def sccs(graph):
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            out.append(comp)

    sys.setrecursionlimit(10000)
    for v in graph:
        if v not in index:
            strong(v)
    return out


def name(path_tuple):
    return "::".join(path_tuple) or "(root)"


def main():
    quiet = "--quiet" in sys.argv
    meta = json.loads(subprocess.check_output(["cargo", "metadata", "--no-deps", "--format-version", "1", "--offline"]))
    workspace = meta["workspace_root"]
    failed = []
    for pkg in sorted(meta["packages"], key=lambda p: p["name"]):
        for target in pkg["targets"]:
            if not ({"lib", "bin", "proc-macro", "test", "bench"} & set(target["kind"])):
                continue
            mods = file_modules(target["src_path"])
            if len(mods) < 2:
                continue
            graph = Crate(mods).edges()
            label = f"{pkg['name']} ({'/'.join(target['kind'])} {target['name']})"
            if not quiet:
                print(f"{label}: {os.path.relpath(os.path.dirname(target['src_path']), workspace)}")
                for m in sorted(graph):
                    print(f"  {name(m)} -> {', '.join(sorted(name(d) for d in graph[m])) or '-'}")
            for comp in sccs(graph):
                if len(comp) > 1:
                    failed.append((label, sorted(name(c) for c in comp)))
    for label, comp in failed:
        print(f"CYCLE in {label}: {' <-> '.join(comp)}", file=sys.stderr)
    if failed:
        sys.exit(1)
    print("module graphs: no cycles")


if __name__ == "__main__":
    main()
