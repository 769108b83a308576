"""A name resolver for crawls of the fixture site under the site's other host names.

This machine resolves `localhost` only; `www.localhost` and `localhost.` (the trailing-dot
form) are the same host here, as `www.smoladmin.ru` and `smoladmin.ru.` are on the live site.
Use with `-s TWISTED_DNS_RESOLVER=tests.site.resolver.LocalhostAliases`.
"""

from collections.abc import Sequence

from scrapy.resolver import CachingThreadedResolver
from twisted.internet.defer import Deferred


class LocalhostAliases(CachingThreadedResolver):
    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:
        if name.rstrip(".").removeprefix("www.") == "localhost":
            name = "localhost"
        return super().getHostByName(name, timeout)
