"""The officers' desk: the inbox, completing and claiming tasks, and the legal acts on a
dossier (guidance, supplement, refusal, withdrawal, apology)."""
