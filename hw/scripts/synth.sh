#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# make synth: synthesises the crypto core with yosys and nextpnr and writes hw/SYNTH.md:
#  - proof that the whole core keeps its engines: the per-module cell report of ftls_crypto_top
#    before flattening (every engine instantiated and non-empty);
#  - synth_xilinx (7-series) cell counts and logic depth (hw/scripts/netdepth.py on the mapped
#    netlist) for the whole core (mapped module by module: flattened, it needs more memory than
#    this machine has), each engine and each stage (AES round, GHASH, ChaCha20, Poly1305,
#    SHA-256, SHA-1, the CBC engine's AES), with each block's critical path named;
#  - nextpnr-ice40 (HX8K) Fmax for the stages that fit, behind a pin wrapper (hw/scripts/pinwrap.py),
#    each run limited in CPU time; the slowest of the stages the engines use is the Fmax bench-hw
#    reads from SYNTH.md.
# Sources: every tracked hw/rtl/*.sv, hw/gen/ftls_regs_pkg.sv and hw/syn/*.sv of the working tree,
# or of commit $SYNTH_REV when set; copied for yosys 0.23 by hw/scripts/yosys_prep.py. Runs
# $SYNTH_JOBS (default 2) tools at once under nice; $SYNTH_ONLY="xilh:core ice:ghash ..." re-runs
# only those jobs and rewrites the report with the other blocks' earlier results. Not part of
# make test.
# Usage: synth.sh OUTDIR (work files; the report goes to hw/SYNTH.md).
set -u
out=${1:-build/synth}
par=${SYNTH_JOBS:-2}
cpu=${SYNTH_YOSYS_CPU:-3600}  # CPU seconds per yosys run (CPU time: the machine may be shared)
mkdir -p "$out"
t0=$(date +%s)

