"""Prometheus metrics: `counts` defines every metric and the hooks that count them,
`exposition` answers a scrape, `files` keeps the multiprocess directories.

Importing this package imports nothing else: a serving parent must be able to prepare the
directory (`files`) before prometheus_client is first imported, which is when it chooses
between keeping values in memory and in files.
"""
