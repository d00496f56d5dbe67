"""The targets of issue 7, checked against the results, and the printed table."""

from __future__ import annotations

from typing import Any

TARGETS = {
    "loopback": "generated <= 1.05 x hand-written (median per run)",
    "vs_runner": "arazzo-runner >= 3 x generated",
    "mock": "generated <= 1.2 x hand-written (MockTransport)",
    "compile_seed": "seed < 1.5 s wall, cold process",
    "compile_1000": "1000 workflows < 20 s",
    "flat": "time per workflow flat 100 -> 1000 (marginal within 1.5 x)",
    "import": "import < 30 ms beyond httpx",
}


def _get(results: dict[str, Any], *path: str) -> Any:
    node: Any = results
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def targets(results: dict[str, Any]) -> dict[str, Any]:
    checks: dict[str, Any] = {}

    def check(key: str, value: float | None, ok: bool | None) -> None:
        checks[key] = {"target": TARGETS[key], "value": value, "met": ok}

    ratio = _get(results, "loopback", "ratios_to_handwritten", "generated", "of_medians")
    check("loopback", ratio, None if ratio is None else ratio <= 1.05)
    runner = _get(results, "loopback", "variants", "arazzo-runner", "median_us")
    generated = _get(results, "loopback", "variants", "generated", "median_us")
    speedup = runner / generated if runner and generated else None
    check("vs_runner", speedup, None if speedup is None else speedup >= 3)
    mock = _get(results, "mock_transport", "ratios_to_handwritten", "generated", "of_medians")
    check("mock", mock, None if mock is None else mock <= 1.2)
    seed = _get(results, "compile_seed", "median_s")
    check("compile_seed", seed, None if seed is None else seed < 1.5)
    big = _get(results, "compile_synthetic", "1000", "wall_s")
    check("compile_1000", big, None if big is None else big < 20)
    m100 = _get(results, "compile_synthetic", "100", "marginal_ms_per_workflow")
    m1000 = _get(results, "compile_synthetic", "1000", "marginal_ms_per_workflow")
    growth = m1000 / m100 if m100 and m1000 else None
    check("flat", growth, None if growth is None else growth <= 1.5)
    imported = _get(results, "import", "median_ms")
    check("import", imported, None if imported is None else imported < 30)
    return checks


