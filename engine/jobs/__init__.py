"""dramatiq adapter: broker setup, thin actors taking ids, the outbox relay and the sweeper."""
