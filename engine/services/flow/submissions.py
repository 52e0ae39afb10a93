"""Documents submitted as files: the applicant's papers (through the client that started the
dossier, or the officer holding it at the desk) and the result an officer produces.

Everything that can refuse an upload is checked before anything is kept: who sends it
(`engine.access.policy.may_submit_document`), its `kind` (one of the procedure's published
list, `other` where the procedure allows it, or `result` from an officer), its name (a
file name, never a path), its size (`MOTCUA_MAX_DOCUMENT_BYTES`) and what its bytes say it
is (one of the procedure's formats). Then each file is written to the file store under its
SHA-256, and only then are the rows and their `document.submitted` events committed, with
the dossier's row locked: a commit that fails leaves at worst a stored file no row names.
Papers sent with the intake itself (`intake.start_dossier`) are checked the same way before
the dossier's code is taken, and committed in the intake's own transaction.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, replace
from datetime import datetime
from typing import IO, Any

from engine.access import Action, Caller, actor_at, require
from engine.access.outside import may_submit_document
from engine.deadlines import Procedure
from engine.deadlines.papers import RESULT
from engine.errors import DossierEnded, FileStoreDown, InvalidInput
from engine.files import (
    FORMATS,
    FileStoreUnavailable,
    Format,
    clean_name,
    content_key,
    sniff,
)
from engine.files.formats import HEAD_BYTES
from engine.services.context import Context
from engine.services.flow import progress, tallies
from engine.services.flow.dossiers import find_dossier
from engine.stats.counters import PAPERS_KEPT, RESULT_KEPT
from engine.store.models import Document, Dossier
from engine.store.records import DossierRow
from engine.store.uow import UnitOfWork

CHUNK = 1 << 20
OPEN = ("in_process", "error")
log = logging.getLogger(__name__)


class DocumentTooLarge(InvalidInput):
    """A submitted file is larger than MOTCUA_MAX_DOCUMENT_BYTES."""

    code = "too-large"


class FileTypeRefused(InvalidInput):
    """A submitted file's bytes are not one of the formats its procedure accepts."""

    code = "file-type-refused"


@dataclass
class Upload:
    """A file as it arrived: the name the client gave and its bytes (seekable); at intake,
    the kind of paper its part named (`file.<kind>`)."""

    name: str | None
    stream: IO[bytes]
    kind: str | None = None

    @property
    def field(self) -> str:
        return f"file.{self.kind}" if self.kind is not None else "file"


@dataclass(frozen=True)
class Measured:
    """A file whose name, size and checksum are known; its format not yet checked."""

    upload: Upload
    name: str
    size: int
    sha256: str
    head: bytes


@dataclass(frozen=True)
class Checked:
    name: str
    format: Format
    size: int
    sha256: str
    stream: IO[bytes]
    kind: str = ""


def submit_documents(ctx: Context, caller: Caller, code: str, kind: str | None,
                     uploads: list[Upload]) -> list[Document]:
    """Keep the files as documents of the dossier, all of them or none (a refused one
    refuses the request). Returns the new documents."""
    require(caller, Action.DOSSIER_SUBMIT)
    with ctx.uow(readonly=True) as uow:
        _, formats = _admit(uow, caller, code, kind)
    checked = _check_files(uploads, formats, ctx.settings.max_document_bytes,
                           ctx.settings.max_document_files)
    store_files(ctx, checked, code)
    now = ctx.clock.now()
    with ctx.uow() as uow:
        dossier, _ = _admit(uow, caller, code, kind, lock=True)
        made = record_documents(uow, dossier, [replace(c, kind=kind or "") for c in checked],
                                caller, now, actor_at(caller, [dossier.unit]))
        dossier.updated_at = now
        uow.commit()
    return made


def store_files(ctx: Context, checked: list[Checked], code: str) -> None:
    """Each file into the file store under its SHA-256, before any row names it."""
    for item in checked:
        item.stream.seek(0)
        try:
            ctx.files.put(content_key(item.sha256), item.stream)
        except FileStoreUnavailable as exc:
            log.error("the file store refused a document of dossier %s: %s", code, exc)
            raise FileStoreDown("the file store cannot keep documents now; no document was "
                                "kept, send them again later") from None


def record_documents(uow: UnitOfWork, dossier: DossierRow, checked: list[Checked], caller: Caller,
                     now: datetime, actor: dict[str, Any]) -> list[Document]:
    """The rows of stored files and their `document.submitted` events, in the caller's
    unit of work (which commits them with whatever else it writes)."""
    made = []
    for item in checked:
        document = Document(
            province=dossier.province, dossier_id=dossier.id, kind=item.kind,
            form=None, file_name=item.name, content_type=item.format.content_type,
            fields={}, size=item.size, sha256=item.sha256, created_at=now,
            created_by=caller.id, file_key=content_key(item.sha256))
        uow.repo.add_document(document)
        made.append(document)
    uow.repo.session.flush()  # the ids, for the history
    for kind in sorted({item.kind for item in checked}):
        _kept(uow, dossier, kind)
    for document in made:
        progress.record(uow, dossier, "document.submitted", at=now, actor_id=caller.id,
                        payload={"document_id": document.id, "kind": document.kind,
                                 "name": document.file_name, "size": document.size,
                                 "sha256": document.sha256,
                                 "content_type": document.content_type,
                                 "by": caller.name, "role": caller.role},
                        actor=actor)
    return made


