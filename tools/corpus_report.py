"""`make corpus`: compile every document of the corpus and print the figures.

    python tools/corpus_report.py [--regenerate]

--regenerate rewrites tests/corpus_expectations.txt from this run (review the diff).
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from corpus import CORPUS, compile_all, loose_fields, source_map, write_expectations

from generator.compile.document import compile_document
from generator.diagnostics import Diagnostics


def _keeps_going(path: Path) -> bool:
    """Whether --keep-going gives a package of the document's valid workflows."""
    module = compile_document(path, Diagnostics(), source_map=source_map(path), keep_going=True)
    return module is not None


def main(argv: list[str]) -> int:
    if not CORPUS.is_dir():
        print(f"corpus not found at {CORPUS} (set ARAZZO_CORPUS)")
        return 2
    outcomes = list(compile_all())
    counts = Counter(o.kind for o in outcomes)
    print(f"documents found:            {len(outcomes)}")
    print(f"compiled:                   {counts['compiled'] + counts['warnings']}")
    print(f"  of which with warnings:   {counts['warnings']}")
    print(f"rejected with a clear error: {counts['rejected']}")
    print(f"tracebacks:                 {counts['traceback']}")
    partial = [o for o in outcomes if o.kind == "rejected" and _keeps_going(o.path)]
    print(f"  rejected, but --keep-going gives a package of their valid workflows: {len(partial)}")
    secured = [o for o in outcomes if o.package and "_credentials.py" in o.package.files]
    print(f"with the credentials surface: {len(secured)} (their operations declare security)")
    print(f"total compile time:         {sum(o.seconds for o in outcomes):.1f} s")
    typed = [o.package.module for o in outcomes if o.package and o.package.module]
    free = sum(loose_fields(m)[0] for m in typed)
    described = sum(loose_fields(m)[1] for m in typed)
    fields = sum(
        len(spec.fields)
        for m in typed
        for w in (*m.workflows, *m.internal_workflows)
        for spec in (w.inputs, w.outputs)
    ) + sum(len(model.fields) for m in typed for model in m.models)
    print(f"input/output/model fields:  {fields} in {sum(len(m.models) for m in typed)} models")
    print("  Any / dict[str, Any] / list[Any]:")
    print(f"    schema free-form or absent:    {free}")
    print(f"    schema describes the shape:    {described}")
    print("\nrejected documents (first error):")
    for outcome in outcomes:
        if outcome.kind == "rejected":
            first = next((line for line in outcome.lines if ": error: " in line), "")
            print(f"  {outcome.name}\n      {first.split(': error: ', 1)[-1]}")
    for outcome in outcomes:
        if outcome.traceback:
            print(f"\nTRACEBACK {outcome.name}\n{outcome.traceback}")
    if "--regenerate" in argv:
        write_expectations(outcomes)
        print("\nwrote tests/corpus_expectations.txt")
    return 1 if counts["traceback"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
