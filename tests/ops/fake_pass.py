"""A stand-in for a pass over three pages, for test_signals: each page's save is two writes with a
wait for a line on standard input between them, the moment a test sends its signal.
"""

from __future__ import annotations

import sys

from bot.ops.signals import graceful_stop, stop_requested, stop_signal


def main() -> int:
    with graceful_stop():
        for page in (1, 2, 3):
            if stop_requested():
                print(f"stopped before page {page} ({stop_signal()})", flush=True)
                return 0
            print(f"saving page {page}", flush=True)
            sys.stdin.readline()  # the save is under way (an API request, say)
            print(f"saved page {page}", flush=True)
    print("all pages done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
