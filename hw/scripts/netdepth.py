#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Logic depth of a synth_xilinx netlist (yosys write_json), for make synth: the longest
register-to-register path, the cells on it by kind, and the registers it starts and ends at.
Paths start at a sequential cell's outputs (FD*, SRL*, block RAM, LUTRAM data out) and end at a
sequential cell's inputs; module ports are not endpoints. The critical path is chosen with rough
7-series weights (LUT 1, MUXF7/8 0.5, CARRY4 0.25, LUTRAM read 1, DSP48E1 4, INV 1: a LUT1),
a ranking only, not a timing analysis. Not for: anything but a flat netlist of Xilinx cells.
Usage: netdepth.py NETLIST.json [TOP|- [ENDPOINT-PREFIX]]  (prints one line: key=value fields, see main())."""
import json
import sys
from collections import defaultdict

WEIGHT = {"LUT": 1.0, "MUXF": 0.5, "CARRY4": 0.25, "LUTRAM": 1.0, "DSP": 4.0}
SEQ_PREFIX = ("FD", "SRL", "RAMB", "FIFO", "IBUF", "OBUF", "BUFG", "IOBUF", "OBUFT")


def kind(ctype):
    if ctype.startswith("LUT") or ctype == "INV":
        return "LUT"
    if ctype in ("MUXF7", "MUXF8"):
        return "MUXF"
    if ctype == "CARRY4":
        return "CARRY4"
    if ctype.startswith("DSP48"):
        return "DSP"
    if ctype.startswith("RAM") and not ctype.startswith("RAMB"):
        return "LUTRAM"
    if ctype.startswith(SEQ_PREFIX) or ctype in ("GND", "VCC"):
        return None
    sys.exit(f"netdepth: cell type {ctype} not classified")


def comb_input(k, port):
    # LUTRAM: only the read address reaches the output without a clock.
    if k == "LUTRAM":
        return port.startswith(("A", "DPRA", "ADDR", "RADR"))
    return True


def main():
    nl = json.load(open(sys.argv[1]))
    mods = nl["modules"]
    only = sys.argv[3] if len(sys.argv) > 3 else ""
    top = sys.argv[2] if len(sys.argv) > 2 and sys.argv[2] != "-" else next(
        n for n, m in mods.items() if m.get("attributes", {}).get("top"))
    mod = mods[top]
    names = {}
    for n, net in mod["netnames"].items():
        if net.get("hide_name"):
            continue
        for i, b in enumerate(net["bits"]):
            if isinstance(b, int) and (b not in names or len(n) < len(names[b][0])):
                names[b] = (n, i if len(net["bits"]) > 1 else None)

    def bitname(b):
        if b not in names:
            return f"net{b}"
        n, i = names[b]
        return n if i is None else f"{n}[{i}]"

    # Graph: comb cell = node; edges from its input bits' drivers.
    driver = {}          # bit -> ("seq", cellname) or ("comb", cellname)
    comb = {}            # cellname -> (kind, [input bits], [output bits])
    seq_in = []          # (cellname, bit) endpoint inputs
    seq_out = {}         # sequential cellname -> its first output bit (names the register)
    for cn, c in mod["cells"].items():
        k = kind(c["type"])
        dirs = c.get("port_directions", {})
        ins, outs = [], []
        for p, bits in c["connections"].items():
            d = dirs.get(p)
            if d is None:
                sys.exit(f"netdepth: {c['type']} port {p} has no direction")
            for b in bits:
                if not isinstance(b, int):
                    continue
                if d == "output":
                    outs.append(b)
                elif k is not None and comb_input(k, p):
                    ins.append(b)
                elif k is None or k == "LUTRAM":
                    seq_in.append((cn, b))
        for b in outs:
            driver[b] = ("comb", cn) if k is not None else ("seq", cn)
        if k is None and outs:
            seq_out[cn] = outs[0]
        if k is not None:
            comb[cn] = (k, ins, outs)

    # Longest weighted arrival at each comb cell's output (memoised DFS, iterative).
    best = {}            # cellname -> (weight, counts dict, start bit, prev cell)
    state = {}
    for root in comb:
        if root in best:
            continue
        stack = [root]
        while stack:
            cn = stack[-1]
            if cn in best:
                stack.pop()
                continue
            k, ins, _ = comb[cn]
            if state.get(cn) != "open":
                state[cn] = "open"
                for b in ins:
                    d = driver.get(b)
                    if d and d[0] == "comb" and d[1] not in best:
                        if state.get(d[1]) == "open":
                            sys.exit(f"netdepth: combinational loop through {d[1]}")
                        stack.append(d[1])
                continue
            w0, cnt0, start, prev = 0.0, {}, None, None
            for b in ins:
                d = driver.get(b)
                if d is None:
                    continue
                if d[0] == "seq":
                    if start is None and w0 == 0.0:
                        start = b
                    continue
                w, cnt, s, _ = best[d[1]]
                if w > w0:
                    w0, cnt0, start, prev = w, cnt, s, d[1]
            cnt = dict(cnt0)
            cnt[k] = cnt.get(k, 0) + 1
            best[cn] = (w0 + WEIGHT[k], cnt, start, prev)
            stack.pop()

    crit = (0.0, {}, None, None)
    end = None
    for cn, b in seq_in:
        d = driver.get(b)
        if only and not bitname(seq_out.get(cn, b)).startswith(only):
            continue
        if d and d[0] == "comb" and best[d[1]][0] > crit[0] and best[d[1]][2] is not None:
            crit, end = best[d[1]], (cn, b)
    w, cnt, start, _ = crit
    print(f"lut={cnt.get('LUT', 0)} muxf={cnt.get('MUXF', 0)} carry4={cnt.get('CARRY4', 0)} "
          f"lutram={cnt.get('LUTRAM', 0)} dsp={cnt.get('DSP', 0)} weight={w:g} "
          f"from={bitname(start) if start is not None else '-'} "
          f"to={bitname(seq_out.get(end[0], end[1])) if end else '-'}")


if __name__ == "__main__":
    main()
