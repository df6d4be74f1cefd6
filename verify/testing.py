"""Statistical assertions for ordinary tests, with the toolkit's pass rule instead of hand-picked tolerances.

Every assertion here applies the rule of ``verify.claim``: an estimate agrees with a value when
|estimate - value| <= z·se, se the standard error from the independent replicates and z the two-sided
normal quantile of the false-alarm rate ``alpha`` (default 1e-6, z ≈ 4.89). A negative control (a
plausible wrong value) must be *rejected* by the same rule; when it is not, the check could not tell
the wrong value from the right one and the assertion fails as *inconclusive*.

- ``assert_claim(claim, seed=0, budget=1.0)``: run a ``verify.Claim`` (proof and check) and fail with
  the claim, its closed form, the estimate ± se, z against z_crit, the control and the proof status.
- ``assert_mean(samples, expected, alpha=1e-6, control=None)``: the mean of independent replicates.
- ``assert_second_moment(samples, expected, ...)``: the raw second moment E[X²] of the replicates.
- ``assert_means(samples, expected, ...)``: a vector of means (one column per mean), ``alpha`` split
  over the columns (Bonferroni), so the whole vector has false-alarm rate at most ``alpha``.

A failure raises ``StatisticalAssertionError`` (an ``AssertionError``), whose message gives the numbers;
a success returns a ``Check`` with them. Bad arguments raise ``verify.UsageError`` naming the argument.
"""
from __future__ import annotations

import dataclasses
import math
import textwrap

import numpy as np

from .claim import Budget, Claim, ClaimResult, run_claim
from .errors import UsageError
from .mc import DEFAULT_ALPHA, Accumulator, z_critical
from .results import result_to_json

__all__ = ["assert_claim", "assert_mean", "assert_second_moment", "assert_means", "Check",
           "StatisticalAssertionError", "ClaimFailed", "claim_report"]


class StatisticalAssertionError(AssertionError):
    """A statistical assertion that did not hold: the closed form was rejected, or the control was not."""


class ClaimFailed(StatisticalAssertionError):
    """A claim that did not pass; ``result`` is its ``verify.ClaimResult``."""

    def __init__(self, message: str, result: ClaimResult):
        super().__init__(message)
        self.result = result


@dataclasses.dataclass(frozen=True)
class Check:
    """The numbers of a statistical assertion (the worst element of a vector of means)."""

    what: str
    estimate: float
    stderr: float
    expected: float
    z: float
    z_critical: float
    alpha: float
    count: int
    control: float | None = None
    control_z: float | None = None
    index: int | None = None

    @property
    def passed(self) -> bool:
        return self.z <= self.z_critical

    @property
    def control_rejected(self) -> bool | None:
        return None if self.control_z is None else self.control_z > self.z_critical


def _num(x, digits: int = 6) -> str:
    return f"{x:.{digits}g}" if isinstance(x, (int, float)) and math.isfinite(x) else str(x)


def _alpha(alpha) -> float:
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 < alpha < 1:
        raise UsageError(f"alpha must be a probability in (0, 1), got {alpha!r}")
    return float(alpha)


def _replicates(samples, name: str = "samples") -> Accumulator:
    """An accumulator over the leading axis of ``samples`` (or ``samples`` itself, if it is one)."""
    if isinstance(samples, Accumulator):
        acc = samples
    else:
        try:
            arr = np.asarray(samples, dtype=np.float64)
        except (TypeError, ValueError):
            raise UsageError(f"{name} must be an array of numbers, got {type(samples).__name__}") from None
        if arr.ndim == 0:
            raise UsageError(f"{name} must have a leading replicate axis, got a scalar")
        if not np.all(np.isfinite(arr)):
            raise UsageError(f"{name} must be finite: {int(np.sum(~np.isfinite(arr)))} values are nan or inf")
        with np.errstate(over="ignore", invalid="ignore"):   # overflow is reported below, by name
            acc = Accumulator().update(arr)
    if acc.count < 2:
        raise UsageError(f"{name} needs at least 2 independent replicates, got {acc.count}")
    return acc


def _target(value, shape: tuple, name: str):
    if value is None:
        return None
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise UsageError(f"{name} must be a number or an array of numbers, got {value!r}") from None
    if not np.all(np.isfinite(arr)):
        raise UsageError(f"{name} must be finite, got {value!r}")
    try:
        return np.broadcast_to(arr, shape)
    except ValueError:
        raise UsageError(f"{name} has shape {arr.shape}, the means have shape {shape}") from None


