"""Compression of stored pages: small on disk, exact when read back."""

import hashlib
import lzma

COMPRESSION = "xz"


def compress(body: bytes) -> bytes:
    """Compress a page body (xz: HTML with much repeated chrome shrinks about tenfold)."""
    return lzma.compress(body, preset=6)


def decompress(data: bytes, compression: str) -> bytes:
    """The page body exactly as it was served."""
    if compression != COMPRESSION:
        raise ValueError(f"unknown compression {compression!r}")
    return lzma.decompress(data)


def sha256_hex(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()
