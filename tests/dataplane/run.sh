#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# check-dataplane: ftls-dataplane over net_tap with the Linux kernel as the client, each in
# network namespaces this script creates and always deletes (trap). Phase 1 (direct TAP): ping
# and ping6, 1 GiB each way with SHA-256 (echo with Python sockets, HTTP download with curl;
# 256 MiB echo with nc), HTTP bodies and keep-alive, 1,000 concurrent connections, a SYN flood from spoofed
# sources while a legitimate client connects, malformed and fuzzed frames, then clean shutdown on
# SIGINT with counters. Phase 2: a user-space fault injector (loss, reordering, duplication,
# corruption, delay) between the kernel client and the appliance; every byte must arrive intact,
# every connection close, and none take longer than a healthy TCP would (DP_TEST_FAULT_STRICT=0:
# fewer connections and long timeouts only, for hunting by hand).
# Closes with "dataplane: N passed, N failed".
set -u
BIN=${1:-build/ftls-dataplane}
HERE=$(cd "$(dirname "$0")" && pwd)
PY="python3 $HERE/dptest.py"
BULK=${DP_TEST_BULK:-1073741824}     # HTTP download size (1 GiB, curl)
ECHO=${DP_TEST_ECHO:-1073741824}     # echo size each way (1 GiB, Python sockets)
NCSZ=${DP_TEST_NC:-268435456}        # echo size each way with nc (256 MiB: the time budget)
CONNS=${DP_TEST_CONNS:-1000}
# Fault phase: 1 = a connection slower than a healthy TCP is a stall and fails, and no frame may be
# refused by the port. Default 1 once dp_tcp_output() keeps SACK-carrying segments within the MSS
# and recovery retransmissions within snd_max (the two causes of the fault-relay stall).
STRICT=${DP_TEST_FAULT_STRICT:-1}
TAG=dp$$
NS1=${TAG}a NS2=${TAG}b NS3=${TAG}c
TMP=$(mktemp -d /tmp/ftls-dptest.XXXXXX)
pass=0 fail=0
PIDS=()

cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	sleep 0.3
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	for n in $NS1 $NS2 $NS3; do ip netns del "$n" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ok()  { echo "PASS $1${2:+: $2}"; pass=$((pass + 1)); }
bad() { echo "FAIL $1${2:+: $2}"; fail=$((fail + 1)); }
# run NAME CMD...: one test, its last output line as the detail.
run() {
	local name=$1; shift
	local out rc
	out=$("$@" 2>&1); rc=$?
	if [ $rc -eq 0 ]; then ok "$name" "$(printf '%s' "$out" | tail -n 1)"
	else bad "$name" "$(printf '%s' "$out" | tail -n 3 | tr '\n' ' ')"; fi
}
finish() {
	echo "dataplane: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit $?
}

if [ ! -x "$BIN" ]; then bad build "$BIN missing"; finish; fi
if [ "$(id -u)" != 0 ] || [ ! -c /dev/net/tun ]; then bad environment "needs root and /dev/net/tun"; finish; fi

# start_dp NS CONFIG LOG: runs the appliance in NS, waits for "ready"; sets DP_PID.
start_dp() {
	: >"$3"
	ip netns exec "$1" "$BIN" --config "$2" >"$3" 2>&1 &
	DP_PID=$!
	PIDS+=("$DP_PID")
	for _ in $(seq 100); do
		grep -q "ftls-dataplane: ready" "$3" && return 0
		kill -0 "$DP_PID" 2>/dev/null || break
		sleep 0.1
	done
	return 1
}
# counters PID LOG: SIGUSR1, then the last dump as "NAME VALUE" lines in $TMP/cnt.
counters() {
	local before
	before=$(grep -c "dp-stats: end" "$2")
	kill -USR1 "$1"
	for _ in $(seq 50); do
		[ "$(grep -c "dp-stats: end" "$2")" -gt "$before" ] && break
		sleep 0.1
	done
	awk '/dp-stats: begin/{delete c} /^dp-stats: [A-Z0-9_]+ [0-9]+$/{c[$2]=$3} END{for(k in c) print k, c[k]}' "$2" >"$TMP/cnt"
}
cnt() { awk -v k="$1" '$1==k{print $2; f=1} END{if(!f) print 0}' "$TMP/cnt"; }