# --- sources ------------------------------------------------------------------------------------
if [ -n "${SYNTH_REV:-}" ]; then
  rev=$(git rev-parse --short "$SYNTH_REV") || exit 1
  rm -rf "$out/tree" && mkdir -p "$out/tree"
  git archive "$SYNTH_REV" hw/rtl hw/gen hw/syn | tar -x -C "$out/tree" || exit 1
  files=$(cd "$out/tree" && ls hw/gen/ftls_regs_pkg.sv hw/rtl/*.sv hw/syn/*.sv | sed "s|^|$out/tree/|")
  what="commit $rev"
else
  files=$(git ls-files hw/gen/ftls_regs_pkg.sv 'hw/rtl/*.sv' 'hw/syn/*.sv')
  what="working tree at $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- $files || echo ' with local changes')"
fi
rm -rf "$out/src"
python3 hw/scripts/yosys_prep.py "$out/src" $files >/dev/null || exit 1
srcs=$(ls "$out"/src/*.sv | tr '\n' ' ')
# A full run starts from nothing; a SYNTH_ONLY run replaces only its jobs' files.
[ -n "${SYNTH_ONLY:-}" ] || rm -f "$out"/*.stat "$out"/*.depth "$out"/*.nextpnr.log "$out"/*.failed

# --- jobs ---------------------------------------------------------------------------------------
chp() { local p s=""; for p in "$@"; do s="$s -chparam ${p%%=*} ${p#*=}"; done; echo "$s"; }

xil() { # name top [PARAM=VALUE...]: 7-series cells ($name.xilinx.stat) and depth ($name.depth)
  local name=$1 top=$2 map="synth_xilinx -flatten -top $2; tee -q -o $out/$1.xilinx.stat stat"
  shift 2
  [ -z "${XIL_HIER:-}" ] || map="synth_xilinx -top $top; tee -q -o $out/$name.xilinx.stat stat -top \
    $top; flatten"
  if ! ( ulimit -t "$cpu"; exec nice -n 10 yosys -q -l "$out/$name.xilinx.log" -p "read_verilog -sv \
      $srcs; hierarchy -top $top$(chp "$@"); $map; write_json $out/$name.xilinx.json" ) \
      >/dev/null 2>&1; then
    echo "synth_xilinx $name failed: $out/$name.xilinx.log" | tee "$out/$name.failed" >&2
    rm -f "$out/$name.xilinx.stat"; return 1
  fi
  python3 hw/scripts/netdepth.py "$out/$name.xilinx.json" - >"$out/$name.depth"
  rm -f "$out/$name.xilinx.json"
}

xilh() { # name top: as xil, but hierarchical: each distinct module is mapped once and the cells
  # are totalled over the instance tree (stat -top), so a core whose flattened netlist would not
  # fit in this machine's memory still gets a row; the depth runs on the mapped netlist flattened.
  XIL_HIER=1 xil "$@"
}

ice() { # name top [PARAM=VALUE...]: iCE40 HX8K cells ($name.ice40.stat) and nextpnr timing
  local name=$1 top=$2; shift 2
  python3 hw/scripts/pinwrap.py "$out/src/$top.sv" "$top" "${name}_pins" "$out/$name.pins.sv" "$@" \
    || return 1
  if ! ( ulimit -t "$cpu"; exec nice -n 10 yosys -q -l "$out/$name.ice40.log" -p "read_verilog -sv \
      $srcs $out/$name.pins.sv; synth_ice40 -top ${name}_pins -json $out/$name.ice40.json; \
      tee -q -o $out/$name.ice40.stat stat" ) >/dev/null 2>&1; then
    echo "synth_ice40 $name failed: $out/$name.ice40.log" >&2; return 1
  fi
  # At most $SYNTH_PNR_CPU CPU seconds (default 600): a stage that places but does not route in
  # that time reports nextpnr's post-placement estimate, marked as such.
  ( ulimit -t "${SYNTH_PNR_CPU:-600}"; exec nice -n 10 nextpnr-ice40 --hx8k --package ct256 \
    --json "$out/$name.ice40.json" --freq 100 --timing-allow-fail --seed 1 ) \
    >"$out/$name.nextpnr.log" 2>&1
  rm -f "$out/$name.ice40.json"
}

hier() { # the whole core's per-module report before flattening
  # then the same flattened and optimised (generic cells): what the pruning bug used to empty.
  ( ulimit -t "$cpu"; exec nice -n 10 yosys -q -p "read_verilog -sv $srcs; hierarchy -top \
    ftls_crypto_top; proc; opt_clean; tee -q -o $out/core.hier.stat stat; flatten; opt; \
    tee -q -o $out/core.flat.stat stat" ) >/dev/null 2>&1 || echo "hierarchy report failed" >&2
}

run() { # at most $par jobs at once; with $SYNTH_ONLY ("xilh:core ice:ghash ..."), only those
  case " ${SYNTH_ONLY:-$1:${2:-}} " in *" $1:${2:-} "*) ;; *) return 0 ;; esac
  while [ "$(jobs -rp | wc -l)" -ge "$par" ]; do wait -n; done
  "$@" &
}

# Longest first. Parameters: the engines' defaults (the build); the stage rows say which.
run hier
run xilh core ftls_crypto_top
run xil gcm aes_gcm_engine
run xil chacha chacha_poly_engine
run xil cbc cbc_hmac_engine
run xil ghash ghash_stage
run xil chacha_dr2 chacha_core DrPerClk=2
run xil sha256_r2 sha256_core RoundsPerClk=2
run xil sha1_r2 sha1_core RoundsPerClk=2
run xil poly1305 poly1305_core
run xil aes_round aes_round_stage
run xil aes_pipe aes_pipe
run ice aes_round aes_round_stage
run ice chacha_dr2 chacha_core DrPerClk=2
run ice sha256_r2 sha256_core RoundsPerClk=2
run ice sha1_r2 sha1_core RoundsPerClk=2
run ice chacha_dr1 chacha_core DrPerClk=1
run ice ghash ghash_stage
run xil chacha_dr1 chacha_core DrPerClk=1
run xil sha256_r1 sha256_core RoundsPerClk=1
run xil sha1_r1 sha1_core RoundsPerClk=1
run ice poly1305 poly1305_core
wait
t1=$(date +%s)

# --- report -------------------------------------------------------------------------------------
python3 hw/scripts/synth_report.py "$out" "$what" "$(yosys -V | awk '{print $2}')" \
  "$(( (t1 - t0 + 59) / 60 ))" >hw/SYNTH.md || exit 1
cat hw/SYNTH.md
