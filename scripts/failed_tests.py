#!/usr/bin/env python3
"""The tests that did not pass in meson test logs (meson-logs/testlog.json of
each build folder given).

    failed_tests.py DIR...          each one named (result, time), with the lines
                                    of its output that say FAIL or error and its
                                    last lines
    failed_tests.py --names DIR     only their names, one a line (to run again)

CI shows only the tail of the test command's output, where the error logs that
`meson test --print-errorlogs` printed long before are gone: scripts/test.sh
prints the report just before its summary line. Prints nothing when every test
passed or a folder has no log. Standard library only."""
import json
import sys
from pathlib import Path

NOT_PASSED = {"FAIL", "TIMEOUT", "ERROR", "UNEXPECTEDPASS"}
FAIL_LINES = 12
TAIL_LINES = 5


def not_passed(folder):
    log = Path(folder) / "meson-logs" / "testlog.json"
    if not log.is_file():
        return
    for line in log.read_text(errors="replace").splitlines():
        try:
            test = json.loads(line)
        except ValueError:
            continue
        if test.get("result") in NOT_PASSED:
            yield test


def report(test):
    print(f"failed: {test.get('name')} ({test['result']} after {test.get('duration', 0):.0f} s)")
    lines = ((test.get("stdout") or "") + (test.get("stderr") or "")).rstrip("\n").splitlines()
    said = [t for t in lines[:-TAIL_LINES] if "FAIL" in t or "rror" in t][:FAIL_LINES]
    for text in said + ["..."] * bool(said) + lines[-TAIL_LINES:]:
        print(f"    {text}")


def main(args):
    names = args[:1] == ["--names"]
    for folder in args[1:] if names else args:
        for test in not_passed(folder):
            if names:
                print(test.get("name", "").split(" / ")[-1])
            else:
                report(test)


if __name__ == "__main__":
    main(sys.argv[1:])
