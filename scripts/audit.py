"""pip-audit over the virtualenv, for `.ci/run` and `make lint` (issue 8 §7).

Fails (exit 1) when a dependency has a known vulnerability: upgrade that pin in pyproject.toml.
When the vulnerability service cannot answer — no network, or a PyPI mirror without the per-release
JSON API pip-audit reads, so every dependency comes back "not found" — it says so loudly and exits 0:
an audit that could not run is reported, not passed off as "no vulnerabilities", and it does not
block a build that has no way to reach the service. ``--strict`` makes that case fail too.

    python scripts/audit.py [--strict]
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def banner(lines: list[str]) -> None:
    width = max(len(line) for line in lines) + 4
    print("!" * width, *(f"! {line}" for line in lines), "!" * width, sep="\n", file=sys.stderr)


def main(argv: list[str]) -> int:
    strict = "--strict" in argv
    proc = subprocess.run(
        [str(BIN / "pip-audit"), "--progress-spinner", "off", "--skip-editable", "--format", "json"],
        capture_output=True,
        text=True,
    )
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        tail = (proc.stderr.strip().splitlines() or ["(no output)"])[-1][:200]
        banner(["pip-audit could not run: the vulnerability service did not answer.", tail, "NOTHING WAS AUDITED."])
        return 1 if strict else 0
    deps = report.get("dependencies", [])
    vulnerable = [d for d in deps if d.get("vulns")]
    skipped = [d for d in deps if d.get("skip_reason")]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed release yet"
            print(f"{dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixed})")
    audited = len(deps) - len(skipped)
    print(f"pip-audit: {audited} of {len(deps)} dependencies audited, {len(vulnerable)} with known vulnerabilities")
    if vulnerable:
        return 1
    if skipped:
        banner(
            [
                f"pip-audit could not audit {len(skipped)} of {len(deps)} dependencies:",
                skipped[0]["skip_reason"][:160],
                "The vulnerability service (PyPI's JSON API or OSV) is not reachable from here:",
                "run `python scripts/audit.py` where it is before a release.",
            ]
        )
        return 1 if strict else 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
