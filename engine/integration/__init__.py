"""Pure: what integrating systems are sent (webhook events, signatures, receiver checks).
Imports no Flask, SQLAlchemy or dramatiq."""
