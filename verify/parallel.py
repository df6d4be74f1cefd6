"""Claims in worker processes (``python -m verify -j N``), with the same output as one process.

Every claim draws from its own seed stream (``claim_seed_sequence``: the root seed and the claim's id),
so where it runs cannot change its numbers. A worker runs one claim and sends back an ``Outcome``: the
claim's JSON record and the few facts the table needs, all plain Python values (floats pickle exactly).
``-j 1`` builds the same ``Outcome`` in this process, so both paths print from the same records.

Interruption: workers ignore SIGINT (a Ctrl-C at the terminal reaches the whole process group); the
parent, on SIGINT or SIGTERM, cancels what has not started, terminates every worker, waits for them and
re-raises (exit 130 or 143 in ``verify.cli``). A worker that dies (killed, out of memory) breaks the pool:
the run stops with an error instead of waiting for a result that will never come.
"""
from __future__ import annotations

import dataclasses
import multiprocessing
import os
import signal
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Callable, Sequence

import numpy as np

from .claim import Budget, ClaimResult, run_claim
from .errors import UsageError
from .results import result_to_json

__all__ = ["Outcome", "Terminated", "available_cores", "run_claims"]


class Terminated(Exception):
    """SIGTERM arrived while claims were running (the CLI exits 143)."""


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What the output needs of one claim's run: its JSON record, verdict, proof status and explanation."""

    row: dict
    passed: bool
    proof: str
    explanation: str


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity where the OS has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def jobs_argument(text: str) -> int:
    """``-j`` value: a whole number of worker processes >= 1."""
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number of processes >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of processes >= 1, got {text!r}")
    return value


def outcome_of(result: ClaimResult, explain: Callable[[ClaimResult], str]) -> Outcome:
    return Outcome(result_to_json(result), result.passed, result.proof, "" if result.passed else explain(result))


# --- the worker side: claims are rebuilt from the same selection, then run by index ---------------------

_WORKER: dict = {}


def _init_worker(modules: tuple[str, ...], patterns: tuple[str, ...], seed: int, alpha: float, scale: float,
                 explain: Callable[[ClaimResult], str]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides; it terminates us
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler, inherited through fork
    from .registry import all_claims, select

    _WORKER.update(claims=select(all_claims(modules), patterns), seed=seed, alpha=alpha, budget=Budget(scale),
                   explain=explain)


def _run_one(index: int) -> tuple[int, Outcome]:
    w = _WORKER
    with np.errstate(all="ignore"):
        result = run_claim(w["claims"][index], seed=w["seed"], alpha=w["alpha"], budget=w["budget"])
    return index, outcome_of(result, w["explain"])


def _context():
    # fork shares the parent's imported modules (sympy, numpy, the claims): workers start in milliseconds
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def _raise_terminated(signum, frame):
    raise Terminated("terminated by SIGTERM")


def run_claims(claims: Sequence, *, seed: int, alpha: float, budget: Budget, jobs: int,
               modules: Sequence[str], patterns: Sequence[str], explain: Callable[[ClaimResult], str],
               progress: Callable[[int, str], None] | None = None) -> list[Outcome]:
    """One ``Outcome`` per claim, in the claims' order, computed by ``jobs`` processes (1: this one).

    ``claims`` must be ``select(all_claims(modules), patterns)``: workers rebuild it from the names.
    ``progress(done, claim_id)`` is called as claims finish (in completion order).
    """
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise UsageError(f"-j takes a whole number of processes >= 1, got {jobs!r}")
    jobs = min(jobs, len(claims))
    if jobs <= 1:
        out = []
        for i, claim in enumerate(claims, 1):
            if progress:
                progress(i, claim.id)
            with np.errstate(all="ignore"):
                out.append(outcome_of(run_claim(claim, seed=seed, alpha=alpha, budget=budget), explain))
        return out

    results: dict[int, Outcome] = {}
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=_context(), initializer=_init_worker,
                               initargs=(tuple(modules), tuple(patterns), seed, alpha, budget.scale, explain))
    try:
        pending = {pool.submit(_run_one, i) for i in range(len(claims))}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                index, outcome = future.result()  # a worker that died raises BrokenProcessPool here
                results[index] = outcome
                if progress:
                    progress(len(results), claims[index].id)
    except BaseException:
        _stop(pool)
        raise
    else:
        pool.shutdown(wait=True)
    finally:
        signal.signal(signal.SIGTERM, previous)
    return [results[i] for i in range(len(claims))]


def _stop(pool: ProcessPoolExecutor) -> None:
    """Cancel queued claims, terminate every worker and wait for them (no orphan keeps computing)."""
    pool.shutdown(wait=False, cancel_futures=True)
    workers = [p for p in multiprocessing.active_children()]
    for p in workers:
        p.terminate()
    for p in workers:
        p.join(timeout=5)
        if p.is_alive():
            p.kill()
            p.join()
