"""Items the spider yields: the archive's own records, stored by the pipeline as they are."""

from archive.crawl_records import ArticleRecord, FetchRecord

__all__ = ["ArticleRecord", "FetchRecord"]
