"""The applicant's files and the officers' results, kept outside the database (pure: no
Flask, no SQLAlchemy): a file store (`store`: a local directory, or an S3-compatible bucket
for several machines, `s3`), what a file's bytes say it is (`formats`) and what its name may
be (`names`)."""
from engine.files.formats import DEFAULT_FORMATS, FORMATS, Format, sniff
from engine.files.names import clean_name
from engine.files.store import (
    FileMissing,
    FileStore,
    FileStoreUnavailable,
    LocalFiles,
    content_key,
)

__all__ = ["DEFAULT_FORMATS", "FORMATS", "FileMissing", "FileStore", "FileStoreUnavailable", "Format", "LocalFiles",
           "clean_name", "content_key", "sniff"]
