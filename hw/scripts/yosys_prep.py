#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Copies SystemVerilog sources for yosys 0.23 and works around what its front end reads wrongly.
Three rewrites, nothing else changes:
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
            parts.append(text[pos:m.start()] + mod)
            pos = end_mod
        parts.append(text[pos:])
        dst = os.path.join(out, os.path.basename(src))
        with open(dst, "w") as f:
            f.write("".join(parts))
        print(dst)


if __name__ == "__main__":
    main()
