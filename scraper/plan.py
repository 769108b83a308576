"""The crawl plan: what this run fetches, and how far it walks each section's listing.

The archive says what it already knows (`archive.plan.CrawlPlan`) and which older articles the
rolling revisit takes up; the walk policy here decides, URL by URL, what that means for the
spider. `ArchivePipeline` builds the plan when the crawl opens, under the archive's lock; the
spider asks the pipeline for it when its first requests are made.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from archive.documents import DocumentCheck, document_checks
from archive.plan import CrawlPlan, crawl_plan
from archive.revisit import elapsed_since_last_completed_run, revisit_choice

MODES = ("incremental", "full")
DOCUMENT_RETRY = timedelta(hours=20)  # a document that gave none is asked again a day later
# A kept document is checked again when its article is re-read, once its last check is
# --revisit-days old, less this slack: the revisit re-reads an article about every D days.
RECHECK_SLACK = timedelta(hours=12)


@dataclass
class WalkPlan:
    """The archive's knowledge of the sections, read as this run's walk policy."""

    archived: CrawlPlan = field(default_factory=CrawlPlan)
    mode: str = "incremental"
    revisit: dict[str, date | None] = field(default_factory=dict)
    documents: dict[str, DocumentCheck] = field(default_factory=dict)
    clock: datetime | None = None  # the crawl's clock at its start
    document_recheck: timedelta | None = None  # a kept document is checked again after this

    def document_due(self, url: str) -> bool:
        """Whether a document an article links is requested: new to the archive, failed a day
        ago or more, or kept and due again on the revisit schedule."""
        check = self.documents.get(url)
        if check is None or self.clock is None:
            return True
        return check.due(self.clock, self.document_recheck, DOCUMENT_RETRY)

    def unrequested_documents(self) -> list[str]:
        """The document URLs articles link that no crawl has requested yet (a crawl stopped
        before reaching them, or links found by a reparse), in URL order."""
        return sorted(
            url
            for url, check in self.documents.items()
            if check.checked_at is None and check.failed_at is None
        )

    def document_validators(self, url: str) -> dict[str, str]:
        """The conditional request headers for a document the archive keeps."""
        check = self.documents.get(url)
        if check is None or not check.kept:
            return {}
        headers = {}
        if check.etag:
            headers["If-None-Match"] = check.etag
        if check.last_modified:
            headers["If-Modified-Since"] = check.last_modified
        return headers

    def is_due(self, url: str) -> bool:
        """Whether a listed article must be fetched: new, in the refresh window, or removed."""
        archived = self.archived
        return url not in archived.known or url in archived.due or url in archived.removed

    def unsettles(self, url: str) -> bool:
        """Whether a listed article keeps an incremental walk going to the next listing page.

        A known article does when it is due, removed, or was archived after the section's last
        completed run; an unknown one unless it was requested before (it failed, or robots.txt
        refused it). Revisited articles are not due and never keep a walk going.
        """
        archived = self.archived
        if url in archived.known:
            return url in archived.due or url in archived.removed or url not in archived.settled
        return url not in archived.attempted

    def walks_everything(self, section_key: str) -> bool:
        """Whether every listing page of the section is visited: a full crawl, or a first walk."""
        return self.mode == "full" or section_key not in self.archived.walked_sections

    def first_requests(self) -> list[str]:
        """Articles requested from the start, before any listing: due and removed ones (in URL
        order), pages that never loaded, then the rolling revisit (oldest fetch first)."""
        archived = self.archived
        return sorted(archived.due | archived.removed) + archived.retry + list(self.revisit)

    def listing_date(self, url: str) -> date | None:
        """The date a listing showed for an article requested without walking its listing."""
        return self.archived.listing_dates.get(url) or self.revisit.get(url)


def build_walk_plan(
    session: Session,
    sections: list[str],
    mode: str,
    now: datetime,
    refresh_days: int,
    revisit_days: int,
) -> WalkPlan:
    """Read the archive's knowledge of the sections and the revisit batch into a plan."""
    window_start = now - timedelta(days=refresh_days)
    elapsed = elapsed_since_last_completed_run(session, sections, now)
    return WalkPlan(
        archived=crawl_plan(session, sections, now, refresh_days),
        mode=mode,
        revisit=revisit_choice(session, sections, window_start, revisit_days, elapsed, now),
        documents=document_checks(session),
        clock=now,
        document_recheck=timedelta(days=revisit_days) - RECHECK_SLACK if revisit_days else None,
    )
