#!/usr/bin/env python3
"""gen_rows.py: deterministic entry lines for examples/us-2025, for trying levy_dask.py.

usage: gen_rows.py N [--seed S] [--bad K] [--sample FILE] [-o FILE]

Writes a header and N rows in the columns of examples/us-2025/sample-shipments.csv
(FILE, by default that file next to this folder).  Each row is one of the sample
rows with a new id, a new value (random cents, and a US content that keeps its
share of the value), a new quantity and its dates moved by up to 60 days, so
that every row is valid for the us-2025 policy and the duties differ in the last
cent.  --bad K replaces K rows (at fixed places) with rows levy rejects: an
unknown country, a malformed date, a malformed value.

The output depends only on N, the seed and K: only random.Random(seed).random()
is used, through integer arithmetic (no float reaches the CSV).
Python 3 standard library only.
"""
import argparse
import csv
import datetime
import os
import sys
from random import Random

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE = os.path.join(HERE, "..", "us-2025", "sample-shipments.csv")
BAD = [("origin", "XX"), ("entered", "2025-13-01"), ("value", "12.3.4")]


def randint(rng, lo, hi):
    """Uniform integer in [lo, hi]."""
    return lo + int(rng.random() * (hi - lo + 1))


def shift(day, delta):
    if not day:
        return day
    return (datetime.date.fromisoformat(day) + datetime.timedelta(days=delta)).isoformat()


def cents(c):
    return "%d.%02d" % divmod(c, 100)


def generate(n, seed=1, bad=0, sample=SAMPLE, out=sys.stdout):
    with open(sample, newline="") as f:
        rows = list(csv.DictReader(f))
    header = list(rows[0].keys())
    rng = Random(seed)
    bad_at = set(1 + (i * 7919) % n for i in range(min(bad, n))) if n else set()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(header)
    for i in range(1, n + 1):
        t = dict(rows[randint(rng, 0, len(rows) - 1)])
        old = int(t["value"].replace(".", ""))
        new = randint(rng, 5000, 200000000)  # $50.00 .. $2,000,000.00
        t["id"] = "R%07d" % i
        t["value"] = cents(new)
        us = int(t["us_content"].replace(".", ""))
        t["us_content"] = cents(us * new // old)
        t["quantity"] = str(randint(rng, 1, 5000))
        delta = randint(rng, -60, 60)
        t["loaded"] = shift(t["loaded"], delta)
        t["entered"] = shift(t["entered"], delta)
        if i in bad_at:
            col, text = BAD[i % len(BAD)]
            t[col] = text
        w.writerow([t[h] for h in header])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("n", type=int)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--bad", type=int, default=0)
    ap.add_argument("--sample", default=SAMPLE)
    ap.add_argument("-o", "--output")
    a = ap.parse_args()
    if a.output:
        with open(a.output, "w", newline="") as f:
            generate(a.n, a.seed, a.bad, a.sample, f)
    else:
        generate(a.n, a.seed, a.bad, a.sample)


if __name__ == "__main__":
    main()
