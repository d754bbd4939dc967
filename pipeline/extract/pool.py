"""A pool of sandboxed worker processes that cannot deadlock: one supervising thread per worker."""

from __future__ import annotations

import queue
import threading
import time
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout

from pipeline.extract.jobs import DocumentJob, DocumentOutcome, finish_call, job_outcome
from pipeline.extract.sandbox import Sandbox

# A worker process is replaced after this many documents, so a slow leak cannot grow it without
# bound (starting one costs ~2 s of CPU: about 1 % of its documents' work).
DOCUMENTS_PER_WORKER = 200
# How often a waiting coordinator looks at its job's supervisor, and how far past the job's
# deadline it still waits for the supervisor to report the kill.
WAIT_STEP_SECONDS = 5.0
DEADLINE_GRACE_SECONDS = 30.0


class WorkerLost(RuntimeError):
    """The supervisor of a job stopped, or its job outlived its deadline: the job is lost."""


class PoolPending:
    """A job handed to the pool; `result` waits no longer than the job's own deadline allows."""

    def __init__(self, job: DocumentJob) -> None:
        self.job = job
        self.future: Future[DocumentOutcome] = Future()
        self.deadline: float | None = None  # time.monotonic() the supervisor kills the job at
        self.supervisor: threading.Thread | None = None

    def result(self, timeout: float | None = None) -> DocumentOutcome:
        """The outcome; raises WorkerLost when its supervisor died or the deadline is long gone.

        A queued job waits for a free worker (bounded by the jobs ahead of it); a running job
        waits at most until its deadline, which the supervisor enforces by killing the worker.
        """
        give_up = None if timeout is None else time.monotonic() + timeout
        while True:
            try:
                return self.future.result(WAIT_STEP_SECONDS)
            except FutureTimeout:
                self._check_alive()
                if give_up is not None and time.monotonic() >= give_up:
                    raise

    def _check_alive(self) -> None:
        if self.supervisor is not None and not self.supervisor.is_alive() and not self.future.done():
            raise WorkerLost("the worker's supervisor stopped before the document finished")
        late = self.deadline is not None and time.monotonic() > self.deadline + DEADLINE_GRACE_SECONDS
        if late and not self.future.done():
            raise WorkerLost("the document outlived its time limit and its worker was not stopped")


Item = tuple[DocumentJob, PoolPending] | None


class PoolExecutor:
    """`workers` sandboxed processes, each driven by its own thread from one queue of jobs.

    Each thread sends one job at a time to its worker and waits no longer than the job's limit
    (extended for the pages OCR will read); a worker past it is killed, one that dies fails only
    its job, and both are replaced before the next job. After `documents_per_worker` jobs a
    worker is replaced too (memory stays bounded). Nothing here shares a process pool's queues
    with its workers, so a worker retiring or dying cannot strand the queued jobs (CPython's
    ProcessPoolExecutor with max_tasks_per_child can: gh-115634).
    """

    def __init__(self, workers: int | None = None, documents_per_worker: int = DOCUMENTS_PER_WORKER) -> None:
        from pipeline.extract.executor import default_workers

        self.workers = workers or default_workers()
        self.documents_per_worker = documents_per_worker
        self._jobs: queue.SimpleQueue[Item] = queue.SimpleQueue()
        self.sandboxes = [Sandbox() for _ in range(self.workers)]
        self._threads = [
            threading.Thread(target=self._supervise, args=(box,), name=f"nianbao-worker-{i}", daemon=True)
            for i, box in enumerate(self.sandboxes)
        ]
        self.workers_started = 0  # worker processes started over the pool's life (recycling counted)
        self._count_lock = threading.Lock()
        self._closing = False
        for thread in self._threads:
            thread.start()

    def submit(self, job: DocumentJob) -> PoolPending:
        pending = PoolPending(job)
        self._jobs.put((job, pending))
        return pending

    def _supervise(self, box: Sandbox) -> None:
        me = threading.current_thread()
        try:
            while (item := self._jobs.get()) is not None:
                job, pending = item
                if self._closing:
                    pending.future.cancel()
                if not pending.future.set_running_or_notify_cancel():
                    continue
                pending.supervisor = me
                try:
                    pending.future.set_result(self._run_one(box, job, pending))
                except Exception as exc:  # e.g. a job that cannot be sent: it fails, the pool goes on
                    box.kill()
                    pending.future.set_exception(exc)
        finally:
            box.stop()

    def _run_one(self, box: Sandbox, job: DocumentJob, pending: PoolPending) -> DocumentOutcome:
        if box.pid is not None and box.calls >= self.documents_per_worker:
            box.stop()  # retired: the next call starts a fresh worker
        if box.pid is None:
            with self._count_lock:
                self.workers_started += 1

        def note_deadline(deadline: float | None) -> None:
            pending.deadline = deadline

        return job_outcome(job, box.run(finish_call, (job,), job.limits, on_deadline=note_deadline))

    def close(self) -> None:
        """Queued jobs not yet started are cancelled; running ones finish (within their limits)."""
        self._closing = True
        for _ in self._threads:
            self._jobs.put(None)
        for thread in self._threads:
            thread.join()
