#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Client-side tools for the dataplane integration test (tests/dataplane/run.sh): ICMP/ICMPv6
ping over raw sockets, bulk echo with checksums, many concurrent connections, an HTTP body
check, a raw-socket SYN flood, malformed-frame injection over AF_PACKET, a user-space fault
injector (loss, reordering, duplication, corruption, delay; seeded, optionally logging every
frame) that bridges two interfaces, and timed echo connections through it that name any stall
(fault-conns). Each subcommand exits 0 on success and prints one line saying what it measured.
Everything runs inside the test's own network namespaces; nothing is sent anywhere else."""
import argparse
import collections
import errno
import hashlib
import os
import random
import select
import signal
import socket
import struct
import subprocess
import sys
import threading
import time


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


# ---------------------------------------------------------------- ping

def cmd_ping(a):
    v6 = ":" in a.addr
    fam = socket.AF_INET6 if v6 else socket.AF_INET
    proto = socket.IPPROTO_ICMPV6 if v6 else socket.IPPROTO_ICMP
    s = socket.socket(fam, socket.SOCK_RAW, proto)
    s.settimeout(1.0)
    ident = os.getpid() & 0xFFFF
    ok = 0
    for seq in range(a.count):
        payload = os.urandom(56)
        typ = 128 if v6 else 8
        hdr = struct.pack("!BBHHH", typ, 0, 0, ident, seq)
        pkt = hdr + payload
        if not v6:
            pkt = struct.pack("!BBHHH", typ, 0, csum(pkt), ident, seq) + payload
        s.sendto(pkt, (a.addr, 0))
        deadline = time.time() + 1.0
        while time.time() < deadline:
            try:
                data = s.recv(2048)
            except socket.timeout:
                break
            if not v6:
                data = data[(data[0] & 0xF) * 4:]
            if len(data) < 8:
                continue
            t, _, _, rid, rseq = struct.unpack("!BBHHH", data[:8])
            if t == (129 if v6 else 0) and rid == ident and rseq == seq:
                if data[8:] != payload:
                    fail("ping %s: payload differs" % a.addr)
                ok += 1
                break
    print("ping %s: %d/%d replies" % (a.addr, ok, a.count))
    sys.exit(0 if ok >= (a.min if a.min is not None else a.count) else 1)


# ---------------------------------------------------------------- bulk echo

def connect(addr, port, timeout=30):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect((addr, port))
    return s


def cmd_echo(a):
    """Sends size pseudo-random bytes, reads them back, compares SHA-256; clean close both ways."""
    t0 = time.time()
    s = connect(a.addr, a.port, a.timeout)
    rnd = random.Random(a.seed)
    h_out = hashlib.sha256()
    err = []

    def writer():
        try:
            left = a.size
            while left:
                n = min(left, 65536)
                chunk = rnd.randbytes(n)
                h_out.update(chunk)
                s.sendall(chunk)
                left -= n
            s.shutdown(socket.SHUT_WR)
        except Exception as e:  # noqa: BLE001 - reported below
            err.append(e)

    th = threading.Thread(target=writer)
    th.start()
    h_in = hashlib.sha256()
    got = 0
    try:
        while True:
            d = s.recv(262144)
            if not d:
                break
            h_in.update(d)
            got += len(d)
    except Exception as e:  # noqa: BLE001
        err.append(e)
    th.join()
    s.close()
    dt = time.time() - t0
    if err:
        fail("echo %s:%d: %r after %d bytes" % (a.addr, a.port, err[0], got))
    if got != a.size or h_in.digest() != h_out.digest():
        fail("echo: %d of %d bytes, sha256 %s" % (got, a.size, "differs" if got == a.size else "n/a"))
    print("echo %s:%d: %d bytes each way intact in %.2fs (%.0f Mbit/s each way)"
          % (a.addr, a.port, a.size, dt, a.size * 8 / dt / 1e6))


def http_body_sha(n):
    h = hashlib.sha256()
    pat = bytes(ord("a") + i % 26 for i in range(26 * 2521))  # 65546 bytes, period 26
    left, pos = n, 0
    while left:
        k = min(left, 65520)
        off = pos % 26
        h.update(pat[off:off + k])
        pos += k
        left -= k
    return h.hexdigest()


def cmd_httpsha(a):
    print(http_body_sha(a.size))


# ---------------------------------------------------------------- many connections

