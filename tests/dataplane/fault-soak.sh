#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# fault-soak.sh BIN [OUTDIR]: the fault-injector set-up of check-dataplane on its own, for hunting
# stalls. ftls-dataplane's TAP port and a veth end in one namespace, bridged by dptest.py's relay
# (seeded, logging every frame), the kernel client on the veth peer in another. Runs
# SOAK_N echo connections of SOAK_SIZE bytes, SOAK_K at a time (dptest.py fault-conns): a
# connection open longer than SOAK_STALL s triggers a connection dump (SIGUSR1); one longer than
# SOAK_BOUND s is a stall and fails the run. Keeps the appliance log, relay log, counters and
# interface statistics in OUTDIR (default: a temporary directory, printed). Needs root.
set -u
BIN=${1:?usage: fault-soak.sh BIN [OUTDIR]}
OUT=${2:-$(mktemp -d /tmp/ftls-soak.XXXXXX)}
HERE=$(cd "$(dirname "$0")" && pwd)
PY="python3 $HERE/dptest.py"
N=${SOAK_N:-200} K=${SOAK_K:-8} SIZE=${SOAK_SIZE:-1000000}
STALL=${SOAK_STALL:-3} BOUND=${SOAK_BOUND:-120} SEED=${SOAK_SEED:-5}
FAULTS=${SOAK_FAULTS:---loss 0.03 --reorder 0.02 --dup 0.01 --corrupt 0.01 --delay-ms 1}
TAG=sk$$
NS2=${TAG}b NS3=${TAG}c
mkdir -p "$OUT"
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	sleep 0.5
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	for n in $NS2 $NS3; do ip netns del "$n" 2>/dev/null; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cat >"$OUT/dp.yaml" <<EOF
dataplane:
  eal: ["--no-huge", "-m", "384", "--log-level", "*:error"]
  lcores: 1
  mbufs: 16383
  poll_idle_us: 20
  ports:
    - name: test0
      devargs: net_tap0,iface=dptap9
      ipv4: 10.99.1.1/24
      gateway4: 10.99.1.2
  tcp:
    max_conns: 2048
    sndbuf: 131072
    rcvbuf: 131072
    syn_backlog: 1024
    time_wait_ms: 2000
    rto_min_ms: 50
  listeners:
    - port: 7
      responder: echo
    - port: 80
      responder: http
EOF
ip netns add $NS2 && ip netns add $NS3
ip netns exec $NS2 ip link set lo up; ip netns exec $NS3 ip link set lo up
ip link add ${TAG}v0 netns $NS2 type veth peer name ${TAG}v1 netns $NS3
ip netns exec $NS2 "$BIN" --config "$OUT/dp.yaml" >"$OUT/dp.log" 2>&1 &
DP=$!
PIDS+=("$DP")
for _ in $(seq 100); do grep -q "ftls-dataplane: ready" "$OUT/dp.log" && break; sleep 0.1; done
ip netns exec $NS2 sh -c "sysctl -qw net.ipv6.conf.all.disable_ipv6=1; ip link set dptap9 up; ip link set ${TAG}v0 up"
ip netns exec $NS3 sh -c "ip addr add 10.99.1.2/24 dev ${TAG}v1 && ip link set ${TAG}v1 up"
ip netns exec $NS3 $PY offload-off ${TAG}v1 >/dev/null
ip netns exec $NS2 $PY offload-off ${TAG}v0 >/dev/null
# shellcheck disable=SC2086
ip netns exec $NS2 $PY relay dptap9 ${TAG}v0 $FAULTS --seed "$SEED" --secs 3600 \
	--ready "$OUT/relay.ready" ${SOAK_LOG:+--log "$OUT/relay.log"} >"$OUT/relay.out" 2>&1 &
RELAY=$!
PIDS+=("$RELAY")
for _ in $(seq 50); do [ -f "$OUT/relay.ready" ] && break; sleep 0.1; done
ip netns exec $NS3 $PY ping 10.99.1.1 --count 3 --min 1 >/dev/null
t0=$(date +%s.%N)
ip netns exec $NS3 $PY fault-conns 10.99.1.1 7 "$N" "$SIZE" --k "$K" --seed "$SEED" --stall "$STALL" \
	--bound "$BOUND" --timeout "$((BOUND + 60))" --dump-pid "$DP" --dump-pid "$RELAY" | tee "$OUT/client.log"
rc=${PIPESTATUS[0]}
t1=$(date +%s.%N)
sleep 2.5
kill -USR1 "$DP"; sleep 0.5
ip netns exec $NS3 nstat -az >"$OUT/client-nstat.txt" 2>&1
{ ip netns exec $NS2 ip -s -s link show dptap9; ip netns exec $NS2 ip -s -s link show ${TAG}v0
  ip netns exec $NS3 ip -s -s link show ${TAG}v1; } >"$OUT/links.txt"
kill "$RELAY"; wait "$RELAY" 2>/dev/null
kill -INT "$DP"; wait "$DP" 2>/dev/null
grep -E "^dp-stats: (TX_RING_FULL|TCP_RTO|TCP_RETRANS|TCP_SEGS_OUT|TCP_SEGS_IN|CONNS_IN_USE) " "$OUT/dp.log" | tail -n 6 | tr '\n' ' '
echo
cat "$OUT/relay.out"
awk '/dptap9/{f=1} f&&/TX:/{getline; print "dptap9 kernel TX (to the appliance): packets " $2 " dropped " $4; exit}' "$OUT/links.txt"
echo "soak: rc $rc in $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}')s, logs in $OUT"
exit "$rc"
