#!/usr/bin/python3
"""README's execution counts, from the tool itself.

  python3 scripts/readme_numbers.py MMCHECK [README]            check: exit 1 on a stale number
  python3 scripts/readme_numbers.py --update MMCHECK [README]   rewrite the numbers in place

Every README table with an "executions" column is read: each row names scenarios in its first
column (`area/name...`; `...@twin` and `...~variant` continue the last full name's `area/name`),
and its executions cell says either the complete executions of a pass (`70, complete`, `61982`)
or the execution a twin's finding was found in (`found at execution 47`, `found at 17`). Those
scenarios are run (`mmcheck run ... --json=-`) and each number compared with (or replaced by)
`executions` or the reported violation's `execution`. Timings are not checked. Cells in another
form are left alone and counted.

A code block that opens with `$ mmcheck ARGS` shows that command's output: it is run, and its
stdout compared with (or written into) the block, timings (`0.12 s`) aside.
"""
import json
import re
import subprocess
import sys

TIMING = re.compile(r"\b\d+\.\d+ s\b")
NAME = re.compile(r"`((?:[a-z0-9-]+/|\.\.\.)[^`]*)`")
COUNT = re.compile(r"^(\s*)(\d+)(, complete)?(\s*)$")
FOUND = re.compile(r"^(\s*found at (?:execution )?)(\d+)(.*)$")


def rows(lines):
    """(line index, cells, scenario names, executions column) for each table row."""
    column = None
    last_full = None
    for i, line in enumerate(lines):
        if not line.startswith("|"):
            column = None
            continue
        cells = line.split("|")[1:-1]
        if column is None:
            heads = [c.strip() for c in cells]
            column = next((k for k, h in enumerate(heads) if h.startswith("executions")), -1)
            continue
        if column < 0 or set(line.strip()) <= set("|-"):
            continue
        names = []
        for name in NAME.findall(cells[0]):
            if name.startswith("..."):
                if last_full is None:
                    continue
                base = re.split(r"[~+@]", last_full, maxsplit=1)[0]
                name = base + name[3:]
            else:
                last_full = name
            names.append(name)
        if names and column < len(cells):
            yield i, cells, names, column


def main():
    args = sys.argv[1:]
    update = args[:1] == ["--update"]
    if update:
        args = args[1:]
    if not args:
        print(__doc__)
        return 2
    mmcheck = args[0]
    readme = args[1] if len(args) > 1 else "README.md"
    lines = open(readme).read().split("\n")
    table = list(rows(lines))
    wanted = sorted({n for _, _, names, _ in table for n in names})
    p = subprocess.run([mmcheck, "run", *wanted, "--json=-"], capture_output=True, text=True)
    if p.returncode not in (0, 1):
        print("mmcheck failed: " + p.stderr.strip().splitlines()[-1])
        return 2
    results = {o["scenario"]: o for o in map(json.loads, p.stdout.splitlines())}
    stale, checked, skipped = [], 0, 0
    # The command blocks.
    i = 0
    while i < len(lines):
        if lines[i] == "```" and i + 1 < len(lines) and lines[i + 1].startswith("$ mmcheck "):
            end = lines.index("```", i + 2)
            args = lines[i + 1][len("$ mmcheck "):].split()
            out = subprocess.run([mmcheck, *args], capture_output=True, text=True).stdout
            shown = "\n".join(lines[i + 2:end]) + "\n"
            checked += 1
            if TIMING.sub("T s", shown) != TIMING.sub("T s", out):
                stale.append("README.md:%d: the output of '%s' differs" % (i + 2, lines[i + 1]))
                lines[i + 2:end] = out.rstrip("\n").split("\n")
                end = lines.index("```", i + 2)
            i = end
        i += 1
    for i, cells, names, column in table:
        cell = cells[column]
        name = names[0]
        r = results[name]
        m = FOUND.match(cell)
        if m and "violation" in r:
            actual = r["violation"]["execution"]
            new = "%s%d%s" % (m.group(1), actual, m.group(3))
        else:
            m = COUNT.match(cell)
            if not m or r["verdict"] != "pass":
                skipped += 1
                continue
            actual = r["executions"]
            new = "%s%d%s%s" % (m.group(1), actual, m.group(3) or "", m.group(4))
        checked += 1
        if int(m.group(2)) != actual:
            stale.append("README.md:%d: %s says %s, mmcheck says %d" % (i + 1, name, m.group(2), actual))
            cells[column] = new
            lines[i] = "|" + "|".join(cells) + "|"
    if update:
        open(readme, "w").write("\n".join(lines))
        print("%d numbers and command outputs checked, %d rewritten, %d cells in another form left alone" %
              (checked, len(stale), skipped))
        return 0
    for s in stale:
        print("stale: " + s)
    print("%d numbers and command outputs checked against mmcheck, %d stale, %d cells in another form left alone" %
          (checked, len(stale), skipped))
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
