"""Where submitted files are kept: one interface, a local directory by default.

Files are named by their SHA-256 (`content_key`), never by the name a client sent, so no
name can reach outside the store and the same bytes are kept once. A file is written
before the row that refers to it commits: a commit that fails leaves at worst a file no
row names (an orphan), never a row without its file.
"""
from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import IO, Protocol

_KEY = re.compile(r"^[a-z0-9]+(/[a-z0-9]+)*$")
CHUNK = 1 << 20


class FileMissing(Exception):
    """The store has no file under this key (deleted or never written)."""


class FileStoreUnavailable(Exception):
    """The store could not be reached or written (a server down, a full disk): nothing
    was kept, and the same request may be sent again later."""


class FileStore(Protocol):
    def put(self, key: str, stream: IO[bytes]) -> None:
        """Write the stream's bytes (from its current position) under `key`, replacing
        any file there whole (readers never see half a file)."""

    def get(self, key: str) -> bytes:
        """The file's bytes; FileMissing when there is none. Either may raise
        FileStoreUnavailable."""


def content_key(sha256: str) -> str:
    """The key of a file with this SHA-256 (hex): fanned out over 256 folders."""
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValueError("a SHA-256 in lower-case hex is required")
    return f"sha256/{sha256[:2]}/{sha256}"


def check_key(key: str) -> str:
    """Keys are ours, but a key that could leave the store is refused all the same."""
    if not _KEY.fullmatch(key):
        raise ValueError(f"not a file store key: {key!r}")
    return key


class LocalFiles:
    """A directory (`MOTCUA_FILES_DIR`), created on first use. Each file is written to a
    temporary name beside its place, flushed to disk, then renamed over it."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, stream: IO[bytes]) -> None:
        target = self.path(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".part-")
        except OSError as exc:
            raise FileStoreUnavailable(f"{self.root}: {exc}") from exc
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(CHUNK):
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException as exc:
            Path(temporary).unlink(missing_ok=True)
            if isinstance(exc, OSError):
                raise FileStoreUnavailable(f"{self.root}: {exc}") from exc
            raise

    def get(self, key: str) -> bytes:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError:
            raise FileMissing(key) from None
        except OSError as exc:
            raise FileStoreUnavailable(f"{self.root}: {exc}") from exc
