"""The documents inside a ZIP, each read as if it were stored on its own, within limits on
members, unpacked bytes and nesting."""

import tempfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from scraper.documents.kinds import Kind, NotADocument, identify
from scraper.documents.results import (
    DocumentText,
    ExtractionFailed,
    ExtractOptions,
    Method,
    MiB,
    TextPart,
)

ReadMember = Callable[[Path, Kind, "ZipBudget"], DocumentText]
# Names written without the UTF-8 flag: Windows' own ZIP writer uses the OEM code page, which
# is cp866 on Russian systems.
LEGACY_NAME_ENCODING = "cp866"
NO_DOCUMENT = "a ZIP without a readable document"
UNPACK_ERRORS = (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, ValueError, zlib.error)


@dataclass
class ZipBudget:
    """What the ZIPs of one document may still unpack, shared by nested ZIPs."""

    bytes_left: int
    depth: int = 0


def extract_zip(
    path: Path, options: ExtractOptions, budget: ZipBudget, read_member: ReadMember
) -> DocumentText:
    """The parts of every document in the ZIP, each named by its member path; members that
    are no documents or fail are listed in `notes`."""
    try:
        archive = zipfile.ZipFile(path, metadata_encoding=LEGACY_NAME_ENCODING)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise ExtractionFailed(f"a damaged ZIP file ({error})") from error
    with archive, tempfile.TemporaryDirectory(prefix="citynews-zip-") as scratch:
        members = [info for info in archive.infolist() if not info.is_dir()]
        check_limits(members, options, budget)
        parts: list[TextPart] = []
        notes: list[str] = []
        pages = 0
        for index, info in enumerate(members):
            target = Path(scratch) / str(index)  # never the member's own name: no path tricks
            outcome = read_one(archive, info, target, options, budget, read_member)
            if isinstance(outcome, tuple):
                notes.extend(f"{info.filename}: {reason}" for reason in outcome)
                continue
            pages += outcome.pages or 0
            parts.extend(
                replace(part, member=joined(info.filename, part.member)) for part in outcome.parts
            )
            notes.extend(f"{info.filename}: {note}" for note in outcome.notes)
    if not parts:
        listed = "; ".join(notes) or "empty"
        failure = f"{NO_DOCUMENT} ({listed})"
        return DocumentText(Kind.ZIP, None, None, failure=failure, notes=tuple(notes))
    return DocumentText(
        kind=Kind.ZIP,
        method=Method.ZIP,
        pages=pages or None,
        parts=tuple(parts),
        notes=tuple(notes),
    )


def joined(member: str, inner: str | None) -> str:
    return f"{member}/{inner}" if inner else member


def check_limits(
    members: list[zipfile.ZipInfo], options: ExtractOptions, budget: ZipBudget
) -> None:
    if len(members) > options.zip_max_members:
        raise ExtractionFailed(
            f"a ZIP of {len(members)} files, more than the cap of {options.zip_max_members}"
        )
    declared = sum(info.file_size for info in members)
    if declared > budget.bytes_left:
        raise ExtractionFailed(
            f"a ZIP that unpacks to {declared // MiB} MiB, more than the "
            f"{options.zip_max_bytes // MiB} MiB allowed"
        )


def read_one(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    target: Path,
    options: ExtractOptions,
    budget: ZipBudget,
    read_member: ReadMember,
) -> DocumentText | tuple[str, ...]:
    """A member's extraction, or why it gave none (for a ZIP in it, why each of its members
    gave none)."""
    if info.flag_bits & 0x1:
        return ("password-protected",)
    try:
        unpack(archive, info, target, budget)
    except UNPACK_ERRORS as error:
        return (f"cannot be unpacked ({error})",)
    except ExtractionFailed as error:
        return (str(error),)
    kind = identify(target)
    if isinstance(kind, NotADocument):
        return (f"not a document: {kind.reason}",)
    if kind is Kind.ZIP and budget.depth >= options.zip_max_depth:
        return (f"a ZIP nested more than {options.zip_max_depth} deep",)
    inner = ZipBudget(budget.bytes_left, budget.depth + 1)
    try:
        outcome = read_member(target, kind, inner)
    finally:
        budget.bytes_left = min(budget.bytes_left, inner.bytes_left)
        target.unlink(missing_ok=True)
    if outcome.failure is None:
        return outcome
    return outcome.notes if outcome.notes else (outcome.failure,)


def unpack(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, budget: ZipBudget
) -> None:
    """Copies a member out, counting its bytes against the budget as they come."""
    with archive.open(info) as source, target.open("wb") as sink:
        while chunk := source.read(MiB):
            budget.bytes_left -= len(chunk)
            if budget.bytes_left < 0:
                raise ExtractionFailed("the ZIP unpacks past its byte cap")
            sink.write(chunk)
