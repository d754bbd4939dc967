"""Documents -> records on a Dask cluster: an existing scheduler, or a LocalCluster started here."""

from __future__ import annotations

import multiprocessing
from typing import Any

import dask
from distributed import Client, LocalCluster

from pipeline.extract.executor import (
    DaemonicWorkers,
    DaskUnavailable,
    Pending,
    default_workers,
    read_bytes_for,
)
from pipeline.extract.jobs import DocumentJob, finish_document_sandboxed

CONNECT_TIMEOUT = "30s"


def _is_daemonic() -> bool:
    return bool(multiprocessing.current_process().daemon)


def start_local_cluster(workers: int | None) -> LocalCluster:
    dask.config.set({"distributed.worker.daemon": False})  # also for workers restarted later
    return LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=workers or default_workers(),
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
    )


class DaskExecutor:
    """Submits each job to the cluster; the coordinator waits on the futures.

    Only the document -> records step leaves the coordinator (the job carries the document's
    bytes, so workers need no shared disk); crawling, caches and writing stay here. Workers run
    each whole job (extraction, normalisation, checks, NLP) in a sandboxed child process under the
    job's time limit and memory cap, so they must not be daemonic: `--dask local` sets that
    itself; for a cluster of your own, start the workers with
    `DASK_DISTRIBUTED__WORKER__DAEMON=False`.
    """

    def __init__(self, address: str, workers: int | None = None) -> None:
        self._cluster = start_local_cluster(workers) if address == "local" else None
        target = self._cluster if self._cluster is not None else address
        try:
            self._client = Client(target, timeout=CONNECT_TIMEOUT)  # type: ignore[no-untyped-call]
        except OSError as exc:
            raise DaskUnavailable(f"cannot reach the Dask scheduler at {address}: {exc}") from exc
        daemonic = [w for w, flag in self._client.run(_is_daemonic).items() if flag]
        if daemonic:
            self.close()
            raise DaemonicWorkers(
                f"Dask workers {', '.join(daemonic)} are daemonic and cannot sandbox extraction; "
                "start them with DASK_DISTRIBUTED__WORKER__DAEMON=False"
            )

    def submit(self, job: DocumentJob) -> Pending:
        future: Any = self._client.submit(finish_document_sandboxed, read_bytes_for(job), pure=False)
        return future  # type: ignore[no-any-return]

    def close(self) -> None:
        self._client.close()  # type: ignore[no-untyped-call]
        if self._cluster is not None:
            self._cluster.close()
