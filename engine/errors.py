"""The one error tree of the core. Every error carries a stable machine `code`.

HTTP statuses are chosen in `api/errors.py`, never here.
"""
from __future__ import annotations

from typing import Any


class MotcuaError(Exception):
    """Root of every business error the platform raises on purpose."""

    code = "error"

    def __init__(self, message: str, *, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or []


class InvalidInput(MotcuaError):
    """A request names a missing or malformed field."""

    code = "invalid-input"


class NotFound(MotcuaError):
    code = "not-found"


class Unauthenticated(MotcuaError):
    code = "unauthenticated"


class Forbidden(MotcuaError):
    code = "forbidden"


class CsrfRefused(Forbidden):
    """A change sent with the pages' session cookie but without its CSRF token: another
    site may have sent it in the officer's name."""

    code = "csrf-refused"


class BpmnInvalid(MotcuaError):
    """A diagram cannot be deployed; `errors` name each BPMN element at fault."""

    code = "bpmn-invalid"


class DiagramTooComplex(BpmnInvalid):
    """A diagram exceeds a stated limit of size or depth (`engine.bpmn.bounds`); `errors`
    name the limit and the element."""

    code = "too-complex"


class FormInvalid(MotcuaError):
    """Submitted data does not satisfy the task's form; `errors` name each field path."""

    code = "form-invalid"


class FormReferenceRefused(MotcuaError):
    """A deployed form refers outside its version's own forms (only a version stored before
    deployments checked references can): nothing is fetched, the task is not completed."""

    code = "form-reference-refused"


class TaskAlreadyCompleted(MotcuaError):
    code = "task-already-completed"


class TaskHeld(MotcuaError):
    """Another officer holds the task (claimed it, or was assigned it): it cannot be
    claimed until they, or a head of department or leader of the unit, release it."""

    code = "task-held"


class HeldByAnother(Forbidden):
    """Only the holder of a claimed or assigned task may complete or release it (or a
    head of department or leader of its unit release it). A refusal, not a conflict."""

    code = "task-held"


class TaskNotReady(MotcuaError):
    code = "task-not-ready"


class ConcurrentUpdate(MotcuaError):
    """Someone else changed the dossier first; the caller may retry."""

    code = "concurrent-update"


class ScriptError(MotcuaError):
    """A script or condition of the diagram failed or was refused by the sandbox."""

    code = "script-error"


class CommandTimeLimit(MotcuaError):
    """The engine steps of one command ran longer than their time budget; nothing the
    command did was stored."""

    code = "command-time-limit"


class StepLimit(MotcuaError):
    """A run of a diagram took more engine steps than it was given (a scenario tried before
    going live); what it did is thrown away."""

    code = "step-limit"


class ScenariosFailed(InvalidInput):
    """A deployment's scenarios did not all run as they expect; `errors` name each failing
    scenario and its first difference. Deploying anyway takes `force`."""

    code = "scenarios-failed"


class NoActiveVersion(InvalidInput):
    """The process is deployed but none of its versions is active (all are drafts or
    retired): no new dossier can start on it until one is activated."""

    code = "no-active-version"
class ProcessError(MotcuaError):
    """A command drove the dossier's process into an error (a script, condition or timer
    expression of the diagram failed): nothing of the command was stored. `errors` name the
    element; `incident` is what the incident recording it is opened with (set by the use
    case), and `incident_id` the incident once it is written."""

    code = "process-error"

    def __init__(self, message: str, *, errors: list[dict[str, Any]] | None = None,
                 incident: dict[str, Any] | None = None) -> None:
        super().__init__(message, errors=errors)
        self.incident = incident
        self.incident_id: int | None = None


class IncidentAwaitsCommand(MotcuaError):
    """The incident is of an officer's or client's command, which only they can send again
    (the platform does not act in their name); it is resolved when that succeeds."""

    code = "incident-awaits-command"


class IncidentResolved(MotcuaError):
    """The incident is resolved already: nothing to retry."""

    code = "incident-resolved"


class DossierInError(MotcuaError):
    """The dossier stopped on a recorded engine error and cannot move on."""

    code = "dossier-in-error"


class DossierEnded(MotcuaError):
    """The dossier already ended (finished, withdrawn or stopped)."""

    code = "dossier-ended"


class UnitExists(MotcuaError):
    """The unit is registered already: change it rather than register it again."""

    code = "unit-exists"


class IdempotencyKeyReused(InvalidInput):
    """An Idempotency-Key this caller already used for another request (another body, or
    another task): the first answer is not given for a request that differs from it."""

    code = "idempotency-key-reused"


class DatabaseUnavailable(MotcuaError):
    """The database could not be reached (no connection free in time, the server down or
    restarting), or the connection broke before the command committed: nothing of it was
    written, and it may be sent again after `retry_after` seconds."""

    code = "database-unavailable"

    def __init__(self, message: str, *, retry: bool = True, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry = retry  # whether running the command once more at once may help
        self.retry_after = retry_after


class FileStoreDown(MotcuaError):
    """The file store of submitted documents could not be reached or written: nothing of
    the request was kept (or nothing could be read); it may be sent again later."""

    code = "file-store-unavailable"
    retry_after = 5


class CommitUnknown(MotcuaError):
    """The connection broke while the command's COMMIT was on its way: it may or may not
    have been applied. Sending it again is safe with the same Idempotency-Key (intake,
    completion), which answers as the first time if it was applied; a completion sent
    without one then answers 409 task-already-completed."""

    code = "commit-unknown"
    retry_after = 1
