"""What the public does without a token: an applicant looks up their dossier with the proof
of being its applicant, downloads the notices addressed to them, and rates the service."""
