#!/usr/bin/env python3
"""levy_dask.py: `levy eval --summary` on a Dask distributed cluster, merged exactly.

usage:
  levy_dask.py [options] POLICY.levy... --input BIG.csv|FOLDER
  levy_dask.py merge [--format=json|text] SUMMARY.json... (or - for standard input)

Rows are independent, so a file of entry lines can be cut into partitions and
each partition evaluated anywhere.  This program cuts BIG.csv into N partitions
by byte ranges at line boundaries (each partition is given the header again),
or takes every *.csv of FOLDER as one partition, and runs on a Dask worker, for
each partition,

    levy eval POLICY... --input PART --summary [--by KEY] --format=json

(a subprocess on the worker; the byte range of BIG.csv is streamed to levy's
standard input, a partition file is named to it), then merges the summaries
exactly -- rows, rejected, rows_in, value and duty added as integers of
millionths, per group too, the effective rate recomputed from the merged totals
with levy's rounding -- and prints the merged summary as levy would have printed
the summary of the whole input: a table, or with --format=json the same JSON.

Options:
  --input PATH        a CSV with a header, or a folder of them (one partition each)
  --partitions N      cut a CSV into N partitions (default: twice the cluster's threads)
  --by KEY            origin, chapter or measure: per-group totals as well
  --format FMT        text (default) or json
  --keep-going        passed to levy: rejected rows do not make the exit status 1
  --levy PATH         the levy binary as the workers see it (default: the build
                      tree's src/levy next to this folder, else `levy` on their PATH)
  --scheduler ADDR    a running cluster, tcp://host:8786 (default: start a
                      LocalCluster on this machine)
  --workers N         the LocalCluster's workers (default: Dask's choice)

Exit status as levy's: 0; 1 when rows were rejected (unless --keep-going) or the
policy does not check; 2 for a usage error, or when levy could not run.  A
partition whose levy wrote no summary fails the whole job, with its message.

The workers must see the policy files, the levy binary and the input at the
same paths as this program (a shared file system, or the same copies on every
machine): see README.md.  The merge needs only the standard library, and is
importable: `from levy_dask import merge, parse_summary, format_json`.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
UNIT = 10**6  # levy keeps money as integers of millionths
CHUNK = 1 << 20
MORE = "levy: more rows rejected; not shown (see --rejects)"

# ---- Exact merge (standard library only) ----------------------------------------------

_DECIMAL = re.compile(r"(-?)(\d+)(?:\.(\d{1,6}))?\Z")


def units(text):
    """A levy decimal string ("2301.00", "-0.5", "12.345678") as integer millionths.

    Exact: anything that is not a plain decimal of at most 6 places is refused."""
    m = _DECIMAL.match(text) if isinstance(text, str) else None
    if not m:
        raise ValueError("not an exact decimal string: %r" % (text,))
    sign, whole, frac = m.groups()
    u = int(whole) * UNIT + int((frac or "").ljust(6, "0"))
    return -u if sign else u


def fmt_units(u, places=2):
    """Integer millionths as levy writes them: at least `places` decimals, more
    (trailing zeros trimmed) when needed to be exact (cmd_eval.c fmt_units)."""
    whole, frac = divmod(abs(u), UNIT)
    f = "%06d" % frac
    last = 6
    while last > places and f[last - 1] == "0":
        last -= 1
    return ("-" if u < 0 else "") + str(whole) + ("." + f[:last] if last else "")


def effective(duty, value):
    """duty / value as a percentage rounded half away from zero to 4 decimals,
    trailing zeros trimmed ("26%", "10.1809%"): cmd_eval.c effective()."""
    if value == 0:
        return "0%"
    num = duty * 100 * 10000
    q, r = divmod(abs(num), abs(value))  # truncation toward zero, as C
    if 2 * r >= abs(value):
        q += 1
    if (num < 0) != (value < 0):
        q = -q
    return fmt_units(q * 100, 0) + "%"


def parse_summary(obj):
    """One summary (levy's JSON, as text or as a parsed dict) as exact integers."""
    if isinstance(obj, (str, bytes)):
        obj = json.loads(obj)
    s = {
        "rows": int(obj["rows"]),
        "rejected": int(obj["rejected"]),
        "rows_in": int(obj["rows_in"]),
        "value": units(obj["value"]),
        "duty": units(obj["duty"]),
        "by": obj.get("by"),
        "groups": {},
    }
    if s["rows_in"] != s["rows"] + s["rejected"]:
        raise ValueError("summary with rows_in %d != rows %d + rejected %d"
                         % (s["rows_in"], s["rows"], s["rejected"]))
    for g in obj.get("groups", []):
        if g["key"] in s["groups"]:
            raise ValueError("summary with group %r twice" % g["key"])
        s["groups"][g["key"]] = [int(g["rows"]), units(g["value"]), units(g["duty"])]
    return s


def merge(summaries):
    """The exact sum of summaries (levy's JSON texts, dicts, or parse_summary
    results): counts and money added as integers, groups added by key."""
    out = {"rows": 0, "rejected": 0, "rows_in": 0, "value": 0, "duty": 0,
           "by": None, "groups": {}}
    first = True
    for s in summaries:
        if not (isinstance(s, dict) and isinstance(s.get("groups"), dict)):
            s = parse_summary(s)
        if first:
            out["by"] = s["by"]
            first = False
        elif s["by"] != out["by"]:
            raise ValueError("summaries grouped differently: %r and %r" % (out["by"], s["by"]))
        for k in ("rows", "rejected", "rows_in", "value", "duty"):
            out[k] += s[k]
        for key, (rows, value, duty) in s["groups"].items():
            g = out["groups"].setdefault(key, [0, 0, 0])
            g[0] += rows
            g[1] += value
            g[2] += duty
    return out


def _json_str(s):
    """A JSON string as levy's json_put writes it (byte for byte)."""
    out = []
    for c in s:
        if c in '"\\':
            out.append("\\" + c)
        elif ord(c) < 0x20:
            out.append("\\u%04x" % ord(c))
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def _keys(s):
    # levy sorts the groups by strcmp: byte order of UTF-8, which is code point order.
    return sorted(s["groups"])


def format_json(s):
    """A merged summary in the shape, and the bytes, of `levy eval --summary --format=json`."""
    t = ('{"rows_in": %d, "rows": %d, "rejected": %d, "value": "%s", "duty": "%s", '
         '"effective_rate": "%s"' % (s["rows_in"], s["rows"], s["rejected"], fmt_units(s["value"]),
                                     fmt_units(s["duty"]), effective(s["duty"], s["value"])))
    if s["by"]:
        gs = []
        for k in _keys(s):
            rows, value, duty = s["groups"][k]
            gs.append('{"key": %s, "rows": %d, "value": "%s", "duty": "%s", "effective_rate": "%s"}'
                      % (_json_str(k), rows, fmt_units(value), fmt_units(duty),
                         effective(duty, value)))
        t += ', "by": %s, "groups": [%s]' % (_json_str(s["by"]), ", ".join(gs))
    return t + "}\n"


def format_text(s):
    """A merged summary as levy's table (`levy eval --summary`)."""
    t = ("rows in         %d\nrows out        %d\nrows rejected   %d\n"
         % (s["rows_in"], s["rows"], s["rejected"]))
    t += ("total value     %s\ntotal duty      %s\neffective rate  %s\n"
          % (fmt_units(s["value"]), fmt_units(s["duty"]), effective(s["duty"], s["value"])))
    if s["by"]:
        t += "\n%-20s %10s %20s %20s %10s\n" % (s["by"], "rows", "value", "duty", "rate")
        for k in _keys(s):
            rows, value, duty = s["groups"][k]
            t += "%-20s %10d %20s %20s %10s\n" % (k, rows, fmt_units(value), fmt_units(duty),
                                                  effective(duty, value))
    return t


def read_summaries(paths):
    """Every summary in the files (one JSON object a line; "-" is standard input).
    Blank lines and the trailing tab of a Hadoop Streaming record are ignored."""
    for p in paths:
        f = sys.stdin if p == "-" else open(p)
        try:
            for line in f:
                if line.strip():
                    yield json.loads(line.strip())
        finally:
            if f is not sys.stdin:
                f.close()


def merge_main(argv):
    ap = argparse.ArgumentParser(prog="levy_dask.py merge",
                                 description="merge levy eval --summary --format=json outputs exactly")
    ap.add_argument("--format", choices=("json", "text"), default="json")
    ap.add_argument("files", nargs="+", metavar="SUMMARY.json")
    a = ap.parse_args(argv)
    try:
        s = merge(read_summaries(a.files))
    except (OSError, ValueError, KeyError, TypeError) as e:
        print("levy_dask.py merge: %s" % e, file=sys.stderr)
        return 2
    sys.stdout.write(format_json(s) if a.format == "json" else format_text(s))
    return 0


# ---- Partitions ------------------------------------------------------------------------


def split(path, n):
    """Cut a CSV into at most n byte ranges [start, end) of whole lines after the
    header; returns (header bytes, ranges).  Cuts fall just after a newline, so a
    quoted field holding a newline would be cut: entry-line files have none."""
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        header = f.readline()
        start = f.tell()
        if not header.endswith(b"\n"):
            header += b"\n"
        cuts = [start]
        for k in range(1, n):
            target = start + (size - start) * k // n
            if target <= cuts[-1]:
                continue
            f.seek(target - 1)
            f.readline()  # to the end of the line holding byte target-1
            cut = f.tell()
            if cuts[-1] < cut < size:
                cuts.append(cut)
        cuts.append(size)
    return header, [(a, b) for a, b in zip(cuts, cuts[1:]) if b > a]


def run_partition(task):
    """On a worker: one levy eval of one partition.  task is a dict: levy, args
    (the arguments after `eval`, without --input), and either file (a whole
    partition file) or csv, header, start, end (a byte range of csv)."""
    cmd = [task["levy"], "eval"] + task["args"]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            if "file" in task:
                rc = subprocess.call(cmd + ["--input", task["file"]], stdin=subprocess.DEVNULL,
                                     stdout=out, stderr=err)
            else:
                p = subprocess.Popen(cmd + ["--input", "-"], stdin=subprocess.PIPE,
                                     stdout=out, stderr=err)
                lines = 0
                try:
                    p.stdin.write(task["header"])
                    with open(task["csv"], "rb") as f:
                        f.seek(task["start"])
                        left = task["end"] - task["start"]
                        while left > 0:
                            b = f.read(min(CHUNK, left))
                            if not b:
                                break
                            p.stdin.write(b)
                            lines += b.count(b"\n")
                            left -= len(b)
                    p.stdin.close()
                except BrokenPipeError:
                    pass  # levy stopped reading (a refused policy): its status says why
                rc = p.wait()
        except OSError as e:
            return {"rc": 127, "stdout": "", "stderr": "cannot run %s: %s\n" % (cmd[0], e)}
        out.seek(0)
        err.seek(0)
        r = {"rc": rc, "stdout": out.read().decode("utf-8", "replace"),
             "stderr": err.read().decode("utf-8", "replace")}
        if "file" not in task:
            r["lines"] = lines  # newlines in the range, to number the lines of the next one
        return r


def default_levy():
    built = os.path.normpath(os.path.join(HERE, "..", "..", "src", "levy"))
    return built if os.access(built, os.X_OK) else "levy"


def eval_main(argv):
    ap = argparse.ArgumentParser(prog="levy_dask.py", usage="%(prog)s [options] POLICY... --input CSV|FOLDER",
                                 description="levy eval --summary on a Dask cluster, merged exactly "
                                             "(levy_dask.py merge ...: merge summary files)")
    ap.add_argument("policies", nargs="+", metavar="POLICY")
    ap.add_argument("--input", required=True)
    ap.add_argument("--partitions", type=int)
    ap.add_argument("--by", choices=("origin", "chapter", "measure"))
    ap.add_argument("--format", choices=("text", "json"), default="text")
    ap.add_argument("--keep-going", action="store_true")
    ap.add_argument("--levy", default=default_levy())
    ap.add_argument("--scheduler")
    ap.add_argument("--workers", type=int)
    a = ap.parse_args(argv)
    if a.partitions is not None and a.partitions < 1:
        ap.error("--partitions must be at least 1")

    try:
        from distributed import Client, LocalCluster
    except ImportError as e:
        print("levy_dask.py: Dask distributed is not installed (%s): apt-get install "
              "python3-distributed" % e, file=sys.stderr)
        return 2

    # Paths as the workers will see them: absolute.
    policies = [os.path.abspath(p) for p in a.policies]
    levy = os.path.abspath(a.levy) if os.sep in a.levy else a.levy
    args = policies + ["--summary", "--format=json", "--quiet"]
    if a.by:
        args += ["--by", a.by]
    if a.keep_going:
        args.append("--keep-going")
    src = os.path.abspath(a.input)

    cluster = None
    if a.scheduler:
        client = Client(a.scheduler)
    else:
        kw = {"threads_per_worker": 1, "dashboard_address": None}
        if a.workers:
            kw["n_workers"] = a.workers
        cluster = LocalCluster(**kw)
        client = Client(cluster)
    try:
        if run_partition.__module__ != "__main__":
            client.upload_file(os.path.abspath(__file__))  # imported: ship the module
        if os.path.isdir(src):
            names = sorted(n for n in os.listdir(src) if n.endswith(".csv"))
            tasks = [{"levy": levy, "args": args, "file": os.path.join(src, n)} for n in names]
            where = [os.path.join(src, n) for n in names]
        else:
            n = a.partitions or 2 * max(1, sum(client.nthreads().values()))
            header, ranges = split(src, n)
            tasks = [{"levy": levy, "args": args, "csv": src, "header": header, "start": s, "end": e}
                     for s, e in ranges]
            where = ["%s bytes %d-%d" % (src, s, e) for s, e in ranges]
        if not tasks:
            print("levy_dask.py: no partitions in %s" % src, file=sys.stderr)
            return 2
        results = client.gather(client.map(run_partition, tasks, pure=False))
    finally:
        client.close()
        if cluster:
            cluster.close()

    # A partition without a summary failed: a usage error (2), a policy that does not
    # check (1, as levy), levy not found or killed (2).  Exit 1 with a summary: rejects.
    for w, r in zip(where, results):
        if r["rc"] not in (0, 1) or not r["stdout"].strip():
            sys.stderr.write(r["stderr"])
            print("levy_dask.py: partition %s: levy exit status %d" % (w, r["rc"]), file=sys.stderr)
            return r["rc"] if r["rc"] in (1, 2) else 2
    # levy's messages: each other line once; of the rejected rows' lines the first 100,
    # a range's lines numbered in the whole file as levy numbers them (its line 2
    # follows the header).
    s = merge(r["stdout"] for r in results)
    shown, before, seen = 0, 1, set()
    for t, r in zip(tasks, results):
        for line in r["stderr"].splitlines():
            if (line.startswith("levy: ") and " rows in, " in line) or line == MORE:
                continue
            m = re.match(r"levy: (.*?):(\d+): (.*)", line)
            if not m or m.group(1) not in ("<stdin>", t.get("file")):
                if line not in seen:
                    seen.add(line)
                    print(line, file=sys.stderr)
                continue
            if "lines" in r:
                line = "levy: %s:%d: %s" % (a.input, before + int(m.group(2)) - 1, m.group(3))
            if shown < 100:
                print(line, file=sys.stderr)
            shown += 1
        before += r.get("lines", 0)
    if s["rejected"] > 100:
        print(MORE, file=sys.stderr)
    sys.stdout.write(format_json(s) if a.format == "json" else format_text(s))
    if s["rejected"]:
        print("levy: %d rows in, %d out, %d rejected" % (s["rows_in"], s["rows"], s["rejected"]),
              file=sys.stderr)
        if not a.keep_going:
            return 1
    return 0


def main(argv):
    if argv[:1] == ["merge"]:
        return merge_main(argv[1:])
    return eval_main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