def cmd_concurrent(a):
    """Opens n connections at once, echoes a distinct message on each, closes them all."""
    t0 = time.time()
    conns = []
    for i in range(a.n):
        fam = socket.AF_INET6 if ":" in a.addr else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setblocking(False)
        s.connect_ex((a.addr, a.port))
        msg = (b"conn-%06d|" % i) * (a.msg // 12 + 1)
        conns.append({"s": s, "out": msg[:a.msg], "sent": 0, "in": b"", "eof": False, "shut": False})
    open_ = len(conns)
    deadline = time.time() + a.timeout
    by_fd = {c["s"].fileno(): c for c in conns}
    poll = select.poll()
    for c in conns:
        poll.register(c["s"], select.POLLIN | select.POLLOUT)
    while open_ and time.time() < deadline:
        for fd, ev in poll.poll(500):
            c = by_fd[fd]
            s = c["s"]
            if ev & (select.POLLERR | select.POLLNVAL):
                e = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                fail("connection %d: error %s (%d bytes sent, %d back)"
                     % (conns.index(c), os.strerror(e) if e else "?", c["sent"], len(c["in"])))
            if ev & select.POLLOUT and not c["shut"]:
                try:
                    c["sent"] += s.send(c["out"][c["sent"]:])
                except BlockingIOError:
                    pass
                if c["sent"] == len(c["out"]):
                    s.shutdown(socket.SHUT_WR)
                    c["shut"] = True
                    poll.modify(s, select.POLLIN)
            if ev & (select.POLLIN | select.POLLHUP):
                try:
                    d = s.recv(65536)
                except BlockingIOError:
                    continue
                except ConnectionResetError:
                    fail("connection %d reset" % conns.index(c))
                if d:
                    c["in"] += d
                else:
                    c["eof"] = True
                    poll.unregister(s)
                    open_ -= 1
    bad = [i for i, c in enumerate(conns) if not c["eof"] or c["in"] != c["out"]]
    for c in conns:
        c["s"].close()
    if bad:
        fail("%d of %d connections incomplete or wrong (first %d)" % (len(bad), a.n, bad[0]))
    print("concurrent %s:%d: %d connections, all echoed and closed in %.2fs"
          % (a.addr, a.port, a.n, time.time() - t0))


def cmd_parallel_echo(a):
    """k connections at once, each echoing size bytes (used through the fault injector)."""
    errs = []

    def one(i):
        ns = argparse.Namespace(addr=a.addr, port=a.port, size=a.size, seed=a.seed + i, timeout=a.timeout)
        try:
            cmd_echo(ns)
        except SystemExit as e:
            if e.code:
                errs.append(i)

    ths = [threading.Thread(target=one, args=(i,)) for i in range(a.n)]
    t0 = time.time()
    for t in ths:
        t.start()
    for t in ths:
        t.join()
    if errs:
        fail("%d of %d connections failed" % (len(errs), a.n))
    print("parallel echo: %d connections x %d bytes intact in %.2fs" % (a.n, a.size, time.time() - t0))


def echo_tracked(addr, port, size, seed, timeout, st):
    """One echo connection like cmd_echo, progress kept in st (lport, sent, got); None if intact,
    else what went wrong."""
    s = connect(addr, port, timeout)
    st["lport"] = s.getsockname()[1]
    rnd = random.Random(seed)
    h_out = hashlib.sha256()
    err = []

    def writer():
        try:
            left = size
            while left:
                n = min(left, 65536)
                chunk = rnd.randbytes(n)
                h_out.update(chunk)
                s.sendall(chunk)
                st["sent"] += n
                left -= n
            s.shutdown(socket.SHUT_WR)
        except Exception as e:  # noqa: BLE001 - reported below
            err.append(e)

    th = threading.Thread(target=writer, daemon=True)
    th.start()
    h_in = hashlib.sha256()
    try:
        while True:
            d = s.recv(262144)
            if not d:
                break
            h_in.update(d)
            st["got"] += len(d)
    except Exception as e:  # noqa: BLE001
        err.append(e)
    th.join()
    s.close()
    if err:
        return "%r after %d bytes back" % (err[0], st["got"])
    if st["got"] != size or h_in.digest() != h_out.digest():
        return "%d of %d bytes back, sha256 %s" % (st["got"], size, "differs" if st["got"] == size else "n/a")
    return None


def cmd_fault_conns(a):
    """n echo connections of size bytes, k at a time, each timed. A connection still open after
    --stall seconds is reported the moment it happens (local port, bytes each way), and the
    appliance (--dump-pid) gets SIGUSR1 so its connection dump shows the stuck state. A connection
    that takes longer than --bound seconds in all is a stall and fails the run; the run fails too
    if any connection fails or is not intact. Prints the duration distribution."""
    todo = list(range(a.n))
    lock = threading.Lock()
    res = {}
    live = {}
    errors = []

    def worker():
        while True:
            with lock:
                if not todo:
                    return
                i = todo.pop(0)
                st = {"lport": 0, "sent": 0, "got": 0, "t0": time.monotonic(), "flagged": False}
                live[i] = st
            try:
                e = echo_tracked(a.addr, a.port, a.size, a.seed + i, a.timeout, st)
            except Exception as ex:  # noqa: BLE001
                e = repr(ex)
            dt = time.monotonic() - st["t0"]
            with lock:
                del live[i]
                res[i] = (dt, st["lport"])
                if e:
                    errors.append("conn %d (port %d): %s" % (i, st["lport"], e))

    ths = [threading.Thread(target=worker, daemon=True) for _ in range(a.k)]
    t0 = time.monotonic()
    for t in ths:
        t.start()
    while any(t.is_alive() for t in ths):
        time.sleep(0.1)
        now = time.monotonic()
        with lock:
            slow = [(i, dict(st)) for i, st in live.items() if not st["flagged"] and now - st["t0"] > a.stall]
            for i, _ in slow:
                live[i]["flagged"] = True
        for i, st in slow:
            print("stuck: conn %d port %d open %.1fs, %d sent %d back (t=%.3f)"
                  % (i, st["lport"], now - st["t0"], st["sent"], st["got"], now), flush=True)
            try:   # the kernel's side of it: retransmissions, RTO, SACK state
                ss = subprocess.run(["ss", "-tinoe", "sport = :%d" % st["lport"]], capture_output=True,
                                    text=True, timeout=5).stdout
                print("  ss: " + " ".join(ss.split()[5:]), flush=True)
            except (OSError, subprocess.SubprocessError):
                pass
            for pid in a.dump_pid:
                try:
                    os.kill(pid, signal.SIGUSR1)
                except OSError:
                    pass
    total = time.monotonic() - t0
    d = sorted(v[0] for v in res.values())
    stalls = sorted((v[0], k, v[1]) for k, v in res.items() if v[0] > a.bound)
    for dt, i, port in stalls:
        print("stall: conn %d port %d took %.2fs (bound %.1fs)" % (i, port, dt, a.bound))
    for e in errors:
        print("error: " + e)
    q = (lambda f: d[min(len(d) - 1, int(f * len(d)))]) if d else (lambda f: 0.0)
    summary = ("fault conns: %d x %d bytes each way, %d at a time, in %.1fs; per conn median %.2fs p99 %.2fs "
               "max %.2fs; %d stalls over %.1fs, %d errors" % (a.n, a.size, a.k, total, q(0.5), q(0.99),
                                                                d[-1] if d else 0, len(stalls), a.bound,
                                                                len(errors)))
    if stalls or errors or len(res) != a.n:
        fail(summary)
    print(summary)


# ---------------------------------------------------------------- SYN flood

def cmd_synflood(a):
    """Raw SYNs from spoofed sources in a.srcnet (x.y.z.0/24) for a.secs seconds."""
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    dst = socket.inet_aton(a.addr)
    net = a.srcnet.split(".")[:3]
    end = time.time() + a.secs
    n = 0
    rnd = random.Random(7)
    while time.time() < end:
        for _ in range(200):
            src = socket.inet_aton(".".join(net + [str(rnd.randint(1, 254))]))
            sport = rnd.randint(1024, 65535)
            seq = rnd.getrandbits(32)
            opts = struct.pack("!BBH", 2, 4, 1460)
            tcp = struct.pack("!HHIIBBHHH", sport, a.port, seq, 0, (5 + 1) << 4, 0x02, 64240, 0, 0) + opts
            ph = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
            tcp = tcp[:16] + struct.pack("!H", csum(ph + tcp)) + tcp[18:]
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), rnd.getrandbits(16), 0, 64, 6, 0, src, dst)
            ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
            s.sendto(ip + tcp, (a.addr, 0))
            n += 1
        time.sleep(0.001)
    print("synflood: %d SYNs from %s.0/24 in %.1fs" % (n, ".".join(net), a.secs))