def _rows(title: str, header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    line = "  ".join("-" * width for width in widths)
    out = [
        "",
        title,
        "  ".join(cell.ljust(width) for cell, width in zip(header, widths, strict=True)),
        line,
    ]
    for row in rows:
        out.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    return out


def _error(results: dict[str, Any], key: str) -> list[str]:
    error = _get(results, key, "error")
    return ["", f"{key}: FAILED: {error}"] if error else []


def _loopback_rows(section: dict[str, Any]) -> list[list[str]]:
    ratios = section.get("ratios_to_handwritten", {})
    rows = []
    for name, result in section.get("variants", {}).items():
        ratio = ratios.get(name)
        paired = ratio["per_round"] if ratio else None
        rows.append(
            [
                name,
                f"{result['median_us']:.0f}",
                f"{result['p90_us']:.0f}",
                f"{result['cpu_us_per_run']:.0f}",
                "1.00" if ratio is None else f"{ratio['of_medians']:.2f}",
                ""
                if paired is None
                else f"{paired['median']:.2f} ({paired['q1']:.2f}-{paired['q3']:.2f})",
            ]
        )
    return rows


def _models_rows(results: dict[str, Any]) -> list[str]:
    models = results.get("models")
    if not isinstance(models, dict) or "cpu_us_per_conversion" not in models:
        return _error(results, "models")
    ratios = models["ratios_to_handwritten"]
    rejects = models["rejects_string_quantity"]
    rows = []
    for name, cpu in models["cpu_us_per_conversion"].items():
        ratio = ratios.get(name)
        paired = ratio["per_round"] if ratio else None
        rows.append(
            [
                name,
                f"{cpu:.1f}",
                "1.00" if ratio is None else f"{ratio['of_medians']:.2f}",
                ""
                if paired is None
                else f"{paired['median']:.2f} ({paired['q1']:.2f}-{paired['q3']:.2f})",
                "yes" if rejects.get(name) else "no",
            ]
        )
    versus = ratios.get("generated vs openapi-python-client")
    oapc = models["openapi_python_client"]
    out = _rows(
        f"Typed outputs: one {models['payload_bytes']}-byte response (nested, 10-item list, enum,"
        f" unions) read into typed objects, {models['rounds']} rounds x {models['batch']}"
        " (CPU time)",
        ["variant", "CPU us/read", "x hand", "per-round x hand (IQR)", "rejects a wrong type"],
        rows,
    )
    if versus is not None:
        paired = versus["per_round"]
        out.append(
            f"generated / openapi-python-client {oapc.get('version')}: "
            f"{versus['of_medians']:.2f} (per round {paired['median']:.2f}, "
            f"IQR {paired['q1']:.2f}-{paired['q3']:.2f})"
        )
    else:
        out.append(f"openapi-python-client: NOT MEASURED: {oapc.get('reason')}")
    return out


def table(results: dict[str, Any]) -> str:
    out: list[str] = []
    machine = results.get("machine", {})
    out.append(
        f"machine: {machine.get('cpu')}, {machine.get('cores')} cores, {machine.get('system')}, "
        f"Python {machine.get('python')}, commit {machine.get('commit')}, {machine.get('date')}, "
        f"load average at start {machine.get('load_at_start')}, CPU busy with other work "
        f"before start {machine.get('cpu_busy_before_start')}"
    )
    busy = results.get("cpu_busy_at_section_start") or {}
    if busy:
        out.append(
            "CPU busy with other work as each section started: "
            + ", ".join(f"{name} {value}" for name, value in busy.items())
        )
    runner = results.get("arazzo_runner")
    if runner is not None:
        out.append(
            f"arazzo-runner: {runner.get('arazzo_runner')} (requests {runner.get('requests')})"
            if runner.get("available")
            else f"arazzo-runner: NOT MEASURED: {runner.get('reason')}"
        )
    header = [
        "variant",
        "median us/run",
        "p90 us",
        "client CPU us/run",
        "x hand",
        "per-round x hand (IQR)",
    ]
    for key, title in (
        ("loopback", "Run time, loopback (bench/server.py in its own process)"),
        ("loopback_stdlib_standin", "Run time, loopback (tests/tiktok_standin.py, cross-check)"),
    ):
        if isinstance(results.get(key), dict) and "variants" in results[key]:
            section = results[key]
            title += f": {section['rounds']} rounds x {section['batch']} runs"
            out += _rows(title, header, _loopback_rows(section))
        out += _error(results, key)
    mock = results.get("mock_transport")
    if isinstance(mock, dict) and "variants" in mock:
        rows = []
        for name, result in mock["variants"].items():
            ratio = mock["ratios_to_handwritten"].get(name)
            wall = mock["wall_ratios_to_handwritten"].get(name)
            paired = ratio["per_round"] if ratio else None
            rows.append(
                [
                    name,
                    f"{result['median_us']:.1f}",
                    f"{result['min_us']:.1f}",
                    "1.00" if ratio is None else f"{ratio['of_medians']:.2f}",
                    ""
                    if paired is None
                    else f"{paired['median']:.2f} ({paired['q1']:.2f}-{paired['q3']:.2f})",
                    f"{result['wall_median_us']:.1f}",
                    "1.00" if wall is None else f"{wall['of_medians']:.2f}",
                ]
            )
        out += _rows(
            f"Client-side overhead, httpx.MockTransport: {mock['rounds']} rounds x {mock['batch']}"
            " (CPU time of the client process)",
            [
                "variant",
                "CPU us/run",
                "best round",
                "x hand",
                "per-round x hand (IQR)",
                "wall us/run",
                "wall x hand",
            ],
            rows,
        )
    out += _error(results, "mock_transport")
    conc = results.get("concurrency")
    if isinstance(conc, dict) and "levels" in conc:
        rows = []
        for level, result in conc["levels"].items():
            hand = result["variants"]["handwritten"]
            gen = result["variants"]["generated"]
            rows.append(
                [
                    level,
                    f"{hand['runs_per_s']:.0f}",
                    f"{gen['runs_per_s']:.0f}",
                    f"{result['throughput_ratio_generated_to_handwritten']['median']:.2f}",
                    f"{hand['client_cpu_us_per_run']:.0f}",
                    f"{gen['client_cpu_us_per_run']:.0f}",
                ]
            )
        out += _rows(
            "Concurrency: N runs in flight on one shared client (throughput, loopback)",
            ["N", "hand runs/s", "gen runs/s", "gen/hand", "hand CPU us/run", "gen CPU us/run"],
            rows,
        )
    out += _error(results, "concurrency")
    out += _models_rows(results)
    rows = []
    seed = results.get("compile_seed")
    if isinstance(seed, dict) and "median_s" in seed:
        rows.append(
            [
                "seed, cold process",
                f"{seed['median_s']:.2f} s",
                f"median of {seed['repeats']}, CPU {seed['cpu_median_s']:.2f} s; "
                f"without bytecode cache "
                f"{seed['no_bytecode_cache_median_s']:.2f} s; of which interpreter "
                f"{seed['interpreter_start_s']:.2f} s, import generator.cli "
                f"{seed['import_compiler_s']:.2f} s",
            ]
        )
    corpus = results.get("compile_corpus")
    if isinstance(corpus, dict) and "documents" in corpus:
        rows.append(
            [
                "corpus, one process",
                f"{corpus['wall_s']:.1f} s",
                f"{corpus['documents']} documents: {corpus['compiled']} compiled, "
                f"{corpus['failed']} failed {corpus['outcomes']}"
                + (" TIMED OUT" if corpus["timed_out"] else ""),
            ]
        )
    synthetic = results.get("compile_synthetic")
    if isinstance(synthetic, dict):
        for size, result in synthetic.items():
            if not isinstance(result, dict):
                continue
            if "error" in result:
                rows.append([f"{size} workflows", "-", f"FAILED: {result['error']}"])
                continue
            marginal = result.get("marginal_ms_per_workflow")
            rows.append(
                [
                    f"{size} workflow(s), cold",
                    f"{result['wall_s']:.2f} s",
                    f"CPU {result['cpu_s']:.2f} s, {result['ms_per_workflow']:.1f} ms/workflow"
                    + ("" if marginal is None else f", marginal {marginal:.1f} ms/workflow")
                    + f", {result['generated_lines']} lines",
                ]
            )
            if "after_edit_wall_s" in result:
                rows.append(
                    [
                        f"{size} workflow(s), after editing one",
                        f"{result['after_edit_wall_s']:.2f} s",
                        f"CPU {result['after_edit_cpu_s']:.2f} s, formatting cache of the "
                        "previous compile",
                    ]
                )
    if rows:
        out += _rows("Compile time (arazzo-codegen generate)", ["what", "wall", "detail"], rows)
    for key in ("compile_seed", "compile_corpus", "compile_synthetic"):
        out += _error(results, key)
    imported = results.get("import")
    if isinstance(imported, dict) and "median_ms" in imported:
        top = ", ".join(
            f"{row['module']} {row['self_us'] / 1000:.1f}"
            for row in imported["modules_beyond_httpx"][:5]
        )
        out += _rows(
            "Import time beyond httpx (new process each)",
            [
                "module",
                "median",
                "CPU",
                "beyond asyncio too",
                "no bytecode cache",
                "httpx itself",
                "largest self times (ms)",
            ],
            [
                [
                    imported["module"],
                    f"{imported['median_ms']:.1f} ms",
                    f"{imported['cpu_median_ms']:.1f} ms",
                    f"{imported['beyond_httpx_and_asyncio_median_ms']:.1f} ms",
                    f"{imported['no_bytecode_cache_median_ms']:.1f} ms",
                    f"{imported['httpx_itself_median_ms']:.0f} ms",
                    top,
                ]
            ],
        )
    out += _error(results, "import")
    rows = [
        [
            check["target"],
            "-" if check["value"] is None else f"{check['value']:.2f}",
            {True: "met", False: "MISSED", None: "not measured"}[check["met"]],
        ]
        for check in results.get("targets", {}).values()
    ]
    out += _rows("Targets (issue 7)", ["target", "value", ""], rows)
    return "\n".join(out)
