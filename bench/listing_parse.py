"""Time of reading a listing page of about 500 links (target: at most 50 ms).

Each run reads the next page of the section, as a crawl does: the caches shared by the pages
of a section (menus, pagination bar) are cold for the first page only, whose time is printed
too. Wall clock and CPU time: on a machine shared with other work, CPU time is the steadier one.

python bench/listing_parse.py [--items 150] [--pages 80] [--runs 20]
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.listing_page import synthetic_listing  # noqa: E402
from scraper.listing_reader import read_listing  # noqa: E402
from scraper.sections import SECTIONS_BY_KEY  # noqa: E402
from scraper.urls import SiteUrls  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=150)
    parser.add_argument("--pages", type=int, default=80)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    pages = [synthetic_listing(args.items, 2 + run, args.pages) for run in range(args.runs)]
    site, section = SiteUrls(), SECTIONS_BY_KEY["novosti"]
    seconds, cpu_seconds = [], []
    for html, expected in pages:
        started, cpu_started = time.perf_counter(), time.process_time()
        listing = read_listing(html, expected["served_url"], site, section)
        seconds.append(time.perf_counter() - started)
        cpu_seconds.append(time.process_time() - cpu_started)
        assert len(listing.articles) == args.items
    wall, cpu = (
        (statistics.median(seconds) * 1e3, min(seconds) * 1e3),
        (
            statistics.median(cpu_seconds) * 1e3,
            min(cpu_seconds) * 1e3,
        ),
    )
    print(
        f"listing pages of {html.count('<a ')} links ({len(html) / 1000:.0f} kB, {args.items} "
        f"articles, {len(listing.pages)} other pages), {args.runs} runs: wall clock median "
        f"{wall[0]:.1f} ms, best {wall[1]:.1f} ms; CPU time median {cpu[0]:.1f} ms, best "
        f"{cpu[1]:.1f} ms; the first page (cold caches) {seconds[0] * 1e3:.1f} ms wall clock, "
        f"{cpu_seconds[0] * 1e3:.1f} ms CPU"
    )


if __name__ == "__main__":
    main()
