"""Time a full crawl of the local fixture site with delays off: requests and seconds.

python bench/crawl_fixture_site.py [--runs 3]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import SiteServer  # noqa: E402


def crawl_once() -> tuple[float, int]:
    site = SiteServer()
    try:
        with tempfile.TemporaryDirectory() as workdir:
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "citynews", "crawl", "--site-url", site.url, "--quiet"],
                cwd=workdir,
                check=True,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
            )
            seconds = time.perf_counter() - started
        with urllib.request.urlopen(site.url + "/__admin/requests") as response:
            requests = len(json.load(response))
    finally:
        site.stop()
    return seconds, requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results = [crawl_once() for _ in range(args.runs)]
    seconds = [s for s, _ in results]
    print(f"requests per crawl: {results[0][1]}")
    print(
        f"seconds per crawl (whole CLI process): median {statistics.median(seconds):.2f}, "
        f"min {min(seconds):.2f}, max {max(seconds):.2f} over {args.runs} runs"
    )


if __name__ == "__main__":
    main()
