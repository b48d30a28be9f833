#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Copies SystemVerilog sources for yosys 0.23 and works around what its front end reads wrongly.
Five rewrites, nothing else changes:
 1. Packages. The parser takes neither `import p::*` (in a module header or body) nor packages
    well: each package's body (localparams, typedefs, functions; the packages it imports first) is
    pasted into every module that imports it, after the module's port list, `p::` prefixes of
    pasted packages are dropped, and the package files themselves are not written.
 2. Unpacked arrays of a packed struct typedef (`slot_t slots_q [N];`): yosys 0.23 gives every
    element the width 1 (also through `$bits(slot_t)`), so the host interface's key slots lost
    all but one bit, every job's alg read as 0, no job ever reached an engine and synthesis
    pruned all three engines from the whole core. Such a declaration becomes a scalar of the
    struct type (`slot_t yp_w_slots_q;`, which yosys sizes right, and never used) and
    `logic [$bits(yp_w_slots_q)-1:0] slots_q [N];`.
 3. Casts to int, which the parser rejects: `int'(x)` becomes `$signed(32'(x))` and
    `int unsigned'(x)` becomes `32'(x)`.
4. Unpacked-array ports (`input logic [127:0] rk_i [K][15]`), which yosys 0.23 cannot bind:
    flattened to a vector port, unpacked inside, packed at every instance (array_ports()).
 5. Two-dimensional packed arrays (`logic [NS:0][127:0] s_q;`), which the parser rejects: a flat
    vector with element selects rewritten (packed_2d()).
An import of a package that is not among the inputs stops with a message.
Usage: yosys_prep.py OUTDIR FILE... (prints the module files written). Not for: simulation."""
import os
import re
import sys

PKG_RE = re.compile(r"^package\s+(\w+)\s*;(.*?)^endpackage", re.S | re.M)
IMPORT_RE = re.compile(r"\bimport\s+(\w+)::\*\s*;")


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", lambda m: re.sub(r"[^\n]", " ", m.group(0)), text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def pkg_body(name, pkgs, seen):
    """The package's body with the packages it imports pasted in front (each once)."""
    if name not in pkgs:
        sys.exit(f"yosys_prep: package {name} is imported but not among the inputs")
    if name in seen:
        return ""
    seen.add(name)
    body = pkgs[name]
    pre = "".join(pkg_body(n, pkgs, seen) for n in IMPORT_RE.findall(body))
    return pre + IMPORT_RE.sub("", body)


def struct_names(text):
    return re.findall(r"typedef\s+struct\s+packed\s*\{.*?\}\s*(\w+)\s*;", text, re.S)


def int_casts(text, src):
    """`int unsigned'(x)` -> `32'(x)`, `int'(x)` -> `$signed(32'(x))`."""
    text = re.sub(r"\bint\s+unsigned\s*'\s*\(", "32'(", text)
    while True:
        m = re.search(r"\bint\s*'\s*\(", text)
        if not m:
            return text
        depth, i = 1, m.end()
        while depth and i < len(text):
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
        if depth:
            sys.exit(f"yosys_prep: {src}: unbalanced int'( cast")
        text = text[:m.start()] + "$signed(32'(" + text[m.end():i] + ")" + text[i:]

PORT_ARR_RE = re.compile(r"\b(input|output)\s+(?:logic|wire|bit)?\s*\[([^\]:]+):([^\]]+)\]\s*(\w+)"
                         r"\s*((?:\[[^\]]+\]\s*)+)(?=[,)])")


def dim_size(d):
    """`N` -> (N), `0:N-1` -> ((N-1)+1), `a:b` -> ((a)-(b)+1)."""
    if ":" not in d:
        return f"({d.strip()})"
    a, b = (x.strip() for x in d.split(":", 1))
    return f"(({b})+1)" if a == "0" else f"(({a})-({b})+1)"


def unpack_block(kind, vec, arr, sizes, width, tag):
    """Generate loops joining vec (flat, element 0 lowest) and arr[i0][i1]...: kind "in" assigns
    the array from the vector, "out" the vector from the array."""
    idx = "".join(f"[yp_{tag}{k}]" for k in range(len(sizes)))
    flat = "0"
    for k, n in enumerate(sizes):
        flat = f"({flat}) * {n} + yp_{tag}{k}"
    sel = f"{vec}[({flat}) * {width} +: {width}]"
    lines = []
    for k, n in enumerate(sizes):
        lines.append(f"{'  ' * k}for (genvar yp_{tag}{k} = 0; yp_{tag}{k} < {n}; yp_{tag}{k}++) "
                     f"begin : g_yp_{tag}{k}")
    lines.append("  " * len(sizes) + (f"assign {arr}{idx} = {sel};" if kind == "in"
                                       else f"assign {sel} = {arr}{idx};"))
    for k in reversed(range(len(sizes))):
        lines.append(f"{'  ' * k}end")
    return "\n" + "\n".join(lines) + "\n"


