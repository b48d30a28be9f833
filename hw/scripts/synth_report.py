#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Writes hw/SYNTH.md (to stdout) from the work files of hw/scripts/synth.sh: yosys stat reports,
netdepth.py lines and nextpnr-ice40 logs. Every figure comes from those files; a block whose run
failed or did not fit says so in its row. The line "Fmax used by bench-hw: N MHz" (sim/build.mk
reads it) carries the slowest nextpnr figure among the stages the engines are built from.
Not for: running the tools (synth.sh does).
Usage: synth_report.py OUTDIR SOURCES-DESCRIPTION YOSYS-VERSION MINUTES"""
import os
import re
import sys

OUT, WHAT, YOSYS, MINUTES = sys.argv[1:5]
HX8K_LC = 7680

ENGINES = [
    ("gcm", "aes_gcm_engine", "AES-128/256-GCM: 15-stage AES pipeline, 1-clock GHASH"),
    ("chacha", "chacha_poly_engine", "ChaCha20-Poly1305, DrPerClk=2"),
    ("cbc", "cbc_hmac_engine", "AES-CBC + HMAC-SHA-1/SHA-256, ShaRoundsPerClk=2"),
]
# name, label, used by an engine at its default setting (counts for the bench-hw Fmax)
STAGES = [
    ("aes_round", "AES round (one GCM pipeline stage, `hw/syn/aes_round_stage.sv`)", True),
    ("ghash", "GHASH loop, Karatsuba, 1 block/clock (`hw/syn/ghash_stage.sv`)", True),
    ("chacha_dr1", "ChaCha20 `chacha_core`, 1 double round/clock (engine option)", False),
    ("chacha_dr2", "ChaCha20 `chacha_core`, 2 double rounds/clock (engine setting)", True),
    ("poly1305", "Poly1305 step `poly1305_core`, 1 block/clock", True),
    ("sha256_r1", "SHA-256 `sha256_core`, 1 round/clock", False),
    ("sha256_r2", "SHA-256 `sha256_core`, 2 rounds/clock (engine setting)", True),
    ("sha1_r1", "SHA-1 `sha1_core`, 1 round/clock", False),
    ("sha1_r2", "SHA-1 `sha1_core`, 2 rounds/clock (engine setting)", True),
    ("aes_pipe", "AES enc/dec pipeline `aes_pipe`, 14 round stages, 8 contexts (CBC engine)", True),
]


def path(name, ext):
    return os.path.join(OUT, f"{name}.{ext}")


def stat(name, ext):
    """{cell type: count} of the last module block of a yosys stat report, or None."""
    p = path(name, ext)
    if not os.path.exists(p):
        return None
    cells = {}
    for line in open(p):
        if "Number of cells" in line:
            cells = {}
        m = re.fullmatch(r"\s+(\S+)\s+(\d+)\s*", line)
        if m:
            cells[m.group(1)] = int(m.group(2))
    return cells


def total(cells, pattern):
    return sum(v for k, v in cells.items() if re.fullmatch(pattern, k))


def depth(name):
    p = path(name, "depth")
    if not os.path.exists(p) or not open(p).read().strip():
        return None
    return dict(kv.split("=", 1) for kv in open(p).read().split())


def rev_note(name, kind):
    """A row's figures from another commit than the report's: OUT/NAME.KIND.rev names it."""
    p = path(name, f"{kind}.rev")
    return f" *(from commit {open(p).read().strip()}, not re-run)*" if os.path.exists(p) else ""


def xil_row(name, label):
    label += rev_note(name, "xilinx")
    c = stat(name, "xilinx.stat")
    if c is None:
        why = (f"failed or unfinished (`{OUT}/{name}.xilinx.log`)"
               if os.path.exists(path(name, "xilinx.log")) else "not run")
        return f"| {label} | {why} | | | | | | | | |", None
    d = depth(name) or {}
    luts = total(c, r"LUT[1-6]|INV")
    bram = f"{total(c, 'RAMB36E1')} / {total(c, 'RAMB18E1')}"
    cp = "-"
    if d:
        parts = [f"{d['lut']} LUT"]
        for k, n in (("muxf", "MUXF"), ("carry4", "CARRY4"), ("lutram", "LUTRAM"), ("dsp", "DSP")):
            if d[k] != "0":
                parts.append(f"{d[k]} {n}")
        cp = f"{' + '.join(parts)}: `{d['from']}` → `{d['to']}`"
    row = (f"| {label} | {luts} | {total(c, 'FD.*')} | {total(c, 'MUXF[78]')} | "
           f"{total(c, 'RAM(32|64|128|256).*|SRL.*')} | {bram} | {total(c, 'CARRY4')} | "
           f"{total(c, 'DSP48.*')} | {d.get('lut', '-')} | {cp} |")
    return row, {"lut": luts, "ff": total(c, "FD.*"), "weight": float(d["weight"]) if d else None}


def ice(name):
    """(LUT4, DFF, BRAM, LC used, Fmax MHz or None, note)."""
    c = stat(name, "ice40.stat")
    log = path(name, "nextpnr.log")
    if c is None:
        return None
    text = open(log).read() if os.path.exists(log) else ""
    lc = re.findall(r"ICESTORM_LC:\s*(\d+)/\s*(\d+)", text)
    fm = re.findall(r"Max frequency for clock [^:]*: ([0-9.]+) MHz", text)
    used = int(lc[0][0]) if lc else None
    cells = (total(c, "SB_LUT4"), total(c, "SB_DFF.*"), total(c, "SB_RAM.*"), used)
    if "Routing complete" in text and fm and "ERROR" not in text:
        return cells + (float(fm[-1]), "")
    if fm and "ERROR" not in text:
        # Placed, but routing did not finish in the CPU time allowed: nextpnr's estimate after
        # placement (its delay model, not a routed figure).
        return cells + (float(fm[-1]), " (placed, not routed within the CPU limit: nextpnr's "
                        "post-placement estimate)")
    if used is not None and used > HX8K_LC:
        note = f"does not fit ({used} of {HX8K_LC} logic cells)"
    elif "ERROR" in text:
        note = "nextpnr failed: " + re.findall(r"ERROR: ([^\n]*)", text)[0][:80]
    else:
        note = "nextpnr did not finish"
    return cells + (None, note)


def modname(raw):
    """$paramod\\chacha_core\\DrPerClk=32'b... -> chacha_core (DrPerClk=2)."""
    parts = raw.split("\\")
    if parts[0] != "$paramod" or len(parts) < 3:
        return raw
    ps = []
    for kv in parts[2:]:
        k, _, v = kv.partition("=")
        m = re.fullmatch(r"\d+'([01]+)", v)
        ps.append(f"{k}={int(m.group(1), 2) if m else v}")
    return f"{parts[1]} ({', '.join(ps)})"


