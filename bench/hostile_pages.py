"""What hostile pages cost: deep nesting (parse time) and gzip bombs (peak memory of a crawl).

    python bench/hostile_pages.py [--bomb-mb 64]

Mind the machine: with Scrapy's 1 GiB limit, bombs of 256 MB took 22 GB of memory.

1. Parse time of the fixture's bridge article as served, and with a paragraph inside 1,500
   and 10,000 nested divs, as ratios to the plain page.
2. Peak memory (max RSS) of `citynews crawl --section novosti-tos` (10 articles) while every
   article answers with a gzip bomb of --bomb-mb MB, with DOWNLOAD_MAXSIZE at this project's
   default and at Scrapy's (1 GiB).
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scraper.parsing.article import parse_article  # noqa: E402
from tests.conftest import CLI_ENV, SiteServer  # noqa: E402
from tests.site import content, hostile  # noqa: E402

BRIDGE = content.NOVOSTI + "v-smolenske-zavershili-remont-peshehodnogo-mosta"
SCRAPY_MAXSIZE = 1024 * 1024 * 1024


def parse_seconds(depth: int, repeat: int = 3) -> float:
    """Best of `repeat` parse times of the bridge article, nested `depth` deep (0: as served)."""
    if depth:
        spec = {"mode": "deep_nesting", "depth": depth}
        _, _, body = hostile.answer(BRIDGE, spec, content.ARTICLES)
    else:
        _, _, body = content.render(BRIDGE)
    html = body.decode()
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        parse_article(html, content.HOST + BRIDGE, tz=ZoneInfo("Europe/Moscow"))
        best = min(best, time.perf_counter() - start)
    return best


def crawl_peak_rss_mb(site: SiteServer, workdir: str, *settings: str) -> tuple[float, float]:
    """Max RSS (MB) and wall time of one crawl of the novosti-tos section."""
    db = f"sqlite:///{workdir}/bomb-{time.monotonic_ns()}.sqlite3"
    args = [sys.executable, "-m", "citynews", "crawl", "--site-url", site.url, "--db", db]
    args += ["--section", "novosti-tos", *settings]
    start = time.perf_counter()
    process = subprocess.Popen(args, cwd=workdir, env=CLI_ENV, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(process.pid, 0)
    return usage.ru_maxrss / 1024, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bomb-mb", type=int, default=64)
    args = parser.parse_args()
    plain = parse_seconds(0)
    print(f"parse, as served: {plain * 1000:.1f} ms")
    for depth in (1500, 10_000):
        seconds = parse_seconds(depth)
        print(f"parse, {depth} nested divs: {seconds * 1000:.0f} ms ({seconds / plain:.1f}x)")
    site = SiteServer()
    try:
        site.change(hostile={"mode": "gzip_bomb", "size_mb": args.bomb_mb})
        with tempfile.TemporaryDirectory() as workdir:
            ours = crawl_peak_rss_mb(site, workdir)
            scrapys = crawl_peak_rss_mb(site, workdir, "-s", f"DOWNLOAD_MAXSIZE={SCRAPY_MAXSIZE}")
    finally:
        site.stop()
    print(f"gzip bombs of {args.bomb_mb} MB, 10 articles:")
    print(f"  DOWNLOAD_MAXSIZE default (5 MiB): max RSS {ours[0]:.0f} MB, {ours[1]:.1f} s")
    print(f"  DOWNLOAD_MAXSIZE 1 GiB (Scrapy's): max RSS {scrapys[0]:.0f} MB, {scrapys[1]:.1f} s")


if __name__ == "__main__":
    main()
