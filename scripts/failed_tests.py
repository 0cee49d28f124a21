#!/usr/bin/env python3
"""Names the tests that did not pass in meson test logs (meson-logs/testlog.json
of each build folder given), each with the lines of its output that say FAIL
or error and its last lines.

CI shows only the tail of the test command's output, where the error logs that
`meson test --print-errorlogs` printed long before are gone: scripts/test.sh
runs this just before its summary line. Prints nothing when every test passed
or a folder has no log. Standard library only."""
import json
import sys
from pathlib import Path

NOT_PASSED = {"FAIL", "TIMEOUT", "ERROR", "UNEXPECTEDPASS"}
FAIL_LINES = 12
TAIL_LINES = 5


def main(folders):
    for folder in folders:
        log = Path(folder) / "meson-logs" / "testlog.json"
        if not log.is_file():
            continue
        for line in log.read_text(errors="replace").splitlines():
            try:
                test = json.loads(line)
            except ValueError:
                continue
            if test.get("result") not in NOT_PASSED:
                continue
            print(f"failed: {test.get('name')} ({test['result']} after {test.get('duration', 0):.0f} s)")
            lines = ((test.get("stdout") or "") + (test.get("stderr") or "")).rstrip("\n").splitlines()
            said = [t for t in lines[:-TAIL_LINES] if "FAIL" in t or "rror" in t][:FAIL_LINES]
            for text in said + ["..."] * bool(said) + lines[-TAIL_LINES:]:
                print(f"    {text}")


if __name__ == "__main__":
    main(sys.argv[1:])
