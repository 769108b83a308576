"""Reading a failed request's Twisted Failure with types: its request, status and reason."""

from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

NOT_FETCHED_BY_CHOICE = ("Forbidden by robots.txt", "Filtered offsite request")


def failed_request(failure: Failure) -> Request:
    """The request an errback's failure is about (Scrapy sets it on the failure)."""
    request: Request = failure.request  # type: ignore[attr-defined]
    return request


def http_status(failure: Failure) -> int | None:
    """The HTTP status of a response refused as an error, or None for a network failure."""
    return failure.value.response.status if isinstance(failure.value, HttpError) else None


def error_name(failure: Failure) -> str:
    """The exception's class name and message: 'TimeoutError: ...'."""
    name = failure.type.__name__ if failure.type is not None else "error"
    return f"{name}: {failure.getErrorMessage()}"


def not_fetched_by_choice(failure: Failure) -> bool:
    """Whether a request was dropped by robots.txt or as offsite, rather than having failed.

    Other dropped requests (a redirect chain too long, a body over DOWNLOAD_MAXSIZE once
    decompressed) are failures.
    """
    if not isinstance(failure.value, IgnoreRequest) or isinstance(failure.value, HttpError):
        return False
    return failure.getErrorMessage().startswith(NOT_FETCHED_BY_CHOICE)