write_conf() { # FILE IFACE IPV4 IPV6 GW4 [LCORES]
	cat >"$1" <<EOF
# Written by tests/dataplane/run.sh
management: {socket: /nonexistent}   # not ours: ignored by the dataplane
dataplane:
  eal: ["--no-huge", "-m", "384", "--log-level", "*:error"]
  lcores: ${6:-1}
  mbufs: 16383
  poll_idle_us: 20
  ports:
    - name: test0
      devargs: net_tap0,iface=$2
      ipv4: $3
      gateway4: $5
      ipv6: $4
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
}

# ------------------------------------------------------------------ config errors
printf 'dataplane:\n  ports:\n    - name: p\n      devargs: net_tap0\n      ipv4: 10.0.0.300/24\n' >"$TMP/bad1.yaml"
out=$("$BIN" --config "$TMP/bad1.yaml" --check-config 2>&1)
if printf '%s' "$out" | grep -q "bad1.yaml:5: dataplane.ipv4"; then ok config_error_line "$out"; else bad config_error_line "$out"; fi
printf 'dataplane:\n  lcores: many\n  ports: []\n' >"$TMP/bad2.yaml"
out=$("$BIN" --config "$TMP/bad2.yaml" --check-config 2>&1)
if printf '%s' "$out" | grep -q "bad2.yaml:2: dataplane.lcores"; then ok config_error_key "$out"; else bad config_error_key "$out"; fi
out=$("$BIN" --check-config 2>&1)
if printf '%s' "$out" | grep -q "config ok"; then ok config_default "$out"; else bad config_default "$out"; fi

# ------------------------------------------------------------------ phase 1: direct TAP
ip netns add $NS1 && ip netns exec $NS1 ip link set lo up
write_conf "$TMP/dp1.yaml" dptap0 10.99.0.1/24 fd00:99::1/64 10.99.0.2
if ! start_dp $NS1 "$TMP/dp1.yaml" "$TMP/dp1.log"; then
	bad start "$(tail -n 5 "$TMP/dp1.log" | tr '\n' ' ')"; finish
fi
ok start "$(grep 'ftls-dataplane: port' "$TMP/dp1.log")"
DP1=$DP_PID
MAC=$(sed -n 's/.* mac \([0-9a-f:]*\) .*/\1/p' "$TMP/dp1.log")
ip netns exec $NS1 sh -c "ip addr add 10.99.0.2/24 dev dptap0 && ip addr add fd00:99::2/64 dev dptap0 nodad && ip link set dptap0 up"
ip netns exec $NS1 sysctl -qw net.ipv4.ip_forward=0
N1="ip netns exec $NS1"

run ping4 $N1 $PY ping 10.99.0.1 --count 5
run ping6 $N1 $PY ping fd00:99::1 --count 5
run echo_small $N1 $PY echo 10.99.0.1 7 1000
run echo_ipv6 $N1 $PY echo fd00:99::1 7 4000000 --seed 9
# 1 GiB each way: Python sockets (echo: 1 GiB of pseudo-random bytes up, the same 1 GiB back) and
# curl (HTTP: 1 GiB down); nc echoes 256 MiB (an AES-CTR keystream made twice: once hashed, once
# sent). SHA-256 of what was sent against what came back.
run echo_bulk timeout 300 $N1 $PY echo 10.99.0.1 7 "$ECHO" --seed 2

gen() { openssl enc -aes-128-ctr -nosalt -K 00112233445566778899aabbccddeeff -iv 0 -in /dev/zero 2>/dev/null | head -c "$1"; }
want=$(gen "$NCSZ" | sha256sum | cut -d' ' -f1)
t0=$(date +%s.%N)
got=$(gen "$NCSZ" | $N1 timeout 300 nc -N 10.99.0.1 7 | sha256sum | cut -d' ' -f1)
t1=$(date +%s.%N)
if [ "$want" = "$got" ]; then
	ok echo_nc "$NCSZ bytes each way via nc, sha256 equal, $(awk -v a="$t0" -v b="$t1" -v n="$NCSZ" 'BEGIN{printf "%.1fs, %.0f Mbit/s each way", b-a, n*8/(b-a)/1e6}')"
else bad echo_nc "sha256 $got != $want"; fi