# ---------------------------------------------------------------- malformed frames

def eth(dst, src, typ):
    return dst + src + struct.pack("!H", typ)


def ip4(src, dst, proto, payload, ihl=5, tot=None, frag=0x4000, opts=b"", fix=True, csum_bad=False):
    tot = 20 + len(opts) + len(payload) if tot is None else tot
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, tot, 1, frag, 64, proto, 0, src, dst) + opts
    c = csum(h)
    if csum_bad:
        c ^= 0x5555
    return h[:10] + struct.pack("!H", c) + h[12:] + payload


def tcp4(src, dst, sport, dport, flags, seq=1, ack=0, opts=b"", doff=None, payload=b"", bad=False):
    doff = (20 + len(opts)) // 4 if doff is None else doff
    t = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, doff << 4, flags, 65535, 0, 0) + opts + payload
    ph = src + dst + struct.pack("!BBH", 0, 6, len(t))
    c = csum(ph + t) ^ (0x1234 if bad else 0)
    return t[:16] + struct.pack("!H", c) + t[18:]


def cmd_malformed(a):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.iface, 0))
    mine = s.getsockname()[4]
    dmac = bytes.fromhex(a.mac.replace(":", ""))
    me = socket.inet_aton(a.src)
    them = socket.inet_aton(a.addr)
    E = eth(dmac, mine, 0x0800)
    frames = {
        "unknown_ethertype": eth(dmac, mine, 0x88B5) + b"x" * 46,
        "arp_bad": eth(dmac, mine, 0x0806) + b"\x00\x01\x08\x00\x06\x04\x00\x07" + b"\0" * 20,
        "arp_short": eth(dmac, mine, 0x0806) + b"\x00\x01\x08\x00",
        "ip_short": E + b"\x45\x00\x00",
        "ip_bad_version": E + ip4(me, them, 6, tcp4(me, them, 1, 7, 0x02))[:0] + b"\x65" + b"\0" * 39,
        "ip_bad_csum": E + ip4(me, them, 6, tcp4(me, them, 1, 7, 0x02), csum_bad=True),
        "ip_len_too_long": E + ip4(me, them, 6, tcp4(me, them, 1, 7, 0x02), tot=1400),
        "ip_len_too_short": E + ip4(me, them, 6, tcp4(me, them, 1, 7, 0x02), tot=10),
        "ip_ihl_short": E + ip4(me, them, 6, tcp4(me, them, 1, 7, 0x02), ihl=3),
        "ip_options": E + ip4(me, them, 6, tcp4(me, them, 1, 7, 0x02), ihl=6, opts=b"\x01\x01\x01\x00"),
        "ip_fragment": E + ip4(me, them, 6, tcp4(me, them, 1, 7, 0x02), frag=0x2000),
        "ip_frag_offset": E + ip4(me, them, 6, tcp4(me, them, 1, 7, 0x02), frag=0x0010),
        "tcp_short": E + ip4(me, them, 6, b"\x00\x01\x00\x07\x00"),
        "tcp_bad_csum": E + ip4(me, them, 6, tcp4(me, them, 1, 7, 0x02, bad=True)),
        "tcp_doff_small": E + ip4(me, them, 6, tcp4(me, them, 1, 7, 0x02, doff=3)),
        "tcp_doff_big": E + ip4(me, them, 6, tcp4(me, them, 1, 7, 0x02, doff=15)),
        "tcp_opt_len0": E + ip4(me, them, 6, tcp4(me, them, 1, 7, 0x02, opts=b"\x02\x00\x00\x00")),
        "tcp_opt_overrun": E + ip4(me, them, 6, tcp4(me, them, 1, 7, 0x02, opts=b"\x08\x0a\x00\x00")),
        "tcp_mss_badlen": E + ip4(me, them, 6, tcp4(me, them, 1, 7, 0x02, opts=b"\x02\x05\x05\xb4")),
        "tcp_syn_fin": E + ip4(me, them, 6, tcp4(me, them, 1, 7, 0x03)),
        "tcp_null_flags": E + ip4(me, them, 6, tcp4(me, them, 1, 7, 0x00)),
        "icmp_bad_csum": E + ip4(me, them, 1, b"\x08\x00\x12\x34\x00\x01\x00\x01payload!"),
        "udp_unknown_proto": E + ip4(me, them, 17, b"\0" * 8),
        "ip6_short": eth(dmac, mine, 0x86DD) + b"\x60\0\0\0",
        "ip6_bad_len": eth(dmac, mine, 0x86DD) + b"\x60\0\0\0\x05\xdc\x06\x40" + b"\0" * 32,
    }
    rnd = random.Random(a.seed)
    sent = 0
    for name, f in frames.items():
        for _ in range(a.repeat):
            s.send(f)
            sent += 1
    # Random garbage and bit-flipped valid frames.
    base = E + ip4(me, them, 6, tcp4(me, them, 4000, 7, 0x02, opts=b"\x02\x04\x05\xb4\x01\x03\x03\x07"))
    for _ in range(a.fuzz):
        if rnd.random() < 0.5:
            f = bytearray(base)
            for _ in range(rnd.randint(1, 6)):
                i = rnd.randrange(14, len(f))
                f[i] ^= 1 << rnd.randrange(8)
            f = bytes(f[:rnd.randint(14, len(f))])
        else:
            f = dmac + mine + rnd.choice([b"\x08\x00", b"\x86\xdd", b"\x08\x06"]) + rnd.randbytes(rnd.randint(0, 200))
        s.send(f)
        sent += 1
        if sent % 200 == 0:
            time.sleep(0.002)
    print("malformed: %d frames (%d kinds x %d, %d fuzzed) sent on %s" % (sent, len(frames), a.repeat, a.fuzz, a.iface))