def _distance(estimate: np.ndarray, target: np.ndarray, se: np.ndarray) -> np.ndarray:
    """|estimate - target| / se elementwise; 0 where they are equal, inf where se is 0 and they differ."""
    gap = np.abs(estimate - target)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(gap == 0, 0.0, gap / se)


def _check(what: str, acc: Accumulator, expected, alpha: float, control, splits: int) -> Check:
    with np.errstate(over="ignore", invalid="ignore"):
        mean, se = np.asarray(acc.mean, np.float64), np.asarray(acc.stderr, np.float64)
    if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(se))):
        raise UsageError(f"samples overflow float64: the {what} or its standard error is not finite")
    target = _target(expected, mean.shape, "expected")
    wrong = _target(control, mean.shape, "control")
    z_crit = z_critical(alpha / splits)
    dist = _distance(mean, target, se).reshape(-1)
    i = int(np.argmax(dist))
    control_value = control_z = None
    if wrong is not None:
        # the control is rejected when any element rejects it: shown at the element farthest from it
        cz = _distance(mean, wrong, se).reshape(-1)
        j = int(np.argmax(cz))
        control_value, control_z = float(wrong.reshape(-1)[j]), float(cz[j])
    flat = (mean.reshape(-1), se.reshape(-1), target.reshape(-1))
    return Check(what, float(flat[0][i]), float(flat[1][i]), float(flat[2][i]), float(dist[i]), z_crit, alpha,
                 acc.count, control_value, control_z, i if mean.size > 1 else None)


def _raise_unless(check: Check, splits: int) -> Check:
    __tracebackhide__ = True  # pytest shows the caller's line, not this module's
    where = f"[{check.index}] (worst of {splits})" if check.index is not None else ""
    head = (f"{check.what}{where} = {_num(check.estimate)} ± {_num(check.stderr, 3)} (n = {check.count}), "
            f"expected {_num(check.expected)}")
    share = f"α/{splits} = {check.alpha / splits:.3g}" if splits > 1 else f"α = {check.alpha:g}"
    rule = f"z_crit = {_num(check.z_critical, 4)} at {share}"
    # short lines: pytest prints the first one after the exception's name
    if not check.passed:
        raise StatisticalAssertionError(f"{head}\nz = {_num(check.z, 4)} > {rule}")
    if check.control_rejected is False:
        raise StatisticalAssertionError(
            f"inconclusive: the control {_num(check.control)} could not be rejected\n"
            f"control z = {_num(check.control_z, 4)} <= {rule}\n{head}, z = {_num(check.z, 4)}\n"
            "add replicates, or choose a control the check can tell apart")
    return check


def assert_mean(samples, expected, alpha: float = DEFAULT_ALPHA, control=None) -> Check:
    """The mean of independent replicates ``samples`` (1-D, or a ``verify.Accumulator``) is ``expected``.

    Fails when |mean - expected| > z·se (z from ``alpha``, two-sided), or when ``control`` is given and
    the same rule cannot reject it (inconclusive). Returns the ``Check`` when it holds.

    >>> rng = np.random.default_rng(0)
    >>> assert_mean(rng.normal(0.5, 1.0, 10_000), 0.5, control=0.0).passed
    True
    """
    __tracebackhide__ = True  # pytest shows the caller's line, not this module's
    alpha = _alpha(alpha)
    acc = _replicates(samples)
    if np.ndim(acc.mean) != 0:
        raise UsageError(f"samples must be one number per replicate (1-D), got replicates of shape "
                         f"{np.shape(acc.mean)}; use assert_means for a vector of means")
    return _raise_unless(_check("mean", acc, expected, alpha, control, 1), 1)


def assert_second_moment(samples, expected, alpha: float = DEFAULT_ALPHA, control=None) -> Check:
    """The raw second moment E[X²] of independent replicates ``samples`` (1-D) is ``expected``.

    The mean of X² by the rule of ``assert_mean`` (its se from the spread of X², which needs E[X⁴] finite).
    """
    __tracebackhide__ = True  # pytest shows the caller's line, not this module's
    alpha = _alpha(alpha)
    x = _replicates(samples)
    if isinstance(samples, Accumulator):
        raise UsageError("samples must be the replicates themselves (an array), not an Accumulator of them")
    if np.ndim(x.mean) != 0:
        raise UsageError(f"samples must be one number per replicate (1-D), got replicates of shape "
                         f"{np.shape(x.mean)}")
    with np.errstate(over="ignore", invalid="ignore"):
        squares = Accumulator().update(np.asarray(samples, dtype=np.float64) ** 2)
    return _raise_unless(_check("second moment", squares, expected, alpha, control, 1), 1)