def array_ports(results):
    """4. Unpacked-array ports (`input logic [127:0] rk_i [K][15]`), which yosys 0.23 cannot bind
    ("does map to an unexpanded memory"): the port becomes a flat vector rk_i__flat (element 0 in
    the low bits) unpacked into the old array inside the module, and every instance connects a
    vector packed from the array it passed (a plain name declared `logic [..] x [..]..;`)."""
    ports = {}  # module -> {port: (dir, sizes, width)}
    for dst, text in results.items():
        def fix_module(m):
            mod, head = m.group(1), m.group(2)
            found = {}

            def fix_port(pm):
                d, hi, lo, name, dims = pm.groups()
                sizes = [dim_size(x) for x in re.findall(r"\[([^\]]+)\]", dims)]
                width = f"(({hi})-({lo})+1)"
                found[name] = (d, sizes, width, hi, lo, dims)
                total = " * ".join(sizes + [width])
                return f"{d} logic [{total}-1:0] {name}__flat"
            head = PORT_ARR_RE.sub(fix_port, head)
            if not found:
                return m.group(0)
            ports[mod] = {n: (v[0], v[1], v[2]) for n, v in found.items()}
            decl = "".join(f"\n  logic [{v[3]}:{v[4]}] {n} {v[5].strip()};" +
                           unpack_block("in" if v[0] == "input" else "out", f"{n}__flat", n, v[1],
                                        v[2], f"p_{n}_")
                           for n, v in found.items())
            return f"module {mod}{head});{decl}"
        text = re.sub(r"\bmodule\s+(\w+)(.*?)\);", fix_module, text, flags=re.S)
        # An output array driven by a whole-array copy (`assign rk_o = rk_q;`, which yosys 0.23
        # cannot do either): the vector is packed from the copied array directly.
        for mod, pl in ports.items():
            for n, (d, _, _) in pl.items():
                cm = re.search(rf"\bassign\s+{n}\s*=\s*(\w+)\s*;", text)
                if d == "output" and cm and f"{n}__flat" in text:
                    text = text[:cm.start()] + text[cm.end():]
                    text = text.replace(f"= {n}[yp_p_{n}_", f"= {cm.group(1)}[yp_p_{n}_")
        results[dst] = text
    if not ports:
        return
    for dst, text in results.items():
        uses = {}  # parent array name -> set of port directions it is connected to
        for mod, pl in ports.items():
            inst_re = re.compile(rf"\b{mod}\s*(?:#\s*\((?:[^()]|\([^()]*\))*\))?\s*(\w+)\s*\(")
            pos = 0
            while True:
                im = inst_re.search(text, pos)
                if not im:
                    break
                if text[max(0, im.start() - 7):im.start()].endswith("module "):
                    pos = im.end()
                    continue
                inst, depth, i = im.group(1), 1, im.end()
                while depth and i < len(text):
                    depth += {"(": 1, ")": -1}.get(text[i], 0)
                    i += 1
                conn = text[im.end():i - 1]
                for port, (d, sizes, width) in pl.items():
                    cm = re.search(rf"\.{port}\s*\(\s*(\w+)\s*((?:\[[^\]]+\]\s*)*)\)", conn)
                    if not cm:
                        sys.exit(f"yosys_prep: {dst}: {inst}.{port} (an array port) is not "
                                 "connected to an array name (with leading indices)")
                    sig, idx = cm.group(1), re.findall(r"\[([^\]]+)\]", cm.group(2))
                    dm = decl_of(text, sig, dst)
                    psizes, pw = dm[0], dm[1]
                    if len(idx) >= len(psizes):
                        sys.exit(f"yosys_prep: {dst}: {inst}.{port}: {sig} indexed to an element")
                    stride = " * ".join(psizes[len(idx):] + [pw])
                    flat = "0"
                    for k, e in enumerate(idx):
                        flat = f"({flat}) * {psizes[k]} + ({e})"
                    vec = f"yp_{sig}__flat"
                    sel = f"{vec}[({flat}) * {stride} +: {stride}]" if idx else vec
                    conn = conn[:cm.start()] + f".{port}__flat({sel})" + conn[cm.end():]
                    uses.setdefault(sig, set()).add(d)
                text = text[:im.end()] + conn + text[i - 1:]
                pos = im.end() + len(conn)
        for sig, dirs in uses.items():
            psizes, pw, end = decl_of(text, sig, dst)
            total = " * ".join(psizes + [pw])
            vec = f"yp_{sig}__flat"
            # Driven by an instance's output: the array follows the vector; else the reverse.
            block = f"  logic [{total}-1:0] {vec};" + unpack_block(
                "in" if "output" in dirs else "out", vec, sig, psizes, pw, f"c_{sig}_")
            text = text[:end] + block + text[end:]
        results[dst] = text