# ---------------------------------------------------------------- fault injector

def frame_summary(frame):
    """One line for the relay log: TCP 4-tuple (ports), flags, seq, ack, payload length, window."""
    if frame[12:14] != b"\x08\x00" or len(frame) < 34:
        return "type=%s len=%d" % (frame[12:14].hex(), len(frame))
    ihl = (frame[14] & 0xF) * 4
    if frame[23] != 6 or len(frame) < 14 + ihl + 20:
        return "ip proto=%d len=%d" % (frame[23], len(frame))
    t = 14 + ihl
    sp, dp_, seq, ack, off, fl, win = struct.unpack("!HHIIBBH", frame[t:t + 16])
    tot = struct.unpack("!H", frame[16:18])[0]
    plen = tot - ihl - (off >> 4) * 4
    names = "".join(c for c, b in zip("FSRPAU", range(6)) if fl & (1 << b))
    return "%d>%d %s seq=%u ack=%u len=%d win=%d" % (sp, dp_, names, seq, ack, plen, win)


def cmd_relay(a):
    """Bridges if1 <-> if2 with loss, reordering, duplication, corruption and delay. Seeded: the
    same frames in the same order get the same faults. With --log, one line per frame and fault
    (monotonic time, direction, action, TCP summary) for post-mortems of stalls."""
    rnd = random.Random(a.seed)
    socks = []
    for ifn in (a.if1, a.if2):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
        s.bind((ifn, 0))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
        s.setblocking(False)
        socks.append(s)
    peer = {socks[0]: socks[1], socks[1]: socks[0]}
    name = {socks[0]: a.if1, socks[1]: a.if2}
    held = {socks[0]: None, socks[1]: None}
    delayq = collections.deque()  # (due, sock, frame): one constant delay keeps it sorted
    stats = {"fwd": 0, "loss": 0, "dup": 0, "corrupt": 0, "reorder": 0, "senderr": 0}
    log = open(a.log, "w", buffering=1 << 20) if a.log else None
    stop_at = time.time() + a.secs
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    signal.signal(signal.SIGUSR1, lambda *_: log and log.flush())
    if a.ready:
        with open(a.ready, "w") as f:
            f.write("ready\n")

    def note(what, src, frame):
        if log:
            log.write("%.6f %s>%s %s %s\n" % (time.monotonic(), name[src], name[peer[src]], what,
                                               frame_summary(frame)))

    def send(sock, frame):
        # A full socket buffer is waited out, never a silent extra loss.
        for _ in range(200):
            try:
                sock.send(frame)
                return
            except OSError as e:
                if e.errno not in (errno.EAGAIN, errno.ENOBUFS, errno.EINTR):
                    break
                select.select([], [sock], [], 0.005)
        stats["senderr"] += 1
        note("senderr", peer[sock], frame)

    def out(sock, frame):
        if a.delay_ms > 0:
            delayq.append((time.monotonic() + a.delay_ms / 1000.0, sock, frame))
        else:
            send(sock, frame)

    def release(s):
        out(peer[s], held[s][0])
        note("release", s, held[s][0])
        held[s] = None

    while time.time() < stop_at and not stopping:
        tmo = 0.05
        now = time.monotonic()
        if delayq:
            tmo = max(0.0, min(tmo, delayq[0][0] - now))
        for s in socks:
            if held[s] is not None:
                tmo = max(0.0, min(tmo, held[s][1] - now))
        try:
            r, _, _ = select.select(socks, [], [], tmo)
        except InterruptedError:
            continue
        for s in r:
            for _ in range(64):
                try:
                    frame, addr = s.recvfrom(65535)
                except BlockingIOError:
                    break
                if addr[2] == socket.PACKET_OUTGOING:
                    continue
                dst = peer[s]
                # Only IP traffic gets faults; ARP/ND pass so the link stays usable.
                is_ip = frame[12:14] in (b"\x08\x00", b"\x86\xdd") and len(frame) > 60
                if is_ip and rnd.random() < a.loss:
                    stats["loss"] += 1
                    note("loss", s, frame)
                    continue
                if is_ip and rnd.random() < a.corrupt:
                    f = bytearray(frame)
                    i = rnd.randrange(34, len(f))
                    f[i] ^= 1 << rnd.randrange(8)
                    frame = bytes(f)
                    stats["corrupt"] += 1
                    note("corrupt", s, frame)
                if is_ip and held[s] is None and rnd.random() < a.reorder:
                    # Held until the next frame in this direction has gone, or 5 ms at most.
                    held[s] = (frame, time.monotonic() + 0.005)
                    stats["reorder"] += 1
                    note("hold", s, frame)
                    continue
                out(dst, frame)
                stats["fwd"] += 1
                note("fwd", s, frame)
                if is_ip and rnd.random() < a.dup:
                    out(dst, frame)
                    stats["dup"] += 1
                    note("dup", s, frame)
                if held[s] is not None:
                    release(s)
        now = time.monotonic()
        for s in socks:   # a held frame never waits long, whatever the other direction does
            if held[s] is not None and held[s][1] <= now:
                release(s)
        while delayq and delayq[0][0] <= now:
            _, sk, fr = delayq.popleft()
            send(sk, fr)
    if log:
        log.close()
    print("relay: %s" % " ".join("%s=%d" % kv for kv in stats.items()))


