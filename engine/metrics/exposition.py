"""The scrape: every counter of the deployment's processes, and the figures read from the
database at that moment, in Prometheus's text format."""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from prometheus_client import REGISTRY, generate_latest, values
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

from engine.metrics.files import metric_files

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4  # what every Prometheus server reads
OPEN_CLASSES = ("within_time", "approaching", "overdue", "paused")


@dataclass(frozen=True)
class Backlog:
    """What is waiting, read at scrape time; None where its query failed or took too long
    (the family is then left out of that scrape rather than shown as zero)."""

    outbox_depth: int | None = None
    outbox_oldest_age: float | None = None  # seconds; None also when the outbox is empty
    # (province, timeliness class, count)
    open_dossiers: Sequence[tuple[str, str, int]] | None = field(default=None)


def multiprocess() -> bool:
    """Whether this process keeps its values in files (prometheus_client chose it at import
    from PROMETHEUS_MULTIPROC_DIR)."""
    return bool(getattr(values.ValueClass, "_multiprocess", False))


def render(base: Path | None, own: str | None, backlog: Backlog) -> bytes:
    """The text a scrape answers: in multiprocess mode, the sum of the files under `base`
    (and `own`, this process's directory); else this process's registry."""
    return generate_latest(_Scrape(base, own, backlog))


class _Scrape:
    def __init__(self, base: Path | None, own: str | None, backlog: Backlog) -> None:
        self._base, self._own, self._backlog = base, own, backlog

    def collect(self) -> Iterator[Metric]:
        if multiprocess():
            files = metric_files(self._base, self._own)
            yield from MultiProcessCollector.merge(files)  # type: ignore[no-untyped-call]
        else:
            yield from REGISTRY.collect()
        yield from backlog_families(self._backlog)


def backlog_families(backlog: Backlog) -> Iterable[Metric]:
    if backlog.outbox_depth is not None:
        yield GaugeMetricFamily("motcua_outbox_depth",
                                "Outbox rows not yet handed to the broker",
                                value=backlog.outbox_depth)
        yield GaugeMetricFamily("motcua_outbox_oldest_age_seconds",
                                "Age of the oldest outbox row not yet handed to the broker "
                                "(0 when there is none)",
                                value=backlog.outbox_oldest_age or 0.0)
    if backlog.open_dossiers is not None:
        family = GaugeMetricFamily("motcua_dossiers_open",
                                   "Dossiers in process with a statutory clock, by province "
                                   "and timeliness (paused: waiting for a supplement)",
                                   labels=["province", "timeliness"])
        for province, timeliness, count in backlog.open_dossiers:
            family.add_metric([province, timeliness], count)
        yield family
