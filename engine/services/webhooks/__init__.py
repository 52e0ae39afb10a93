"""Webhooks: subscriptions of integrating systems, and the delivery of their events."""