def cmd_connrate(a):
    """n sequential short connections (connect, 100 bytes echoed, close); prints conns/s."""
    msg = b"r" * 100
    t0 = time.time()
    for _ in range(a.n):
        s = connect(a.addr, a.port, 10)
        s.sendall(msg)
        s.shutdown(socket.SHUT_WR)
        got = b""
        while True:
            d = s.recv(4096)
            if not d:
                break
            got += d
        s.close()
        if got != msg:
            fail("connrate: echo differs")
    dt = time.time() - t0
    print("connrate %s:%d: %d connections in %.2fs = %.0f conn/s" % (a.addr, a.port, a.n, dt, a.n / dt))


def cmd_kserver(a):
    """A kernel-TCP reference server: HTTP GET /<n> (pattern body, then close) and echo."""
    body = bytes(ord("a") + i % 26 for i in range(26 * 40330))   # ~1 MiB, period 26

    def http_loop(ls):
        while True:
            c, _ = ls.accept()
            req = b""
            while b"\r\n\r\n" not in req:
                d = c.recv(4096)
                if not d:
                    break
                req += d
            try:
                n = int(req.split(b" ")[1][1:])
            except (IndexError, ValueError):
                n = 0
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % n)
            pos = 0
            mv = memoryview(body)
            while pos < n:
                k = min(n - pos, len(body) - 26)
                off = pos % 26
                c.sendall(mv[off:off + k])
                pos += k
            c.close()

    def echo_loop(ls):
        while True:
            c, _ = ls.accept()
            while True:
                d = c.recv(65536)
                if not d:
                    break
                c.sendall(d)
            c.close()

    socks = []
    for port, fn in ((a.http_port, http_loop), (a.echo_port, echo_loop)):
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("0.0.0.0", port))
        ls.listen(128)
        socks.append(ls)
        threading.Thread(target=fn, args=(ls,), daemon=True).start()
    if a.ready:
        with open(a.ready, "w") as f:
            f.write("ready\n")
    time.sleep(a.secs)


