#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Converts Wycheproof's aes_gcm_test.json into the line format the AES-GCM testbench reads:
one case per line, `tcId key nonce aad msg ct tag valid` (hex, '-' for empty, valid 1/0). Only
what the engine serves in TLS: 96-bit nonces, 128/256-bit keys, AAD up to 13 bytes; the skipped
count goes to stderr. Not for: any other file format."""
import json
import sys


def main():
    src, dst = sys.argv[1], sys.argv[2]
    with open(src) as f:
        d = json.load(f)
    n = skipped = 0
    with open(dst, "w") as out:
        for g in d["testGroups"]:
            for t in g["tests"]:
                if (g["ivSize"] != 96 or g["keySize"] not in (128, 256) or g["tagSize"] != 128
                        or len(t["aad"]) // 2 > 13 or t["result"] == "acceptable"):
                    skipped += 1
                    continue
                f = [str(t["tcId"]), t["key"], t["iv"], t["aad"], t["msg"], t["ct"], t["tag"],
                     "1" if t["result"] == "valid" else "0"]
                out.write(" ".join(x if x else "-" for x in f) + "\n")
                n += 1
    sys.stderr.write("wycheproof_gcm: %d cases, %d skipped (nonce/key/tag size or AAD > 13 B)\n"
                     % (n, skipped))
    return 0 if n else 1


if __name__ == "__main__":
    sys.exit(main())
