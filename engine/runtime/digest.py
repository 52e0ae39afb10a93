"""A compact digest of an instance's state after a command, recorded in its history.

Re-executing a dossier's recorded inputs must land where the original run landed; the chain
proves the events unaltered, the digest lets a re-execution prove the *state* they led to
(an attacker who rewrites an input and re-seals the chain still cannot make the recorded
digests agree with what the rewritten input computes). SHA-256 of the canonical JSON of the
data and the sorted ids of the elements that wait (user tasks ready, events awaited).
"""
from __future__ import annotations

import hashlib
import json
from typing import Any

from SpiffWorkflow.util.task import TaskState

# The same canonical form as the history's hash chain (engine.history).
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                              default=str)


def data_digest(data: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of a dossier's data."""
    return hashlib.sha256(_CANONICAL.encode(data).encode("utf-8")).hexdigest()


def waiting_elements(workflow: Any) -> list[str]:
    """Sorted ids of the elements the instance waits at: user tasks ready for an officer and
    events (timers, messages) awaited; an element waiting twice is listed twice."""
    ids = [t.task_spec.bpmn_id for wf in (workflow, *workflow.subprocesses.values())
           for t in wf.tasks.values() if t.state == TaskState.READY and t.task_spec.manual]
    ids += [t.task_spec.bpmn_id for t in workflow.event_manager.tasks.values()]
    return sorted(i for i in ids if i is not None)


def state_digest(data: dict[str, Any], workflow: Any) -> dict[str, Any]:
    """What a command's last step event records: `{"data": sha256, "waiting": [ids]}`."""
    return {"data": data_digest(data), "waiting": waiting_elements(workflow)}
