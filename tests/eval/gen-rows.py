#!/usr/bin/env python3
"""gen-rows.py SAMPLE.csv N: N entry lines made from the sample shipments.

Deterministic: row i is sample row i mod len(samples) with its own id and a
value scaled by 1 + (i mod 97)/100 (kept to the cent).  Every 9973rd row has
an unknown origin, so the reject path runs too.  Writes CSV to stdout.
"""
import csv
import sys
from decimal import Decimal


def main():
    sample, n = sys.argv[1], int(sys.argv[2])
    with open(sample, newline="") as f:
        rows = list(csv.reader(f))
    header, samples = rows[0], rows[1:]
    idx = {name: k for k, name in enumerate(header)}
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(header)
    cent = Decimal("0.01")
    for i in range(n):
        row = list(samples[i % len(samples)])
        row[idx["id"]] = "R%07d" % i
        value = Decimal(row[idx["value"]]) * (1 + Decimal(i % 97) / 100)
        row[idx["value"]] = str(value.quantize(cent))
        if i % 9973 == 9972:
            row[idx["origin"]] = "XX"
        out.writerow(row)


if __name__ == "__main__":
    main()
