"""Client-side cost of reading and checking typed outputs (`models.py`'s `from_json`).

At bench time: compile a document with nested models, lists, enums and unions (the shop of
`tests/documents/models/shop.openapi.yaml`, which `tests/test_models_execution.py` runs) into
a temporary folder, generate a client for the same OpenAPI schema with openapi-python-client
(from its own venv, `bench/.venv-oapc`), and time one representative response payload turned
into typed objects three ways in one process (`bench/models_worker.py`), interleaved round by
round.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.common import REPO, log, spread

OPENAPI = (REPO / "tests" / "documents" / "models" / "shop.openapi.yaml").read_text(
    encoding="utf-8"
)

ARAZZO = """
arazzo: 1.0.1
info: {title: Shop read, version: "1"}
sourceDescriptions:
  - {name: shop, url: ./shop.openapi.yaml, type: openapi}
workflows:
  - workflowId: read-order
    inputs: {type: object, required: [id], properties: {id: {type: string}}}
    steps:
      - stepId: read
        operationId: getOrder
        parameters:
          - {name: id, in: path, value: $inputs.id}
        successCriteria:
          - condition: $statusCode == 200
        outputs:
          receipt: $response.body
    outputs:
      receipt: $steps.read.outputs.receipt
"""

#: A representative response: nested objects, a list of 10 objects, an enum, a tagged union,
#: a union by shape, nulls and a member no schema names (tolerated).
PAYLOAD: dict[str, Any] = {
    "id": "o-1",
    "apiVersion": "2024-01",
    "status": "shipped",
    "customer": {
        "name": "Ada",
        "address": {"street": "1 Loop Rd", "city": "Lyon", "floor": None},
        "nickname": "ada",
        "unknown": "tolerated",
    },
    "lines": [{"sku": f"sku-{index}", "quantity": index + 1} for index in range(10)],
    "payment": {"method": "transfer", "iban": "FR76"},
    "code": 7,
    "deliveredAt": None,
    "extra": {"anything": [1, 2]},
    "contact": {"email": "ada@example.com"},
}

GENERATED_PACKAGE = "bench_shop_models"
OAPC_PACKAGE = "bench_shop_oapc"


def _compile(specs: Path, out: Path) -> None:
    codegen = Path(sys.executable).parent / "arazzo-codegen"
    command = [str(codegen), "generate", str(specs / "read.arazzo.yaml")]
    done = subprocess.run(
        [*command, "--out", str(out), "--package", GENERATED_PACKAGE],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"arazzo-codegen failed: {done.stderr.strip()[-2000:]}")


def _oapc(python: Path | None, specs: Path, out: Path) -> dict[str, Any]:
    """Generate openapi-python-client's client; on failure say why (the rest is measured)."""
    if python is None or not python.exists():
        return {
            "available": False,
            "reason": f"{python} not found: openapi-python-client is not installed "
            "(make bench installs it; see bench/results/oapc-install.log)",
        }
    python = python.absolute()  # not resolve(): a venv's python is a link to the base one
    tool = python.parent / "openapi-python-client"
    env = dict(os.environ, PATH=f"{python.parent}{os.pathsep}{os.environ.get('PATH', '')}")
    command = [str(tool), "generate", "--path", str(specs / "shop.openapi.yaml")]
    command += ["--output-path", str(out / OAPC_PACKAGE), "--meta", "none"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=180, env=env)
    if done.returncode != 0 or not (out / OAPC_PACKAGE / "models").is_dir():
        return {
            "available": False,
            "reason": f"openapi-python-client generate failed (exit {done.returncode}): "
            + (done.stderr or done.stdout).strip()[-1000:],
        }
    version = subprocess.run(
        [str(tool), "--version"], capture_output=True, text=True, timeout=60, env=env
    ).stdout.split()
    return {"available": True, "version": version[-1] if version else "unknown"}


def measure(oapc_python: Path | None, *, rounds: int, batch: int, warmup: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-models-") as temp:
        root = Path(temp)
        specs, out = root / "specs", root / "out"
        specs.mkdir()
        (specs / "read.arazzo.yaml").write_text(ARAZZO)
        (specs / "shop.openapi.yaml").write_text(OPENAPI)
        _compile(specs, out)
        oapc = _oapc(oapc_python, specs, out)
        if not oapc["available"]:
            log(f"  openapi-python-client not measured: {oapc['reason']}")
        worker_python = Path(sys.executable)
        if oapc["available"] and oapc_python is not None:
            worker_python = oapc_python.absolute()
        spec = {
            "paths": [str(out), str(REPO)],
            "generated_package": GENERATED_PACKAGE,
            "oapc_package": OAPC_PACKAGE if oapc["available"] else None,
            "payload": PAYLOAD,
            "rounds": rounds,
            "batch": batch,
            "warmup": warmup,
        }
        done = subprocess.run(
            [str(worker_python), "-m", "bench.models_worker", json.dumps(spec)],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if done.returncode != 0:
            raise RuntimeError(f"models worker failed: {done.stderr.strip()[-2000:]}")
        answer = json.loads(done.stdout)
    per_round = answer["per_round_us"]
    base = per_round["handwritten"]
    ratios = {
        name: {
            "of_medians": answer["median_us"][name] / answer["median_us"]["handwritten"],
            "per_round": spread([mine / theirs for mine, theirs in zip(values, base, strict=True)]),
        }
        for name, values in per_round.items()
        if name != "handwritten"
    }
    if "openapi-python-client" in per_round:
        theirs = per_round["openapi-python-client"]
        paired = [mine / other for mine, other in zip(per_round["generated"], theirs, strict=True)]
        ratios["generated vs openapi-python-client"] = {
            "of_medians": statistics.median(per_round["generated"]) / statistics.median(theirs),
            "per_round": spread(paired),
        }
    return {
        "payload_bytes": len(json.dumps(PAYLOAD)),
        "rounds": rounds,
        "batch": batch,
        "worker_python": answer["python"],
        "openapi_python_client": oapc,
        "cpu_us_per_conversion": answer["median_us"],
        "rejects_string_quantity": answer["rejects_string_quantity"],
        "ratios_to_handwritten": ratios,
    }
