#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# bench-dp, part two: the same transfer and connection rate through ftls-dataplane's TAP port and
# against a kernel TCP server on a veth pair, in the same run, printed as ratios. Everything runs
# in namespaces created here and deleted on exit. The kernel-side server is Python over kernel
# sockets (dptest.py kserver), so the connection-rate ratio includes Python's per-connection cost
# on the kernel side and the client's on both; the bulk ratio is dominated by the TCP paths.
set -u
BIN=${1:-build/ftls-dataplane}
HERE=$(cd "$(dirname "$0")" && pwd)
PY="python3 $HERE/../tests/dataplane/dptest.py"
BYTES=${DP_BENCH_BYTES:-1073741824}
CONNS=${DP_BENCH_CONNS:-2000}
TAG=dpb$$
NA=${TAG}a NB=${TAG}b NC=${TAG}c
TMP=$(mktemp -d /tmp/ftls-dpbench.XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	sleep 0.3
	for n in $NA $NB $NC; do ip netns del "$n" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cat >"$TMP/dp.yaml" <<EOC
dataplane:
  eal: ["--no-huge", "-m", "512", "--log-level", "*:error"]
  lcores: 1
  mbufs: 32767
  ports:
    - name: bench0
      devargs: net_tap0,iface=dpbtap0
      ipv4: 10.99.3.1/24
  tcp: {max_conns: 4096, sndbuf: 1048576, rcvbuf: 1048576, time_wait_ms: 1000}
  listeners:
    - {port: 7, responder: echo}
    - {port: 80, responder: http}
EOC
ip netns add $NA; ip netns add $NB; ip netns add $NC
for n in $NA $NB $NC; do ip netns exec $n ip link set lo up; done
ip netns exec $NA "$BIN" --config "$TMP/dp.yaml" >"$TMP/dp.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do grep -q "ftls-dataplane: ready" "$TMP/dp.log" && break; sleep 0.1; done
ip netns exec $NA sh -c "ip addr add 10.99.3.2/24 dev dpbtap0 && ip link set dpbtap0 up"
ip link add ${TAG}v0 netns $NB type veth peer name ${TAG}v1 netns $NC
ip netns exec $NB sh -c "ip addr add 10.99.4.1/24 dev ${TAG}v0 && ip link set ${TAG}v0 up"
ip netns exec $NC sh -c "ip addr add 10.99.4.2/24 dev ${TAG}v1 && ip link set ${TAG}v1 up"
ip netns exec $NB $PY kserver 80 7 --ready "$TMP/ks.ready" >/dev/null 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do [ -f "$TMP/ks.ready" ] && break; sleep 0.1; done

rate() { # NS URL -> bits/s
	ip netns exec "$1" curl -s -o /dev/null -w '%{speed_download} %{size_download}' "$2"
}
read -r tap_bps tap_n < <(rate $NA "http://10.99.3.1/$BYTES")
read -r k_bps k_n < <(rate $NC "http://10.99.4.1/$BYTES")
if [ "$tap_n" != "$BYTES" ] || [ "$k_n" != "$BYTES" ]; then
	echo "bench-dp: transfer incomplete (tap $tap_n, kernel $k_n of $BYTES)"; exit 1
fi
awk -v t="$tap_bps" -v k="$k_bps" -v n="$BYTES" 'BEGIN {
	printf "bench-dp: %d bytes HTTP download: TAP (ftls-dataplane) %.2f Gbit/s, kernel on veth %.2f Gbit/s, ratio %.2f\n",
	       n, t * 8 / 1e9, k * 8 / 1e9, t / k }'
tap_c=$(ip netns exec $NA $PY connrate 10.99.3.1 7 "$CONNS" | sed -n 's/.*= \([0-9.]*\) conn\/s/\1/p')
k_c=$(ip netns exec $NC $PY connrate 10.99.4.1 7 "$CONNS" | sed -n 's/.*= \([0-9.]*\) conn\/s/\1/p')
awk -v t="${tap_c:-0}" -v k="${k_c:-0}" -v n="$CONNS" 'BEGIN {
	printf "bench-dp: %d sequential echo connections: TAP %.0f conn/s, kernel on veth %.0f conn/s, ratio %.2f\n",
	       n, t, k, (k > 0 ? t / k : 0) }'
