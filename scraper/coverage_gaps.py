"""A field coverage gap as the crawl reports it, in its warnings and its run's message."""

from archive.coverage import Gap


def describe_gap(gap: Gap) -> str:
    """'novosti 2016: views in 0 of 11 articles (0%), while 97% of the section's articles
    have it'."""
    year = gap.year if gap.year is not None else "no date"
    return (
        f"{gap.section} {year}: {gap.field} in {gap.present} of {gap.articles} "
        f"articles ({gap.share:.0%}), while {gap.section_share:.0%} of the section's "
        f"articles have it"
    )
