"""Jentic's fixture suite run against the code we generate, one line per test case (the same
cases and rules as tests/test_jentic_fixtures.py; see tests/jentic_harness.py).

    python tools/jentic_report.py [--intended-mocks]

--intended-mocks applies each fixture's own mocks whatever name they are filed under (see
Fixture.mocks), instead of only those the harness finds.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from jentic_harness import FIXTURES, Compiled, compile_fixture_document, fixtures, run_case


def main(argv: list[str]) -> int:
    intended = "--intended-mocks" in argv
    if not FIXTURES.is_dir():
        print(f"Jentic's fixtures not found at {FIXTURES} (set ARAZZO_CORPUS)")
        return 2
    passed = total = 0
    with tempfile.TemporaryDirectory() as folder:
        compiled: dict[Path, Compiled] = {}
        for fixture in fixtures():
            for case in fixture.cases():
                total += 1
                path = fixture.document(case)
                if path not in compiled:
                    package = f"jentic_report_{len(compiled)}"
                    compiled[path] = compile_fixture_document(path, Path(folder), package)
                result = compiled[path]
                name = f"{fixture.name}/{case['id']}"
                if result.workflow(case["id"]) is None:
                    first = next(iter(result.diagnostics.errors), None)
                    print(f"REJECTED {name}: {first.message if first else '?'}")
                    continue
                outcome = run_case(result, fixture, case, intended=intended)
                passed += outcome.passed
                state = "PASS" if outcome.passed else "FAIL"
                detail = f"{outcome.checked} output(s) compared"
                if outcome.skipped:
                    detail += (
                        f", absent (skipped, as the harness does): {', '.join(outcome.skipped)}"
                    )
                print(f"{state} {name}: {detail}; {outcome.calls} call(s)")
                for problem in outcome.problems:
                    print(f"     {problem}")
    print(f"\n{passed} of {total} cases pass")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
