"""The pure parts of the file store: names, formats told by content, the local directory."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from engine.files import (
    FileMissing,
    FileStoreUnavailable,
    LocalFiles,
    clean_name,
    content_key,
    sniff,
)


@pytest.mark.parametrize("raw", ["../../etc/passwd", "a/b.pdf", "a\\b.pdf", "..", ".", " ",
                                 "", None, ".htaccess", "x\x00.pdf", "a\nb.pdf",
                                 "evil\u202efdp.exe", "a" * 256])
def test_names_that_are_refused(raw: str | None) -> None:
    name, why = clean_name(raw)
    assert name is None and why


def test_names_kept_as_sent_in_nfc() -> None:
    assert clean_name("  Giấy đề nghị (bản sao).pdf ") == ("Giấy đề nghị (bản sao).pdf", "")
    decomposed = "Gia\u0301y.pdf"
    assert clean_name(decomposed)[0] == "Giáy.pdf"


def test_formats_are_told_by_content() -> None:
    assert sniff(b"%PDF-1.7\n%\xe2\xe3")[0].name == "pdf"  # type: ignore[union-attr]
    assert sniff(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00")[0].name == "jpeg"  # type: ignore[union-attr]
    found, what = sniff(b"MZ\x90\x00" + b"\x00" * 60)
    assert found is None and what is not None and "msdownload" in what
    assert sniff(b"plain text") == (None, None)
    assert sniff(b"") == (None, None)


def test_local_directory(tmp_path: Path) -> None:
    store = LocalFiles(tmp_path / "made-on-first-use")
    key = content_key("0f" * 32)
    with pytest.raises(FileMissing):
        store.get(key)
    store.put(key, io.BytesIO(b"bytes"))
    assert store.get(key) == b"bytes"
    assert (tmp_path / "made-on-first-use" / "sha256" / "0f" / ("0f" * 32)).is_file()
    assert [p.name for p in (tmp_path / "made-on-first-use").rglob(".part-*")] == []
    for bad in ("../x", "/etc/passwd", "a/../../b", "A"):
        with pytest.raises(ValueError):
            store.put(bad, io.BytesIO(b""))
    with pytest.raises(ValueError):
        content_key("not a digest")


def test_a_directory_that_cannot_be_written(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_bytes(b"")
    store = LocalFiles(blocker / "files")  # under a file: no directory can be made there
    with pytest.raises(FileStoreUnavailable):
        store.put(content_key("0f" * 32), io.BytesIO(b"bytes"))
