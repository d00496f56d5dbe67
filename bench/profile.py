"""Where the time goes: cProfile of one benchmark, summed by package and by function.

    python -m bench.profile mock [--variant generated|handwritten] [--runs N]
    python -m bench.profile compile [--workflows N]   # the seed, or a synthetic document of N
    python -m bench.profile import                    # -X importtime of generated.tiktok

Not part of `make bench`; for finding what to change after the benchmark shows a gap.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

from bench.common import REPO, SEED, child_env


def _owner(filename: str) -> str:
    """The package a profiled function belongs to: site-packages name, project module, stdlib."""
    if filename.startswith("~") or filename.startswith("<built-in"):
        return "(built-in functions)"
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    path = Path(filename)
    try:
        relative = path.resolve().relative_to(REPO)
    except (ValueError, OSError):
        if filename.startswith("<frozen"):
            return "(importlib)"
        return f"stdlib {path.stem}"
    parts = relative.with_suffix("").parts
    return ".".join(parts[:3]) if parts[0] == "generator" else ".".join(parts)


def report(profile: cProfile.Profile, wall: float, top: int = 25) -> str:
    stats = pstats.Stats(profile)
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    total = sum(entry[2] for entry in raw.values())
    by_owner: dict[str, float] = defaultdict(float)
    for (filename, _line, _name), entry in raw.items():
        by_owner[_owner(filename)] += entry[2]
    out = [f"wall {wall * 1000:.1f} ms, profiled self time {total * 1000:.1f} ms", ""]
    out.append("self time by package/module:")
    for owner, seconds in sorted(by_owner.items(), key=lambda item: -item[1])[:top]:
        out.append(f"  {seconds / total:6.1%}  {seconds * 1000:9.1f} ms  {owner}")
    for order in ("tottime", "cumulative"):
        buffer = io.StringIO()
        pstats.Stats(profile, stream=buffer).sort_stats(order).print_stats(top)
        out += ["", f"top {top} by {order}:", buffer.getvalue().split("\n\n", 2)[-1]]
    return "\n".join(out)


def profile_mock(variant: str, runs: int) -> str:
    from bench import runtime

    async def main() -> str:
        import httpx

        transport = httpx.MockTransport(runtime._mock_handler)
        run = runtime.RUNS[variant]
        async with httpx.AsyncClient(transport=transport) as client:
            for _ in range(200):
                await run(client, "https://open.tiktokapis.com", "code")
            profile = cProfile.Profile()
            started = time.perf_counter()
            profile.enable()
            for _ in range(runs):
                await run(client, "https://open.tiktokapis.com", "code")
            profile.disable()
            return report(profile, time.perf_counter() - started)

    return asyncio.run(main())


def profile_compile(workflows: int) -> str:
    from bench.compiletime import _synthetic_document

    with tempfile.TemporaryDirectory(prefix="bench-profile-") as temp:
        root = Path(temp)
        spec = SEED
        if workflows:
            shutil.copytree(SEED.parent.parent / "openapi", root / "openapi")
            (root / "arazzo").mkdir()
            spec = root / "arazzo" / f"synthetic-{workflows}.arazzo.yaml"
            spec.write_text(yaml.safe_dump(_synthetic_document(workflows), sort_keys=False))
        argv = ["generate", str(spec), "-o", str(root / "out"), "--package", "profiled"]
        profile = cProfile.Profile()
        started = time.perf_counter()
        profile.enable()
        from generator.cli import main as cli_main  # a cold compile pays its imports

        status = cli_main(argv, out=io.StringIO(), err=io.StringIO())
        profile.disable()
        wall = time.perf_counter() - started
    return f"exit status {status}\n" + report(profile, wall)


def profile_import() -> str:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import httpx, generated.tiktok"],
        cwd=REPO,
        env=child_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    lines = done.stderr.splitlines()
    start = next(i for i, line in enumerate(lines) if line.rstrip().endswith("| httpx"))
    return "\n".join([lines[0], *lines[start + 1 :]])


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("what", choices=("mock", "compile", "import"))
    parser.add_argument("--variant", default="generated", choices=("generated", "handwritten"))
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--workflows", type=int, default=0, help="synthetic size (0: the seed)")
    args = parser.parse_args()
    if args.what == "mock":
        print(profile_mock(args.variant, args.runs))
    elif args.what == "compile":
        print(profile_compile(args.workflows))
    else:
        profile_import()  # first run fills the bytecode cache
        print(profile_import())


if __name__ == "__main__":
    main()
