"""The project's own stand-in (tests/tiktok_standin.py) in a process of its own, for a cross-check.

Prints "READY URL" and then reads commands on stdin: "PREFIX COUNT" registers the codes
PREFIX0 .. PREFIX{COUNT-1} (codes are single-use) and answers "OK". Stops when stdin closes.
"""

from __future__ import annotations

import sys

from tests.tiktok_standin import TikTokStandIn


def main() -> None:
    with TikTokStandIn() as server:
        print(f"READY {server.base_url}", flush=True)
        for line in sys.stdin:
            prefix, _, count = line.strip().rpartition(" ")
            for index in range(int(count)):
                server.add_code(f"{prefix}{index}")
            print("OK", flush=True)


if __name__ == "__main__":
    main()
