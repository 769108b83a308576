"""A parsing process of the crawl: parses the pages the crawl sends over its pipe."""

from multiprocessing.connection import Connection
from zoneinfo import ZoneInfo

from scraper.page_jobs import load_dictionaries, run_job
from scraper.runtime.processes import PARSER_NAME, become_background_worker
from scraper.urls import SiteUrls


def serve_pages(connection: Connection, site: SiteUrls, tz: ZoneInfo) -> None:
    """A worker's life: parse the pages the crawl sends over its pipe, answer each with
    (job id, True, the parsed page) or (job id, False, why not), until the pipe closes.

    The crawl's end, even a SIGKILL, closes the pipe, and the end of the server process that
    forked the worker kills it: no worker outlives its crawl. The worker leaves Ctrl-C to the
    crawl, runs at a lower priority than the crawl's reactor (the downloads must not wait for a
    core), and loads its dictionaries before the first page.
    """
    become_background_worker(PARSER_NAME)
    load_dictionaries()
    while True:
        try:
            job_id, job = connection.recv()
        except (EOFError, OSError):
            return
        answer: tuple[int, bool, object]
        try:
            answer = (job_id, True, run_job(job, site, tz))
        except Exception as error:  # the crawl parses that page itself
            answer = (job_id, False, f"{type(error).__name__}: {error}")
        try:
            connection.send(answer)
        except OSError:
            return