# curl: HTTP bodies, keep-alive, IPv6.
want=$($PY httpsha "$BULK")
t0=$(date +%s.%N)
got=$($N1 timeout 300 curl -sS --fail http://10.99.0.1/"$BULK" | sha256sum | cut -d' ' -f1)
t1=$(date +%s.%N)
if [ "$want" = "$got" ]; then
	ok http_bulk "$BULK bytes via curl, sha256 equal, $(awk -v a="$t0" -v b="$t1" -v n="$BULK" 'BEGIN{printf "%.1fs, %.0f Mbit/s", b-a, n*8/(b-a)/1e6}')"
else bad http_bulk "sha256 $got != $want"; fi
out=$($N1 timeout 20 curl -sS -v http://10.99.0.1/100 http://10.99.0.1/bytes/2000 http://10.99.0.1/0 -o /dev/null -o /dev/null -o /dev/null 2>&1)
if printf '%s' "$out" | grep -q "Re-using existing connection" && [ "$(printf '%s' "$out" | grep -c 'HTTP/1.1 200')" = 3 ]; then
	ok http_keepalive "3 requests on one connection"
else bad http_keepalive "$(printf '%s' "$out" | grep -E '^[<*]' | head -5 | tr '\n' ' ')"; fi
code=$($N1 timeout 10 curl -s -o /dev/null -w '%{http_code}' http://10.99.0.1/notanumber)
[ "$code" = 400 ] && ok http_bad_request "400 for a bad path" || bad http_bad_request "got $code"
got=$($N1 timeout 20 curl -sS -g 'http://[fd00:99::1]/1000000' | sha256sum | cut -d' ' -f1)
[ "$got" = "$($PY httpsha 1000000)" ] && ok http_ipv6 "1 MB over IPv6 intact" || bad http_ipv6 "sha256 differs"

run concurrent $N1 $PY concurrent 10.99.0.1 7 "$CONNS" --timeout 90
sleep 2.5   # past time_wait_ms of the connections the server closed first (HTTP 400, close)
counters $DP1 "$TMP/dp1.log"
echo "  (after $CONNS: accepted $(cnt TCP_ACCEPTED), cookies $(cnt TCP_COOKIE_OK), rst sent $(cnt TCP_RST_SENT)," \
     "tx ring full $(cnt TX_RING_FULL), no conn $(cnt TCP_NOCONN))"
[ "$(cnt CONNS_IN_USE)" = 0 ] && ok all_closed "no connection left after $CONNS" || bad all_closed "$(cnt CONNS_IN_USE) connections still in use"

# SYN flood from spoofed sources (routed via 10.99.0.2, which drops the SYN-ACKs) while a
# legitimate client connects and transfers.
$N1 $PY synflood 10.99.0.1 7 --secs 6 >"$TMP/flood.log" 2>&1 &
FLOOD=$!
PIDS+=("$FLOOD")
sleep 1.5
run synflood_legit_echo $N1 $PY echo 10.99.0.1 7 2000000 --seed 4 --timeout 20
run synflood_legit_many $N1 $PY concurrent 10.99.0.1 7 50 --timeout 20
wait $FLOOD
counters $DP1 "$TMP/dp1.log"
[ "$(cnt TCP_BACKLOG_FULL)" -gt 0 ] && ok synflood_cookies "$(cat "$TMP/flood.log"); $(cnt TCP_BACKLOG_FULL) SYNs answered with cookies" \
	|| bad synflood_cookies "no cookies sent ($(cat "$TMP/flood.log"))"

# Malformed and fuzzed frames: dropped, counted, no crash.
run malformed_send $N1 $PY malformed dptap0 "$MAC" 10.99.0.2 10.99.0.1 --repeat 3 --fuzz 3000
sleep 0.5
counters $DP1 "$TMP/dp1.log"
missing=""
for k in ETH_UNKNOWN_TYPE ARP_BAD IP4_SHORT IP4_BAD_VERSION IP4_BAD_CSUM IP4_BAD_LEN IP4_OPTIONS \
	 IP4_FRAGMENT TCP_SHORT TCP_BAD_CSUM TCP_BAD_OFF TCP_BAD_OPT TCP_BAD_FLAGS ICMP_BAD IP_UNKNOWN_PROTO \
	 IP6_SHORT IP6_BAD_LEN; do
	[ "$(cnt $k)" -gt 0 ] || missing="$missing $k"
done
[ -z "$missing" ] && ok malformed_counted "every kind has its drop counter" || bad malformed_counted "not counted:$missing"
kill -0 $DP1 2>/dev/null && ok malformed_alive "appliance still running" || bad malformed_alive "appliance died"
run after_malformed_echo $N1 $PY echo 10.99.0.1 7 100000 --seed 5

# Clean stop on SIGINT.
kill -INT $DP1
for _ in $(seq 50); do kill -0 $DP1 2>/dev/null || break; sleep 0.1; done
if ! kill -0 $DP1 2>/dev/null && grep -q "ftls-dataplane: stopped" "$TMP/dp1.log"; then ok sigint_stop "stopped cleanly"
else bad sigint_stop "still running or no clean stop"; fi
# Every buffer the stack held (received views, send chains, indirect mbufs) went back to its pool.
leak=$(grep "mbufs still in use" "$TMP/dp1.log")
case "$leak" in *"in use: 0, indirect 0"*) ok no_mbuf_leak "$leak" ;; *) bad no_mbuf_leak "${leak:-no count printed}" ;; esac
ip netns del $NS1

# ------------------------------------------------------------------ phase 1b: two lcores
# Two queue pairs on the TAP port: the kernel spreads flows over them, each lcore owns its flows,
# ARP/ND learned on one lcore is shared with the other.
ip netns add $NS1 && ip netns exec $NS1 ip link set lo up
write_conf "$TMP/dp1b.yaml" dptap0 10.99.0.1/24 fd00:99::1/64 10.99.0.2 2
if start_dp $NS1 "$TMP/dp1b.yaml" "$TMP/dp1b.log"; then
	DP1=$DP_PID
	ip netns exec $NS1 sh -c "ip addr add 10.99.0.2/24 dev dptap0 && ip link set dptap0 up"
	run lcores2_concurrent $N1 $PY concurrent 10.99.0.1 7 "$CONNS" --timeout 90
	run lcores2_echo $N1 $PY echo 10.99.0.1 7 16000000 --seed 21
	counters $DP1 "$TMP/dp1b.log"
	per=$(grep "dp-lcore:" "$TMP/dp1b.log" | tail -n 2 | awk '{printf "%s lcore %s: %s conns; ", "", $2, $4}')
	busy=$(grep "dp-lcore:" "$TMP/dp1b.log" | tail -n 2 | awk '$4 > 0 {n++} END {print n+0}')
	[ "$busy" = 2 ] && ok lcores2_spread "$per" || bad lcores2_spread "one lcore idle: $per"
	kill -INT $DP1
	for _ in $(seq 50); do kill -0 $DP1 2>/dev/null || break; sleep 0.1; done
else
	bad lcores2_start "$(tail -n 5 "$TMP/dp1b.log" | tr '\n' ' ')"
fi
ip netns del $NS1

# ------------------------------------------------------------------ phase 2: fault injector
# NS2: appliance TAP (no kernel address) + veth end, bridged by the relay; NS3: the client.
ip netns add $NS2 && ip netns add $NS3
ip netns exec $NS2 ip link set lo up; ip netns exec $NS3 ip link set lo up
ip link add ${TAG}v0 netns $NS2 type veth peer name ${TAG}v1 netns $NS3
write_conf "$TMP/dp2.yaml" dptap1 10.99.1.1/24 fd00:98::1/64 10.99.1.2
if ! start_dp $NS2 "$TMP/dp2.yaml" "$TMP/dp2.log"; then
	bad start_fault "$(tail -n 5 "$TMP/dp2.log" | tr '\n' ' ')"; finish
fi
DP2=$DP_PID
ip netns exec $NS2 sh -c "sysctl -qw net.ipv6.conf.all.disable_ipv6=1; ip link set dptap1 up; ip link set ${TAG}v0 up"
ip netns exec $NS3 sh -c "ip addr add 10.99.1.2/24 dev ${TAG}v1 && ip link set ${TAG}v1 up"
ip netns exec $NS3 $PY offload-off ${TAG}v1 >/dev/null
ip netns exec $NS2 $PY offload-off ${TAG}v0 >/dev/null
ip netns exec $NS2 $PY relay dptap1 ${TAG}v0 --loss 0.03 --reorder 0.02 --dup 0.01 --corrupt 0.01 \
	--delay-ms 1 --secs 400 --ready "$TMP/relay.ready" >"$TMP/relay.log" 2>&1 &
RELAY=$!
PIDS+=("$RELAY")
for _ in $(seq 50); do [ -f "$TMP/relay.ready" ] && break; sleep 0.1; done
N3="ip netns exec $NS3"
run fault_ping $N3 $PY ping 10.99.1.1 --count 5 --min 3
# Every connection is timed: one still open after 5 s gets the appliance's connection dump
# (SIGUSR1) and is named; one over the bound is a stall and fails. By default 48 connections and a
# bound a healthy TCP meets (the transfer plus a few RTOs); DP_TEST_FAULT_STRICT=0: 8 connections
# and long timeouts only.
if [ "$STRICT" = 1 ]; then FN=48 FB=20 FB1=40; else FN=8 FB=150 FB1=150; fi
fault_conns() { # NAME N SIZE SEED BOUND
	local out rc ports p
	out=$($N3 timeout $(($5 * 2 + 60)) $PY fault-conns 10.99.1.1 7 "$2" "$3" --k 8 --seed "$4" --stall 5 \
		--bound "$5" --timeout "$(($5 + 30))" --dump-pid "$DP2" 2>&1); rc=$?
	ports=$(printf '%s\n' "$out" | sed -n 's/^stuck: conn [0-9]* port \([0-9]*\) .*/\1/p')
	[ -n "$ports" ] && printf '%s\n' "$out" | grep -E '^(stuck|stall|error):|^  ss:' | sed 's/^/  /'
	for p in $ports; do grep "dp-conn: $p->7 " "$TMP/dp2.log" | head -n 1 | sed 's/^/  first dump: /'; done
	if [ $rc -eq 0 ]; then ok "$1" "$(printf '%s' "$out" | tail -n 1)"
	else bad "$1" "$(printf '%s' "$out" | tail -n 1)"; fi
}
fault_conns fault_echo_conns "$FN" 1000000 11 "$FB"
fault_conns fault_echo_one 1 4000000 12 "$FB1"
want=$($PY httpsha 4000000)
t0=$(date +%s.%N)
got=$($N3 timeout 150 curl -sS http://10.99.1.1/4000000 | sha256sum | cut -d' ' -f1)
secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')
if [ "$want" != "$got" ]; then bad fault_http "sha256 differs after ${secs}s"
elif awk -v s="$secs" -v b="$FB1" 'BEGIN{exit !(s > b)}'; then bad fault_http "stall: 4 MB took ${secs}s (bound ${FB1}s)"
else ok fault_http "4 MB body intact through faults in ${secs}s"; fi
sleep 1
counters $DP2 "$TMP/dp2.log"
detail="retrans $(cnt TCP_RETRANS), fast $(cnt TCP_FAST_RETRANS), rto $(cnt TCP_RTO), ooo $(cnt TCP_OOO), dup $(cnt TCP_DUP), bad csum $(( $(cnt TCP_BAD_CSUM) + $(cnt IP4_BAD_CSUM) ))"
if [ "$(cnt TCP_RETRANS)" -gt 0 ] && [ "$(cnt TCP_OOO)" -gt 0 ]; then ok fault_recovery_used "$detail"
else bad fault_recovery_used "faults had no effect? $detail"; fi
if [ "$(cnt CONNS_IN_USE)" = 0 ]; then ok fault_all_closed "every connection closed"
else bad fault_all_closed "$(cnt CONNS_IN_USE) left"; grep "dp-conn:" "$TMP/dp2.log" | tail -n 5; fi
detail="tx ring full $(cnt TX_RING_FULL), oversize $(cnt TX_OVERSIZE), segs out $(cnt TCP_SEGS_OUT)"
# A frame the port refuses (oversized) is lost every time it is resent: none may be refused.
[ "$STRICT" != 1 ] || { [ "$(cnt TX_RING_FULL)" = 0 ] && [ "$(cnt TX_OVERSIZE)" = 0 ] && ok fault_tx_clean "$detail" || bad fault_tx_clean "$detail"; }
kill $RELAY 2>/dev/null
wait $RELAY 2>/dev/null
echo "  ($(tail -n 1 "$TMP/relay.log"))"
kill -INT $DP2
for _ in $(seq 50); do kill -0 $DP2 2>/dev/null || break; sleep 0.1; done
kill -0 $DP2 2>/dev/null && bad fault_stop "still running" || ok fault_stop "stopped"
leak=$(grep "mbufs still in use" "$TMP/dp2.log")
case "$leak" in *"in use: 0, indirect 0"*) ok fault_no_mbuf_leak "$leak" ;; *) bad fault_no_mbuf_leak "${leak:-no count printed}" ;; esac
finish
