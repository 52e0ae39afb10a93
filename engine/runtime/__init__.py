"""Running dossiers' workflows in memory (SpiffWorkflow), and their compact state."""
from engine.runtime.instance import Instance
from engine.runtime.properties import starts_clock_later
from engine.runtime.reports import Step, UserTask

__all__ = ["Instance", "Step", "UserTask", "starts_clock_later"]
