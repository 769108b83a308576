"""Which links lead to files rather than pages: documents (attachments) and images.

A document link is told by what its address says (a document extension in the path or in a query
value such as `?file=plan.pdf`, a download script such as `download.php?id=7`, a path inside an
upload folder) or, for a link in an article's body, by what the link itself says (a `download`
attribute, a document MIME `type`, link text naming a format, a size or "скачать"). A wrong guess
costs little: a download is told by its content, and a page fetched as a document is a failed
fetch with its reason.
"""

import re
from urllib.parse import parse_qsl, urlsplit

DOCUMENT_EXTENSIONS = (
    ".pdf",
    ".doc",
    ".docx",
    ".xls",
    ".xlsx",
    ".rtf",
    ".odt",
    ".ods",
    ".zip",
    ".rar",
    ".7z",
    ".ppt",
    ".pptx",
)
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".webp")
PAGE_SUFFIXES = (".html", ".htm", ".shtml")
SCRIPT_SUFFIXES = (".php", ".aspx", ".asp", ".ashx", ".jsp", ".cgi", ".pl")
# A path's last part (a script suffix aside) that names a download script.
DOWNLOAD_SCRIPTS = frozenset(
    {
        "download",
        "downloadfile",
        "download_file",
        "download-file",
        "filedownload",
        "file_download",
        "getfile",
        "get_file",
        "get-file",
        "file",
        "dl",
        "attachment",
        "getattachment",
        "get_attachment",
    }
)
# Folders whose contents are files, whatever their names (so are a download script's).
FILE_FOLDERS = frozenset({"upload", "uploads", "download", "downloads", "files", "attachments"})
DOCUMENT_TYPES_RE = re.compile(
    r"application/(pdf|msword|rtf|zip|x-rar|x-7z|vnd\.ms-|vnd\.openxmlformats|vnd\.oasis)",
    re.IGNORECASE,
)
# Link text that names a document: a format in brackets, as a file name's extension or at the
# end ("Протокол (PDF, 1 Мб)", "plan.docx", "Смета — xlsx"), a size, or "скачать" first.
_FORMAT = r"(pdf|docx?|xlsx?|rtf|odt|ods|pptx?|zip|rar|7z)"
DOCUMENT_TEXT_RE = re.compile(
    rf"[(\[]\s*{_FORMAT}(?!\w)|\w\.{_FORMAT}(?!\w)|(?<!\w){_FORMAT}\W*$"
    r"|\d\s*(байт|[кмг]б|[kmg]i?b)(?!\w)"
    r"|^\W*(скачать|загрузить|download)(?!\w)",
    re.IGNORECASE,
)


def link_path(href: str) -> str:
    """A link's path in lower case, without query or fragment."""
    return href.split("?", 1)[0].split("#", 1)[0].lower()


def is_image_link(href: str) -> bool:
    """Whether a link leads to an image file."""
    return link_path(href).endswith(IMAGE_EXTENSIONS)


def is_document_link(href: str) -> bool:
    """Whether a link's address says it leads to a document rather than a page."""
    path = link_path(href)
    if path.endswith(DOCUMENT_EXTENSIONS):
        return True
    if path.endswith(IMAGE_EXTENSIONS):
        return False
    names = [_without_script_suffix(segment) for segment in path.split("/") if segment]
    if names and names[-1] in DOWNLOAD_SCRIPTS:
        return True
    folders = DOWNLOAD_SCRIPTS | FILE_FOLDERS
    if any(name in folders for name in names[:-1]) and not names[-1].endswith(PAGE_SUFFIXES):
        return True
    return _query_names_a_document(href)


def _without_script_suffix(segment: str) -> str:
    for suffix in SCRIPT_SUFFIXES:
        segment = segment.removesuffix(suffix)
    return segment


def _query_names_a_document(href: str) -> bool:
    query = href.split("#", 1)[0].partition("?")[2]
    if not query:
        return False
    try:
        values = [value for _, value in parse_qsl(query)]
    except ValueError:
        return False
    return any(link_path(value).endswith(DOCUMENT_EXTENSIONS) for value in values)


def says_document(href: str, text: str, download: bool, mime_type: str) -> bool:
    """Whether a link in an article's body leads to a document: by its address, or by what the
    link says (a `download` attribute, a document `type`, a format, size or "скачать" in its
    text). An image link is never a document."""
    if is_document_link(href):
        return True
    if is_image_link(href) or not _is_web_address(href):
        return False
    return download or bool(DOCUMENT_TYPES_RE.match(mime_type.strip())) or _text_says(text)


def _text_says(text: str) -> bool:
    return bool(DOCUMENT_TEXT_RE.search(text))


def _is_web_address(href: str) -> bool:
    stripped = href.strip()
    if not stripped or stripped.startswith("#"):
        return False
    try:
        scheme = urlsplit(stripped).scheme.lower()
    except ValueError:
        return False
    return scheme in ("", "http", "https")
