#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Copies SystemVerilog sources for yosys 0.23, whose parser takes neither `import p::*` (in a
module header or body) nor packages well: each package's body (localparams, typedefs, functions)
is pasted into every module that imports it, after the module's port list, and the package files
themselves are dropped. Header parameters must not use package names. Nothing else changes.
Usage: yosys_prep.py OUTDIR FILE... (prints the module files written). Not for: simulation."""
import os
import re
import sys


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    pkgs = {}
    for src in sys.argv[2:]:
        text = open(src).read()
        m = re.search(r"^package\s+(\w+)\s*;(.*?)^endpackage", text, re.S | re.M)
        if m:
            pkgs[m.group(1)] = m.group(2)
    for src in sys.argv[2:]:
        text = open(src).read()
        if re.search(r"^package\s+\w+\s*;", text, re.M):
            continue
        m = re.search(r"(module\s+\w+)\s*((?:\s*import\s+[\w:*]+\s*;)+)", text)
        if m:
            names = re.findall(r"import\s+(\w+)::", m.group(2))
            text = text[:m.start()] + m.group(1) + text[m.end():]
            # the end of the port list: the first ");" after the module keyword
            end = text.index(");", m.start()) + 2
            text = text[:end] + "".join("\n" + pkgs[n] for n in names) + text[end:]
        dst = os.path.join(out, os.path.basename(src))
        with open(dst, "w") as f:
            f.write(text)
        print(dst)


if __name__ == "__main__":
    main()
