"""Benchmark worker for arazzo-runner, run by the interpreter of its own venv (bench/.venv-runner).

arazzo-runner (requests, pydantic, jsonpath-ng, ...) is kept out of the project's venv, so the
benchmark drives it through this worker: a separate process that reads one JSON command per line
on stdin and answers one JSON line on stdout. It imports nothing from the project. While it runs
a batch the parent process waits on the pipe, so the two never compete for a core.

Commands:
    {"cmd": "setup", "spec": PATH, "base_url": URL, "inputs": {...}}
    {"cmd": "run", "variant": "runner" | "requests", "count": N, "code_prefix": STR}
    {"cmd": "quit"}
"""

from __future__ import annotations

import importlib
import json
import logging
import sys
import time
from importlib import metadata
from typing import Any

WORKFLOW_ID = "oauth-login-and-profile"


class Worker:
    def __init__(self) -> None:
        self.runner: Any = None
        self.session: Any = None
        self.base_url = ""
        self.inputs: dict[str, str] = {}

    def setup(self, spec: str, base_url: str, inputs: dict[str, str]) -> dict[str, Any]:
        # arazzo-runner calls logging.basicConfig(level=INFO) on import and logs several
        # records (and a credentials warning) per step; the generated code's DEBUG records are
        # off too. Measure the interpreter, not writes to stderr.
        logging.disable(logging.WARNING)
        # Imported by name: these live in arazzo-runner's venv, not the project's.
        requests = importlib.import_module("requests")
        runner = importlib.import_module("arazzo_runner")
        utils = importlib.import_module("arazzo_runner.utils")

        doc = utils.load_arazzo_doc(spec)
        sources = utils.load_source_descriptions(doc, spec, "", None)
        for source in sources.values():
            source["servers"] = [{"url": base_url}]
        self.session = requests.Session()
        self.runner = runner.ArazzoRunner(
            arazzo_doc=doc, source_descriptions=sources, http_client=self.session
        )
        self.base_url = base_url
        self.inputs = inputs
        return {
            "ok": True,
            "arazzo_runner": metadata.version("arazzo-runner"),
            "requests": metadata.version("requests"),
            "python": sys.version.split()[0],
        }

    def run(self, variant: str, count: int, code_prefix: str) -> dict[str, Any]:
        times: list[int] = []
        failures = 0
        first_error = None
        one = self.run_runner if variant == "runner" else self.run_requests
        cpu = time.process_time_ns()
        for index in range(count):
            code = f"{code_prefix}{index}"
            if variant == "runner":
                # execute_workflow() registers four callbacks on every call and keeps every
                # execution state: reset both outside the timed region, or each run gets slower.
                for callbacks in self.runner.event_callbacks.values():
                    callbacks.clear()
                self.runner.execution_states.clear()
            started = time.perf_counter_ns()
            error = one(code)
            times.append(time.perf_counter_ns() - started)
            if error is not None:
                failures += 1
                first_error = first_error or error
        return {
            "ok": True,
            "times_ns": times,
            "cpu_ns": time.process_time_ns() - cpu,
            "failures": failures,
            "first_error": first_error,
        }

    def run_runner(self, code: str) -> str | None:
        inputs = dict(self.inputs, code=code)
        result = self.runner.execute_workflow(WORKFLOW_ID, inputs)
        outputs = result.outputs or {}
        if str(result.status).rsplit(".", 1)[-1].lower() != "workflow_complete":
            return f"status {result.status}: {result.error}"
        if outputs.get("displayName") != "Stand-in Creator" or not outputs.get("accessToken"):
            return f"unexpected outputs {sorted(outputs)}"
        return None

    def run_requests(self, code: str) -> str | None:
        # The same two requests written by hand with requests: the floor of a sync client.
        response = self.session.post(
            self.base_url + "/v2/oauth/token/",
            data={
                "client_key": self.inputs["clientKey"],
                "client_secret": self.inputs["clientSecret"],
                "code": code,
                "grant_type": "authorization_code",
                "redirect_uri": self.inputs["redirectUri"],
            },
        )
        if response.status_code != 200:
            return f"exchangeCode HTTP {response.status_code}"
        token = response.json()
        response = self.session.get(
            self.base_url + "/v2/user/info/",
            params={"fields": self.inputs["userFields"]},
            headers={"Authorization": "Bearer " + token["access_token"]},
        )
        if response.status_code != 200:
            return f"getProfile HTTP {response.status_code}"
        if response.json()["data"]["user"].get("display_name") != "Stand-in Creator":
            return "unexpected profile"
        return None


def main() -> None:
    worker = Worker()
    for line in sys.stdin:
        command = json.loads(line)
        try:
            if command["cmd"] == "quit":
                break
            if command["cmd"] == "setup":
                answer = worker.setup(command["spec"], command["base_url"], command["inputs"])
            else:
                answer = worker.run(command["variant"], command["count"], command["code_prefix"])
        except Exception as error:
            answer = {"ok": False, "error": f"{type(error).__name__}: {error}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
