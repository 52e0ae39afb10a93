"""Running dossiers' workflows in memory (SpiffWorkflow), and their compact state."""
from engine.runtime.instance import Instance, Step, UserTask
from engine.runtime.properties import starts_clock_later

__all__ = ["Instance", "Step", "UserTask", "starts_clock_later"]