def hier():
    """[(module, cells, [instantiated submodules])] of the pre-flattening report."""
    p = path("core", "hier.stat")
    if not os.path.exists(p):
        return None
    mods, cur = [], None
    for line in open(p):
        m = re.match(r"=== (.*) ===", line)
        if m:
            cur = [modname(m.group(1)), 0, []]
            mods.append(cur)
            continue
        if cur is None:
            continue
        m = re.search(r"Number of cells:\s+(\d+)", line)
        if m:
            cur[1] = int(m.group(1))
        m = re.fullmatch(r"\s+(\S+)\s+(\d+)\s*", line)
        if m and cur[0] != "design hierarchy" and not m.group(1).startswith("$_") and (
                not m.group(1).startswith("$") or m.group(1).startswith("$paramod")):
            cur[2].append((modname(m.group(1)), int(m.group(2))))
    return mods


def main():
    o = []
    o.append("# Synthesis of the crypto core (generated by `make synth`)\n")
    o.append(f"Command: `make synth` (hw/scripts/synth.sh; yosys {YOSYS}, nextpnr-ice40) on the "
             f"{WHAT}; " + (f"about {MINUTES} min on this 2-core machine" if MINUTES.isdigit()
                            else MINUTES) + ". Sources are copied for yosys "
             "0.23 by hw/scripts/yosys_prep.py (packages pasted into modules; unpacked arrays of "
             "packed structs given their real width, which yosys 0.23 gets wrong).\n")

    # Whole core: proof that the engines are in it.
    o.append("## The whole core keeps its engines\n")
    mods = hier()
    core_row, core = xil_row("core", "**ftls_crypto_top** (whole core, mapped module by module: "
                             "each distinct module once, cells totalled over the instances)")
    engs = {}
    rows = []
    for name, mod, what in ENGINES:
        r, e = xil_row(name, f"{mod} ({what})")
        rows.append(r)
        engs[name] = e
    if mods:
        o.append("Per-module cells of `ftls_crypto_top` before flattening (yosys generic cells after "
                 "`proc; opt_clean`; submodule instances and their number in the last column)"
                 f"{rev_note('core', 'hier')}:\n")
        o.append("| module | cells | instantiates |")
        o.append("|---|---|---|")
        for m, n, subs in mods:
            if m == "design hierarchy":
                continue
            o.append(f"| {m} | {n} | {', '.join(f'{x} x{c}' for x, c in subs) or '-'} |")
        o.append("")
        got = {m: n for m, n, _ in mods}
        ok = all(got.get(mod, 0) > 0 for _, mod, _ in ENGINES) and any(
            set(mod for _, mod, _ in ENGINES) <= set(x for x, _ in s) for _, _, s in mods)
        o.append(("All three engines are instantiated (in ftls_engines) and non-empty."
                  if ok else "**An engine is missing from the hierarchy above.**") + "\n")
        subs = {m: s for m, _, s in mods}

        def tree(m):
            return got.get(m, 0) + sum(c * tree(x) for x, c in subs.get(m, []))
        flat = stat("core", "flat.stat")
        if flat is not None:
            n_flat = sum(v for k, v in flat.items())
            parts = {mod: tree(mod) for _, mod, _ in ENGINES}
            o.append(f"Flattened and optimised (`flatten; opt`, same generic cells), the whole core "
                     f"has {n_flat} cells, more than its host interface alone "
                     f"({got.get('ftls_crypto_top', 0)}): the engines' logic survives flattening "
                     f"(their trees total {' + '.join(str(v) for v in parts.values())} cells "
                     "before `opt`, which merges and simplifies, so the two counts are not "
                     "comparable term by term; the synth_xilinx rows below are).\n")
    else:
        o.append("The hierarchy report failed (see the synth.sh output).\n")
    if core and all(engs.values()):
        s_lut = sum(e["lut"] for e in engs.values())
        s_ff = sum(e["ff"] for e in engs.values())
        verdict = ("at least" if core["lut"] >= s_lut and core["ff"] >= s_ff else
                   "**less than**")
        o.append(f"Mapped (table below), the whole core has {core['lut']} LUTs and "
                 f"{core['ff']} FFs, {verdict} the sum of its three engines synthesised alone "
                 f"({s_lut} LUTs, {s_ff} FFs). It is mapped module by module (each distinct module "
                 "once: the CBC engine's eight record contexts are mapped once, not eight times, "
                 "which keeps yosys within this machine's memory), so no logic is optimised across "
                 "a module boundary; its logic depth is measured on the mapped netlist "
                 "flattened.\n")

    if core is None:
        o.append("The whole-core `synth_xilinx` run has no result in this report (see the "
                 "core row below); the table gives the **sum of the three engines' figures** "
                 "instead, a lower bound for the core without its host interface.\n")
    # Xilinx table.
    o.append("## Xilinx 7-series (`synth_xilinx`): cells and logic depth\n")
    o.append("Each block is flattened (`-flatten`) but the whole core (see above). "
             "Default parameters (256 key slots, 8 queues; engines as built). LUTs count LUT1-6 and "
             "INV; LUTRAM includes SRL shift registers; BRAM is RAMB36E1 / RAMB18E1. Depth: "
             "hw/scripts/netdepth.py on the mapped netlist finds the longest register-to-register "
             "path, ranked with rough 7-series weights (LUT 1, MUXF 0.5, CARRY4 0.25, DSP 4); "
             "\"LUT levels\" are the LUTs on it, and the path column gives all its cells and the "
             "registers it runs from and to (yosys names).\n")
    o.append("| block | LUTs | FFs | MUXF7/8 | LUTRAM/SRL | BRAM 36/18 | CARRY4 | DSP48 | "
             "LUT levels | critical path |")
    o.append("|---|---|---|---|---|---|---|---|---|---|")
    o.append(core_row)
    o.extend(rows)
    if core is None and all(engs.values()):
        o.append(f"| *sum of the three engines (not a whole-core run)* | "
                 f"{sum(e['lut'] for e in engs.values())} | {sum(e['ff'] for e in engs.values())} "
                 "| | | | | | | |")
    st = {}
    for name, label, _ in STAGES:
        r, e = xil_row(name, label)
        o.append(r)
        st[name] = e
    o.append("")

    # iCE40 table.
    o.append("## iCE40 HX8K (`synth_ice40`, `nextpnr-ice40 --hx8k --package ct256`): stages\n")
    o.append("Each stage sits behind a pin wrapper (hw/scripts/pinwrap.py: inputs from a shift "
             "register, outputs registered and XOR-folded in 4:1 registered steps), whose "
             "registers are in the counts. Fmax is nextpnr's figure for the clock after routing "
             "(seed 1; each run limited to SYNTH_PNR_CPU CPU seconds, default 600). The "
             "engines and the whole core are several times larger than the device (see their "
             "LUT counts above) and are not placed.\n")
    o.append("| stage | LUT4 | DFF | BRAM | logic cells | Fmax |")
    o.append("|---|---|---|---|---|---|")
    fits = []
    for name, label, used in STAGES:
        label += rev_note(name, "ice40")
        r = ice(name)
        if r is None:
            o.append(f"| {label} | " + ("synthesis failed or unfinished" if os.path.exists(
                path(name, "ice40.log")) else "not run") + " | | | | |")
            continue
        lut4, dff, ram, lc, fmax, note = r
        o.append(f"| {label} | {lut4} | {dff} | {ram} | {lc if lc is not None else '-'} / "
                 f"{HX8K_LC} | {f'{fmax:.2f} MHz{note}' if fmax else note} |")
        if fmax:
            fits.append((fmax, name, label + note, used))
    o.append("")

    used = [f for f in fits if f[3]]
    o.append("## Fmax\n")
    if used:
        fmin = min(used)
        o.append(f"Fmax used by bench-hw: {fmin[0]:.2f} MHz (the slowest stage that fits and that "
                 f"an engine uses at its default setting: {fmin[2]}, iCE40 HX8K).\n")
        # Estimate for blocks that do not fit: the worst ns per unit of path weight among the
        # measured stages, times the block's 7-series critical-path weight.
        k = max([(1000.0 / f) / st[n]["weight"] for f, n, lab, _ in fits
                 if st.get(n) and st[n]["weight"] and "placed, not routed" not in lab] or [0])
    if used and not k:
        o.append("No stage has both a routed Fmax and a 7-series depth in this report, so there "
                 "are no estimates for the blocks that do not fit.\n")
    if used and k:
        o.append("Estimates for the blocks that do not fit (**estimates, not measurements**): the "
                 f"measured stages take at most {k:.2f} ns per unit of critical-path weight "
                 "(their nextpnr period over their 7-series path weight), so a block whose "
                 "critical path weighs W is estimated at 1000 / (W x that) MHz on the same "
                 "device:\n")
        o.append("| block | path weight | estimated Fmax |")
        o.append("|---|---|---|")
        for name, label in [("core", "ftls_crypto_top (whole core)")] + [
                (n, m) for n, m, _ in ENGINES] + [(n, l) for n, l, _ in STAGES]:
            e = core if name == "core" else engs.get(name) or st.get(name)
            if e and e["weight"] and not any(n == name for _, n, _, _ in fits):
                o.append(f"| {label} | {e['weight']:g} | ~{1000.0 / (k * e['weight']):.0f} MHz |")
        ests = [(1000.0 / (k * e["weight"]), n) for n, e in list(engs.items()) + list(st.items())
                if e and e["weight"]] + [(f, n) for f, n, _, u in fits if u]
        if core is None and ests:
            lo = min(ests)
            o.append(f"| ftls_crypto_top (whole core): the lowest of its blocks' figures above "
                     f"({lo[1]}) | - | ~{lo[0]:.0f} MHz |")
        o.append("")
        o.append("The core runs on one clock, so its Fmax is the lowest of its blocks': the "
                 "whole-core estimate above is the figure to expect on such a device, and the "
                 "bench-hw figure is the slowest stage actually placed and timed.\n")
    if not used:
        o.append("Fmax used by bench-hw: 0 MHz (no stage was placed: see the table above).\n")
    o.append("Notes: on iCE40 the AES S-boxes map to block RAM (16 per round); on 7-series to "
             "LUT6/MUXF7/MUXF8 trees. The key slots (256 x 741 bits) map to block RAM on 7-series.")
    print("\n".join(o))


if __name__ == "__main__":
    main()
