#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Turn a Wycheproof JSON file into one line per test case for the engine testbenches.

Line format (hex fields, '-' for empty or absent):
    tcId result key iv aad msg ct tag
The harnesses read this with plain C++ streams, so they need no JSON parser. This script only
reformats; it decides nothing about which cases the engines can express.
"""
import json
import sys


def field(case, group, name):
    v = case.get(name, "")
    if name == "iv" and not v:
        v = group.get("iv", "")
    return v if v else "-"


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: chacha_cbc_vectors.py IN.json OUT.hex")
    with open(sys.argv[1]) as f:
        data = json.load(f)
    n = 0
    with open(sys.argv[2], "w") as out:
        for group in data["testGroups"]:
            for case in group["tests"]:
                out.write(" ".join([str(case["tcId"]), case["result"]] +
                                   [field(case, group, k) for k in
                                    ("key", "iv", "aad", "msg", "ct", "tag")]) + "\n")
                n += 1
    if n == 0:
        sys.exit("chacha_cbc_vectors.py: no test cases in " + sys.argv[1])


if __name__ == "__main__":
    main()