def assert_means(samples, expected, alpha: float = DEFAULT_ALPHA, control=None) -> Check:
    """Every column of ``samples`` (shape (replicates, k), or an ``Accumulator`` of such rows) has the mean
    in ``expected`` (broadcast to k).

    ``alpha`` is split over the k means (Bonferroni): each is judged at z_crit(alpha / k), so a true
    vector fails with probability at most ``alpha``. The control is rejected when any of its k values is.
    The message shows the worst mean. Returns the ``Check`` of the worst mean when all hold.
    """
    __tracebackhide__ = True  # pytest shows the caller's line, not this module's
    alpha = _alpha(alpha)
    acc = _replicates(samples)
    splits = int(np.size(acc.mean))
    if np.ndim(acc.mean) == 0:
        raise UsageError("samples must have shape (replicates, k) for a vector of means; use assert_mean for one")
    return _raise_unless(_check("mean", acc, expected, alpha, control, splits), splits)


def claim_report(result: ClaimResult, alpha: float = DEFAULT_ALPHA) -> str:
    """A claim's outcome in a few lines: closed form, estimate ± se, z against z_crit, control, proof."""
    row = result_to_json(result)
    claim = result.claim
    head = {"pass": "passed", "fail": "failed", "inconclusive": "inconclusive"}[result.check]
    if result.check == "pass" and result.proof == "failed":
        head = "failed (proof)"
    lines = [f"claim {claim.id} ({claim.title}): {head}", f"  closed form  {row['formula'] or '—'}"]
    worst = result.worst
    if worst is not None and worst.error:
        lines.append(f"  check        error at {worst.config}: {worst.error}")
    elif worst is not None:
        where = f" at {worst.config}" if worst.config else ""
        if worst.kind == "monte-carlo":
            verdict = "<=" if worst.passed else ">"
            lines.append(f"  estimate     {_num(row['estimate'])} ± {_num(row['stderr'], 3)} (n = {row['cases']}); "
                         f"z = {_num(row['z'], 4)} {verdict} z_crit = {_num(worst.z_critical, 4)} "
                         f"(α = {alpha:g}){where}")
        else:
            lines.append(f"  estimate     {_num(row['estimate'])} ({worst.kind}, {row['cases']} cases): "
                         f"{'holds' if worst.passed else 'fails'}{where}")
    control = row["control"]
    if not any(c.control_rejected is not None for c in result.checks):
        lines.append("  control      none applies: the check is inconclusive")
    elif control["rejected"]:
        lines.append(f"  control      {control['formula'] or '—'}: rejected (z = {_num(control['z'], 4)})")
    else:
        weakest = min((c for c in result.checks if c.control_rejected is not None),
                      key=lambda c: c.control_z if c.control_z is not None else math.inf)
        limit = weakest.z_critical if weakest.kind == "monte-carlo" else 1.0
        tail = ": inconclusive" if result.check == "inconclusive" else ""
        lines.append(f"  control      {control['formula'] or '—'}: could not be rejected "
                     f"(z = {_num(control['z'], 4)} <= {_num(limit, 4)}){tail}")
    detail = f" ({result.proof_detail})" if result.proof_detail else ""
    lines.append(f"  proof        {result.proof}{detail}")
    return "\n".join(textwrap.fill(line, width=100, subsequent_indent=" " * 15)
                     if len(line) > 100 else line for line in lines)


def assert_claim(claim: Claim, seed: int = 0, budget: float | Budget = 1.0,
                 alpha: float = DEFAULT_ALPHA) -> ClaimResult:
    """Run ``claim`` (its proof and its check) and raise ``ClaimFailed`` unless it passes.

    The claim's random stream depends only on ``seed`` and the claim's id, so the outcome does not
    depend on which other tests run, or in which order or process. ``budget`` scales the replicates.
    """
    __tracebackhide__ = True  # pytest shows the caller's line, not this module's
    if not isinstance(claim, Claim):
        raise UsageError(f"claim must be a verify.Claim, got {type(claim).__name__}")
    try:
        budget = budget if isinstance(budget, Budget) else Budget(budget)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    with np.errstate(all="ignore"):
        result = run_claim(claim, seed=seed, alpha=_alpha(alpha), budget=budget)
    if not result.passed:
        raise ClaimFailed(claim_report(result, alpha), result)
    return result
