#!/usr/bin/python3
"""mmcheck's machine-readable outputs, read as a CI system reads them.

  check_outputs.py MMCHECK SCHEMA_DIR WORK_DIR

- `list --json` and `run --json=-` validate against docs/schema (JSON Schema draft 7, Debian's
  python3-jsonschema), and agree with each other;
- `violations` holds every finding once, `violation` is one of them, each finding's token names
  the execution that found it, a twin that found its finding stopped there, and a search that
  stopped at a violation explored exactly that many executions (`explored_executions`, the count
  of the text line);
- with `--report`, every path a violation lists exists;
- `--junit` parses as XML with one test case per scenario and one failure per mismatch, both on a
  run that matches and on one that does not (exit 1).
Exits non-zero with the first thing that is wrong.
"""
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import jsonschema


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def run(args, expect_code):
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode != expect_code:
        fail("%s exited %d, not %d: %s" % (" ".join(args), p.returncode, expect_code, p.stderr))
    return p


def objects(text, validator, what):
    out = []
    for line in text.splitlines():
        obj = json.loads(line)
        errors = sorted(validator.iter_errors(obj), key=str)
        if errors:
            fail("%s: %s does not fit the schema: %s" % (what, line[:200], errors[0].message))
        out.append(obj)
    return out


def check_junit(path, results):
    root = ET.parse(path).getroot()
    if root.tag != "testsuites":
        fail("JUnit root is <%s>" % root.tag)
    cases = root.findall("./testsuite/testcase")
    if [c.get("name") for c in cases] != [r["scenario"] for r in results]:
        fail("JUnit test cases are not the scenarios of the run, in order")
    mismatches = [r["scenario"] for r in results if not r["matches_expectation"]]
    failed = [c.get("name") for c in cases if c.find("failure") is not None]
    if failed != mismatches:
        fail("JUnit failures %s are not the mismatches %s" % (failed, mismatches))
    for element in [root, root.find("testsuite")]:
        if int(element.get("tests")) != len(results):
            fail("<%s tests=...> is not %d" % (element.tag, len(results)))
        if int(element.get("failures")) != len(mismatches):
            fail("<%s failures=...> is not %d" % (element.tag, len(mismatches)))
    for c in cases:
        if c.get("classname") != c.get("name").split("/")[0]:
            fail("test case %s has classname %s" % (c.get("name"), c.get("classname")))
        f = c.find("failure")
        if f is not None and not f.get("message", "").startswith("expected "):
            fail("failure of %s has message %r" % (c.get("name"), f.get("message")))
    return len(cases)


def main():
    mmcheck, schema_dir, work = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    validators = {}
    for name in ["run", "list"]:
        with open(os.path.join(schema_dir, name + ".schema.json")) as f:
            schema = json.load(f)
        jsonschema.Draft7Validator.check_schema(schema)
        validators[name] = jsonschema.Draft7Validator(schema)

    listed = objects(run([mmcheck, "list", "--json"], 0).stdout, validators["list"], "list --json")
    if len(listed) < 20:
        fail("list --json has %d objects" % len(listed))
    by_name = {o["scenario"]: o for o in listed}

    # Every kind of demo finding, swap's twins, and a family.
    reports = os.path.join(work, "reports")
    junit = os.path.join(work, "run.xml")
    p = run([mmcheck, "run", "demo/*", "swap/device*", "vfio/munmap-vs-bar-zap*", "bench/readers-3", "--json=-",
             "--report=" + reports, "--junit=" + junit, "--jobs=2"], 0)
    results = objects(p.stdout, validators["run"], "run --json")
    if len(results) < 15:
        fail("run --json has %d objects" % len(results))
    kinds = set()
    for r in results:
        name = r["scenario"]
        listed_as = by_name.get(name) or by_name.get(name.rstrip("0123456789") + "N")
        if listed_as is None:
            fail("%s is not listed" % name)
        for field in ["expect", "expect_finding", "arch"]:
            if r[field] != listed_as[field]:
                fail("%s: run says %s %r, list %r" % (name, field, r[field], listed_as[field]))
        vs = r["violations"]
        if (r["verdict"] == "violation") != bool(vs) or ("violation" in r) != bool(vs):
            fail("%s: verdict %s with %d violations" % (name, r["verdict"], len(vs)))
        if "violation" in r and r["violation"] not in vs:
            fail("%s: the violation reported is not among its violations" % name)
        tokens = [v["schedule"] for v in vs]
        if len(set(tokens)) != len(tokens):
            fail("%s: a finding is listed twice" % name)
        total = (r["executions"] + r["redundant_executions"] + r["blocked_executions"] +
                 r["violating_executions"])
        if r["explored_executions"] != total:
            fail("%s: explored_executions %d is not the sum %d" % (name, r["explored_executions"], total))
        for v in vs:
            kinds.add(v["kind"])
            if not v["schedule"].split(":")[3].endswith(".%d" % v["execution"]):
                fail("%s: token %s does not name execution %d" % (name, v["schedule"], v["execution"]))
            if len(v["reports"]) != 6:
                fail("%s: %d report files" % (name, len(v["reports"])))
            for path in v["reports"]:
                if not os.path.isfile(path):
                    fail("%s: report %s does not exist" % (name, path))
        # A twin whose finding was found stops there: its count and its token agree.
        if r["expect"] != "pass" and r["matches_expectation"] and r["stop"] != "violation":
            fail("%s: found its finding but the search went on (%s)" % (name, r["stop"]))
        if r["stop"] == "violation" and r["explored_executions"] != max(v["execution"] for v in vs):
            fail("%s: stopped at its violation after %d executions, but the token says %d" %
                 (name, r["explored_executions"], max(v["execution"] for v in vs)))
        if r["mmcheck_version"] != results[0]["mmcheck_version"]:
            fail("versions differ")
        line = "%s: " % name
        text = [l for l in p.stderr.splitlines() if line in l]
        if not text or " %d execution" % r["explored_executions"] not in text[0]:
            fail("%s: the text line %r does not say %d executions" %
                 (name, text[:1], r["explored_executions"]))
    expected_kinds = ["assertion", "deadlock", "lock-order", "data-race", "livelock", "lock-misuse"]
    # The crash demo needs the crash guard, which a sanitizer build does not have (`run 'demo/*'`
    # leaves it out there).
    if any(r["scenario"] == "demo/clear-pointer@read-twice" for r in results):
        expected_kinds.append("crash")
    for kind in expected_kinds:
        if kind not in kinds:
            fail("no %s among the demo findings" % kind)
    version = run([mmcheck, "--version"], 0).stdout
    if version != "mmcheck %s\n" % results[0]["mmcheck_version"]:
        fail("--version says %r" % version)
    n = check_junit(junit, results)

    # A run that misses its expectation: exit 1, a JUnit failure, complete false.
    junit2 = os.path.join(work, "mismatch.xml")
    p = run([mmcheck, "run", "bench/readers-3", "demo/counter", "--max-executions=2", "--json=-",
             "--junit=" + junit2], 1)
    results = objects(p.stdout, validators["run"], "run --json")
    if results[0]["matches_expectation"] or results[0]["stop"] != "max-executions":
        fail("bench/readers-3 cut short is judged %r" % results[0])
    check_junit(junit2, results)
    print("ok: %d listed scenarios and %d run results fit docs/schema; JUnit of %d + %d test "
          "cases parsed; finding kinds %s" % (len(listed), n + len(results), n, len(results),
                                              ", ".join(sorted(kinds))))


if __name__ == "__main__":
    main()