def cmd_offload_off(a):
    """Turns off checksum/segmentation offloads (veth would hand the relay partial checksums and
    64 KiB super-frames): the SIOCETHTOOL ioctl, as ethtool -K does."""
    import ctypes
    import fcntl
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for cmd in (0x2C, 0x24, 0x1F, 0x17):   # GRO, GSO, TSO, TX checksum: off
        val = ctypes.create_string_buffer(struct.pack("=II", cmd, 0), 8)
        ifr = struct.pack("16sP", a.iface.encode(), ctypes.addressof(val)) + b"\0" * 16
        try:
            fcntl.ioctl(s.fileno(), 0x8946, ifr)
        except OSError as e:
            if cmd == 0x17:
                fail("offload-off %s: %s" % (a.iface, e))
    print("offloads off on %s" % a.iface)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)
    q = sub.add_parser("ping"); q.add_argument("addr"); q.add_argument("--count", type=int, default=5)
    q.add_argument("--min", type=int, default=None)
    q.set_defaults(fn=cmd_ping)
    q = sub.add_parser("echo"); q.add_argument("addr"); q.add_argument("port", type=int)
    q.add_argument("size", type=int); q.add_argument("--seed", type=int, default=1)
    q.add_argument("--timeout", type=float, default=60); q.set_defaults(fn=cmd_echo)
    q = sub.add_parser("parallel-echo"); q.add_argument("addr"); q.add_argument("port", type=int)
    q.add_argument("n", type=int); q.add_argument("size", type=int); q.add_argument("--seed", type=int, default=1)
    q.add_argument("--timeout", type=float, default=120); q.set_defaults(fn=cmd_parallel_echo)
    q = sub.add_parser("fault-conns"); q.add_argument("addr"); q.add_argument("port", type=int)
    q.add_argument("n", type=int); q.add_argument("size", type=int); q.add_argument("--k", type=int, default=8)
    q.add_argument("--seed", type=int, default=100); q.add_argument("--timeout", type=float, default=120)
    q.add_argument("--stall", type=float, default=3.0); q.add_argument("--bound", type=float, default=120.0)
    q.add_argument("--dump-pid", type=int, action="append", default=[]); q.set_defaults(fn=cmd_fault_conns)
    q = sub.add_parser("httpsha"); q.add_argument("size", type=int); q.set_defaults(fn=cmd_httpsha)
    q = sub.add_parser("concurrent"); q.add_argument("addr"); q.add_argument("port", type=int)
    q.add_argument("n", type=int); q.add_argument("--msg", type=int, default=2000)
    q.add_argument("--timeout", type=float, default=60); q.set_defaults(fn=cmd_concurrent)
    q = sub.add_parser("synflood"); q.add_argument("addr"); q.add_argument("port", type=int)
    q.add_argument("--srcnet", default="10.99.2.0"); q.add_argument("--secs", type=float, default=5)
    q.set_defaults(fn=cmd_synflood)
    q = sub.add_parser("malformed"); q.add_argument("iface"); q.add_argument("mac"); q.add_argument("src")
    q.add_argument("addr"); q.add_argument("--repeat", type=int, default=3); q.add_argument("--fuzz", type=int, default=2000)
    q.add_argument("--seed", type=int, default=3); q.set_defaults(fn=cmd_malformed)
    q = sub.add_parser("relay"); q.add_argument("if1"); q.add_argument("if2")
    q.add_argument("--loss", type=float, default=0.0); q.add_argument("--reorder", type=float, default=0.0)
    q.add_argument("--dup", type=float, default=0.0); q.add_argument("--corrupt", type=float, default=0.0)
    q.add_argument("--delay-ms", type=float, default=0.0); q.add_argument("--seed", type=int, default=5)
    q.add_argument("--secs", type=float, default=300); q.add_argument("--ready", default="")
    q.add_argument("--log", default=""); q.set_defaults(fn=cmd_relay)
    q = sub.add_parser("connrate"); q.add_argument("addr"); q.add_argument("port", type=int)
    q.add_argument("n", type=int); q.set_defaults(fn=cmd_connrate)
    q = sub.add_parser("kserver"); q.add_argument("http_port", type=int); q.add_argument("echo_port", type=int)
    q.add_argument("--secs", type=float, default=600); q.add_argument("--ready", default="")
    q.set_defaults(fn=cmd_kserver)
    q = sub.add_parser("offload-off"); q.add_argument("iface"); q.set_defaults(fn=cmd_offload_off)
    a = p.parse_args()
    a.fn(a)


if __name__ == "__main__":
    main()
