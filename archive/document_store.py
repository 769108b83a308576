"""The folder that keeps document files by content: `<root>/ab/cd/<sha256>`.

A file is written under `<root>/.partial/` while it downloads, then moved into place in one
rename once its sha256 is known; a content already kept is not written twice. Nothing here
ever deletes a kept file.
"""

import hashlib
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DOCUMENTS_FOLDER = "documents"
PARTIAL_FOLDER = ".partial"


def default_documents_dir(db_url: str) -> Path:
    """The folder beside a SQLite archive file; ./data/documents for a server database."""
    try:
        url = make_url(db_url)
    except ArgumentError:  # the command refuses the archive URL itself, in its own words
        return Path("data") / DOCUMENTS_FOLDER
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).parent / DOCUMENTS_FOLDER
    return Path("data") / DOCUMENTS_FOLDER


def is_sha256(name: str) -> bool:
    return len(name) == 64 and all(character in "0123456789abcdef" for character in name)


@dataclass
class Incoming:
    """A file being written: its bytes so far, their digest and count."""

    file: BinaryIO
    path: Path
    digest: "hashlib._Hash" = field(default_factory=hashlib.sha256)
    size: int = 0
    head: bytes = b""

    def write(self, chunk: bytes) -> None:
        self.file.write(chunk)
        self.digest.update(chunk)
        self.size += len(chunk)
        if len(self.head) < 8192:
            self.head += chunk[: 8192 - len(self.head)]

    @property
    def sha256(self) -> str:
        return self.digest.hexdigest()


class DocumentStore:
    """Document files kept by content under one root folder."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def path_of(self, sha256: str) -> Path:
        if not is_sha256(sha256):
            raise ValueError(f"not a sha256 digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def holds(self, sha256: str) -> bool:
        return self.path_of(sha256).is_file()

    @contextmanager
    def incoming(self) -> Iterator[Incoming]:
        """A new file under .partial/, removed when the block ends unless `keep` moved it."""
        partial = self.root / PARTIAL_FOLDER
        partial.mkdir(parents=True, exist_ok=True)
        path = partial / f"{secrets.token_hex(16)}.part"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            with os.fdopen(descriptor, "wb") as file:
                yield Incoming(file=file, path=path)
        finally:
            path.unlink(missing_ok=True)

    def keep(self, incoming: Incoming) -> Path:
        """Move a finished incoming file to its place by content (once: a content already
        kept stays as it is); its path."""
        incoming.file.flush()
        os.fsync(incoming.file.fileno())
        target = self.path_of(incoming.sha256)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(incoming.path, target)
        return target

    def clear_partial(self) -> int:
        """Remove what downloads killed midway left under .partial/; how many files."""
        partial = self.root / PARTIAL_FOLDER
        if not partial.is_dir():
            return 0
        removed = 0
        for leftover in partial.glob("*.part"):
            leftover.unlink(missing_ok=True)
            removed += 1
        return removed
