"""The SQL archive of articles: models, sessions, reads and writes. Knows nothing of Scrapy."""