def decl_of(text, sig, dst):
    """(unpacked sizes, element width, end offset) of `logic [hi:lo] sig [..]..;`."""
    dm = re.search(rf"^[ \t]*logic\s*\[([^\]:]+):([^\]]+)\]\s*{sig}\s*((?:\[[^\]]+\]\s*)+);"
                   rf"[^\n]*\n", text, re.M)
    if not dm:
        sys.exit(f"yosys_prep: {dst}: declaration `logic [..] {sig} [..];` not found")
    return ([dim_size(x) for x in re.findall(r"\[([^\]]+)\]", dm.group(3))],
            f"(({dm.group(1)})-({dm.group(2)})+1)", dm.end())

def packed_2d(text, src):
    """5. Two-dimensional packed arrays (`logic [NS:0][127:0] s_q;`), which the parser rejects:
    a flat vector, and every `s_q[e]` becomes `s_q[((e)-(lo))*W +: W]` (whole-vector uses stay)."""
    decl = re.compile(r"^([ \t]*)logic\s*\[([^\]:]+):([^\]]+)\]\s*\[([^\]:]+):([^\]]+)\]\s*"
                      r"(\w+(?:\s*,\s*\w+)*)\s*;", re.M)
    names = {}

    def fix(m):
        ind, a, b, c, d, ns = m.groups()
        w = f"(({c})-({d})+1)"
        for n in re.split(r"\s*,\s*", ns):
            names[n] = (b, w)
        return f"{ind}logic [(({a})-({b})+1)*{w}-1:0] {ns};"
    text = decl.sub(fix, text)
    for n, (lo, w) in names.items():
        out, pos = [], 0
        for m in re.finditer(rf"\b{n}\s*\[", text):
            if m.start() < pos:
                continue
            depth, i = 1, m.end()
            while depth and i < len(text):
                depth += {"[": 1, "]": -1}.get(text[i], 0)
                i += 1
            e = text[m.end():i - 1]
            if depth:
                sys.exit(f"yosys_prep: {src}: {n}[{e}] (2-D packed array) not an element select")
            out.append(text[pos:m.start()] + f"{n}[(({e})-({lo}))*{w} +: {w}]")
            pos = i
        out.append(text[pos:])
        text = "".join(out)
    return text


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    pkgs = {}
    texts = {}
    for src in sys.argv[2:]:
        text = strip_comments(open(src).read())
        texts[src] = text
        for m in PKG_RE.finditer(text):
            pkgs[m.group(1)] = m.group(2)
    results = {}
    for src in sys.argv[2:]:
        text = texts[src]
        if PKG_RE.search(text):
            continue
        parts = []
        pos = 0
        for m in re.finditer(r"\bmodule\s+\w+", text):
            end_mod = text.find("endmodule", m.end())
            if end_mod < 0:
                sys.exit(f"yosys_prep: {src}: module without endmodule")
            # Header imports (between the name and the parameter/port list) and body imports.
            head_end = text.index(");", m.end()) + 2  # the end of the port list
            mod = text[m.start():end_mod]
            names = IMPORT_RE.findall(mod)
            body = text[m.start():head_end]
            rest = text[head_end:end_mod]
            body = IMPORT_RE.sub("", body)
            rest = IMPORT_RE.sub("", rest)
            seen = set()
            pasted = "".join(pkg_body(n, pkgs, seen) for n in names)
            mod = body + "\n" + pasted + "\n" + rest
            for n in seen:
                mod = re.sub(rf"\b{n}::", "", mod)
            # Unpacked arrays of packed structs: give the elements the width of a scalar of the
            # struct type (which yosys gets right), declared just before the array.
            for name in struct_names(mod):
                mod = re.sub(rf"^([ \t]*){name}(\s+)(\w+)(\s*\[)",
                             rf"\1{name} yp_w_\3;\n\1logic [$bits(yp_w_\3)-1:0]\2\3\4", mod,
                             flags=re.M)
            # Casts to int (`int'(x)`), which the parser rejects: the same as a signed 32-bit
            # size cast.
            mod = int_casts(mod, src)
            mod = packed_2d(mod, src)
            parts.append(text[pos:m.start()] + mod)
            pos = end_mod
        parts.append(text[pos:])
        results[os.path.join(out, os.path.basename(src))] = "".join(parts)
    array_ports(results)
    for dst, text in results.items():
        with open(dst, "w") as f:
            f.write(text)
        print(dst)


if __name__ == "__main__":
    main()
