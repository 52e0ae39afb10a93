"""motcua's domain core: deploying BPMN procedures, running dossiers, deadlines, audit."""
