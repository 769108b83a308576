"""A stored document's text, whatever its kind, in the calling process (isolated.py runs it in
a limited child process)."""

from pathlib import Path

from scraper.documents.archives import ZipBudget, extract_zip
from scraper.documents.kinds import Kind, NotADocument, identify
from scraper.documents.legacy import extract_doc
from scraper.documents.office import extract_docx, extract_odt
from scraper.documents.pdf import extract_pdf
from scraper.documents.results import DocumentText, ExtractionFailed, ExtractOptions, failed
from scraper.documents.rtf import extract_rtf
from scraper.documents.sheets import extract_workbook

DEFAULT_OPTIONS = ExtractOptions()
OUT_OF_MEMORY = "ran out of memory"


def extract_document(path: Path, options: ExtractOptions = DEFAULT_OPTIONS) -> DocumentText:
    """The text of the document stored at `path`; a file that is no document, or cannot be
    read, gives a DocumentText whose `failure` says why (this never raises for bad input)."""
    kind = identify(path)
    if isinstance(kind, NotADocument):
        return failed(None, f"not a document: {kind.reason}")
    return extract_kind(path, kind, options, ZipBudget(options.zip_max_bytes))


def extract_kind(
    path: Path, kind: Kind, options: ExtractOptions, budget: ZipBudget
) -> DocumentText:
    try:
        return read(path, kind, options, budget)
    except ExtractionFailed as error:
        return failed(kind, str(error))
    except MemoryError:
        return failed(kind, OUT_OF_MEMORY)
    except RecursionError:
        return failed(kind, "nested too deeply to read")
    except Exception as error:  # a reader's error on a damaged file is the file's failure
        return failed(kind, f"a damaged {kind} file ({type(error).__name__}: {error})")


def read(path: Path, kind: Kind, options: ExtractOptions, budget: ZipBudget) -> DocumentText:
    match kind:
        case Kind.PDF:
            return extract_pdf(path, options)
        case Kind.DOCX:
            return extract_docx(path, options)
        case Kind.ODT:
            return extract_odt(path, options)
        case Kind.XLS | Kind.XLSX | Kind.ODS:
            return extract_workbook(path, kind, options)
        case Kind.RTF:
            return extract_rtf(path, options)
        case Kind.DOC:
            return extract_doc(path, options)
        case Kind.ZIP:

            def read_member(member: Path, member_kind: Kind, inner: ZipBudget) -> DocumentText:
                return extract_kind(member, member_kind, options, inner)

            return extract_zip(path, options, budget, read_member)
        case Kind.ENCRYPTED_OFFICE:
            raise ExtractionFailed("a password-protected Office document")
