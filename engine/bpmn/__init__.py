"""Deploying BPMN: an uploaded diagram and its forms in, executable specs or
element-level errors out. Pure: SpiffWorkflow, lxml and jsonschema only."""

from engine.bpmn.compile import CompiledProcess, UserTaskInfo, compile_bpmn

__all__ = ["CompiledProcess", "UserTaskInfo", "compile_bpmn"]
