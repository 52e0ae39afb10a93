"""What auditors read: each dossier's chain verified, the daily anchors, the control sheet."""