def _kept(uow: UnitOfWork, dossier: DossierRow, kind: str | None) -> None:
    """Note what the dossier now holds as files; the first of the applicant's papers makes
    it a digitised dossier in the figures (a result is counted when the dossier finishes)."""
    bit = RESULT_KEPT if kind == RESULT else PAPERS_KEPT
    had = dossier.files_kept or 0
    if had & bit:
        return
    dossier.files_kept = had | bit
    if bit == PAPERS_KEPT:
        tallies.digitised(uow, dossier)


def _admit(uow: UnitOfWork, caller: Caller, code: str, kind: str | None, *,
           lock: bool = False) -> tuple[Dossier, tuple[str, ...]]:
    """The dossier, if the caller may submit a document of `kind` to it now, and the
    formats its procedure accepts."""
    dossier = find_dossier(uow, caller, code, Action.DOSSIER_SUBMIT, lock=lock)
    open_tasks = list(uow.repo.open_tasks_of(dossier.id))
    may_submit_document(caller, dossier, open_tasks, result=kind == RESULT)
    if dossier.status not in OPEN:
        raise DossierEnded(f"dossier {code} is {dossier.status}: it takes no more documents")
    stored = uow.repo.procedure(dossier.province, dossier.procedure_code) \
        if dossier.procedure_code else None
    procedure = Procedure.from_dict(stored.code, stored.data) if stored is not None else None
    formats = procedure.document_formats if procedure is not None else ("pdf",)
    if kind == RESULT:
        return dossier, formats
    kinds = procedure.document_kinds() if procedure is not None else ()
    if not kind or kind not in kinds:
        listed = ", ".join(kinds) if kinds else "none: the procedure publishes no list"
        raise InvalidInput(f"a document of dossier {code} has one of the kinds its procedure "
                           "lists", errors=[{"field": "kind", "message":
                                             f"one of {listed} (or {RESULT}, from the officer "
                                             "holding the dossier)"}])
    return dossier, formats


def _check_files(uploads: list[Upload], formats: tuple[str, ...], limit: int,
                 most: int) -> list[Checked]:
    return check_formats(measure_files(uploads, limit, most), formats)


def measure_files(uploads: list[Upload], limit: int, most: int) -> list[Measured]:
    """Each file's safe name, size (at most `limit`) and SHA-256; at most `most` files."""
    if not uploads:
        raise InvalidInput("no file was sent", errors=[
            {"field": "file", "message": "one or more multipart parts named 'file'"}])
    if len(uploads) > most:
        raise InvalidInput(f"at most {most} files in one request", errors=[
            {"field": uploads[most].field, "message": f"{len(uploads)} files; at most {most} "
                                                      "(MOTCUA_MAX_DOCUMENT_FILES)"}])
    measured, problems = [], []
    for upload in uploads:
        name, why = clean_name(upload.name)
        if name is None:
            problems.append({"field": upload.field, "message": f"{upload.name!r}: {why}"})
            continue
        size, sha256, head = _measure(upload.stream, limit)
        if size > limit:
            raise DocumentTooLarge(
                f"{name} is larger than {limit} bytes, the limit for a document "
                "(MOTCUA_MAX_DOCUMENT_BYTES)",
                errors=[{"field": upload.field, "message": f"{name}: larger than {limit} bytes"}])
        measured.append(Measured(upload, name, size, sha256, head))
    if problems:
        raise InvalidInput("a file name is refused", errors=problems)
    return measured


def check_formats(measured: list[Measured], formats: tuple[str, ...]) -> list[Checked]:
    """What each file's bytes say it is, one of `formats`, else the request is refused."""
    checked = []
    for m in measured:
        found, what = sniff(m.head)
        if found is None or found.name not in formats:
            accepted = ", ".join(FORMATS[f].name.upper() for f in formats)
            raise FileTypeRefused(
                f"{m.name} is not a file of the formats the procedure accepts",
                errors=[{"field": m.upload.field, "message": f"{m.name}: its content is "
                         f"{what or 'of no known format'}; accepted: {accepted}"}])
        checked.append(Checked(m.name, found, m.size, m.sha256, m.upload.stream,
                               m.upload.kind or ""))
    return checked


def check_intake_papers(measured: list[Measured], procedure: Procedure | None
                        ) -> list[Checked]:
    """The applicant's papers sent with the intake: each of a kind its procedure lists
    (never `result`, which only an officer holding the dossier produces), of a format it
    accepts."""
    kinds = procedure.document_kinds() if procedure is not None else ()
    wrong = [m.upload for m in measured if m.upload.kind not in kinds]
    if wrong:
        listed = ", ".join(kinds) if kinds else "none: the procedure publishes no list"
        raise InvalidInput("a paper sent with the dossier has a kind its procedure does not "
                           "list", errors=[{"field": u.field, "message": f"{u.kind!r}: the "
                                            f"kinds are {listed}"} for u in wrong])
    return check_formats(measured, procedure.document_formats if procedure else ("pdf",))


def _measure(stream: IO[bytes], limit: int) -> tuple[int, str, bytes]:
    """(size, SHA-256, first bytes), reading no further than one byte past `limit`."""
    digest, size, head = hashlib.sha256(), 0, b""
    while size <= limit:
        chunk = stream.read(min(CHUNK, limit + 1 - size))
        if not chunk:
            break
        if len(head) < HEAD_BYTES:
            head += chunk[:HEAD_BYTES - len(head)]
        digest.update(chunk)
        size += len(chunk)
    return size, digest.hexdigest(), head
