"""A claim: one statement of CLAIMS.md with its proof, closed form, simulation and negative control.

A ``Claim`` is a frozen record. Running it builds its derivation (``derive``), then, for each
configuration, measures the quantity with ``numeric`` (``measure`` returns a ``Measurement``) and
judges both the closed form and the negative control against that measurement by the same rule:

- ``monte-carlo``: |estimate - value| <= z·se, z from the claim's false-alarm rate split (Bonferroni)
  over its configurations and the elements of each estimate;
- ``bounded``: |estimate - value| <= bound, the bound a proved error bound (rounding, truncation);
  the reported ``z`` is then the ratio error/bound, which passes at <= 1;
- ``exact``: estimate == value, element by element (counts, shapes, sizes).

The claim passes when every check passes and its control is rejected wherever it applies. A control
that is not rejected makes the claim *inconclusive*, which counts as a failure: a check that cannot
tell the wrong formula from the right one has shown nothing.
"""
from __future__ import annotations

import dataclasses
import math
import time
import traceback
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from .closed import linked, shown
from .mc import DEFAULT_ALPHA, PowerPlan, claim_seed_sequence, miss_probability, planned_replicates, z_critical

__all__ = ["Claim", "Measurement", "Budget", "CheckResult", "ClaimResult", "run_claim", "proof_status", "plan_sizes",
           "KINDS"]

KINDS = ("monte-carlo", "bounded", "exact")


USER_ERRORS = (Exception, SystemExit, KeyboardInterrupt)
"""What a claim's own code (measure, derivation, closed form, control) may raise and still only fail
the claim: a ``sys.exit(0)`` in a user's ``measure`` must not end the run with status 0. A real SIGINT or
SIGTERM is ``derive.interrupt.Interrupted``, which is not among these."""

@dataclasses.dataclass(frozen=True)
class Budget:
    """How much simulation to spend: claims ask ``budget.replicates(n)`` for their default ``n``."""

    scale: float = 1.0
    fixed: int | None = None
    """Set by the engine for a power-planned check: ``replicates`` returns it (capped by ``cap``) whatever the
    default asked for; ``asked`` records the defaults asked for, so the engine sees how a measure sizes."""
    cap: bool = False
    asked: list = dataclasses.field(default_factory=list, compare=False, repr=False)

    def __post_init__(self):
        if not (isinstance(self.scale, (int, float)) and math.isfinite(self.scale) and self.scale > 0):
            raise ValueError(f"budget scale must be a finite number > 0, got {self.scale!r}")

    def replicates(self, default: int) -> int:
        self.asked.append(default)
        if self.fixed is not None:
            return max(2, min(self.fixed, default) if self.cap else self.fixed)
        return max(2, int(round(default * self.scale)))


@dataclasses.dataclass(frozen=True)
class Measurement:
    """What the simulation (or the exhaustive computation) measured for one configuration.

    ``estimate`` and ``scale`` broadcast together: ``scale`` is the standard error for
    ``monte-carlo``, the proved error bound for ``bounded`` and unused for ``exact``. ``points`` holds the
    numbers at which a pointwise claim's closed form is evaluated (an array, or a tuple of arrays), and
    nothing else; ``cases`` counts replicates or cases.
    """

    estimate: Any
    scale: Any = 0.0
    kind: str = "monte-carlo"
    cases: int = 0
    points: Any = None
    note: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")

    @classmethod
    def from_accumulator(cls, acc, points=None, note: str = "") -> "Measurement":
        return cls(acc.mean, acc.stderr, "monte-carlo", acc.count, points, note)


Closed = Callable[[Mapping, Any], Any]


@dataclasses.dataclass(frozen=True)
class Claim:
    """One statement: its proof, its closed form, how to measure it, and a plausible wrong version.

    ``expected(config, points)`` and ``control(config, points)`` give the closed form and the negative control
    at a configuration (``points`` is ``Measurement.points``); ``control`` may return None where the wrong
    formula coincides with the right one. ``measure(config, rng, budget)`` simulates or computes.
    ``proof`` builds the derivation; by default the one ``derive`` registers under the claim's id.
    """

    id: str
    title: str
    source: str
    expected: Closed | linked
    measure: Callable[[Mapping, np.random.Generator, Budget], Measurement]
    control: Closed | linked | None = None
    formula: str = ""
    control_formula: str = ""
    configs: Sequence[Mapping] = ({},)
    proof: Callable[[], Any] | None = None
    notes: str = ""
    sample_size: str = "fixed"
    """'fixed': each measure's default replicates (times --budget); 'power': the engine plans them from a pilot
    (``verify.mc.PowerPlan``): the fewest that reject the control with a miss probability <= the check's α."""

    def __post_init__(self):
        if self.sample_size not in ("fixed", "power"):
            raise ValueError(f"claim {self.id!r}: sample_size must be 'fixed' or 'power', got {self.sample_size!r}")
        if not self.id or any(c.isspace() for c in self.id):
            raise ValueError(f"claim id must be a non-empty string without spaces, got {self.id!r}")
        if not self.configs:
            raise ValueError(f"claim {self.id!r} needs at least one configuration")
        if not isinstance(self.expected, linked) and not self.formula:
            raise ValueError(f"claim {self.id!r}: a closed form given as a plain function needs its formula text")

    @property
    def linked(self) -> bool:
        """Whether the closed form is read from the derivation's conclusion (else the proof is 'unlinked')."""
        return isinstance(self.expected, linked)

    def derivation(self):
        """The derivation proving this claim, or None for an empirical claim without one."""
        if self.proof is not None:
            return self.proof()
        from derive import registry

        try:
            return registry.get(self.id)
        except KeyError:
            if self.linked:
                raise
            return None

    def closed(self, config, points, derivation=None, reads: list | None = None):
        """The closed form at a configuration (and the ``points`` of a pointwise claim); ``reads`` collects
        how often a linked closed form read its derivation."""
        if isinstance(self.expected, linked):
            return self.expected(config, points, derivation if derivation is not None else self.derivation(), reads)
        return self.expected(config, points)

    def wrong(self, config, points, derivation=None):
        """The negative control at a configuration, or None where it coincides with the closed form."""
        if self.control is None:
            return None
        if isinstance(self.control, linked):
            return self.control(config, points, derivation if derivation is not None else self.derivation())
        return self.control(config, points)

    def formula_text(self, derivation=None) -> str:
        """The closed form as printed: rendered from the derivation's conclusion when linked."""
        if not isinstance(self.expected, linked):
            return self.formula
        return shown(derivation if derivation is not None else self.derivation(), self.expected.shows, False)

    def control_text(self, derivation=None) -> str:
        if not isinstance(self.control, linked):
            return self.control_formula
        return shown(derivation if derivation is not None else self.derivation(), self.control.shows, True)

    def __repr__(self) -> str:
        return f"Claim({self.id!r}, {'linked' if self.linked else 'formula=' + repr(self.formula)}, " \
               f"configs={len(self.configs)})"



@dataclasses.dataclass
class CheckResult:
    config: dict
    kind: str
    expected: Any
    estimate: Any
    stderr: Any
    z: float
    z_critical: float | None
    passed: bool
    cases: int
    control: Any = None
    control_z: float | None = None
    control_rejected: bool | None = None
    note: str = ""
    error: str = ""
    plan: dict | None = None


@dataclasses.dataclass
class ClaimResult:
    claim: Claim
    proof: str
    check: str
    checks: list[CheckResult]
    seconds: float
    proof_detail: str = ""
    assumptions: tuple = ()
    formula: str = ""
    control_formula: str = ""

    @property
    def verdict(self) -> str:
        """'pass' only when the check passed and the proof did not fail."""
        return "pass" if self.check == "pass" and self.proof != "failed" else "fail"

    @property
    def passed(self) -> bool:
        return self.verdict == "pass"

    @property
    def worst(self) -> CheckResult | None:
        """The check closest to failing (largest z relative to its critical value)."""
        def badness(c: CheckResult) -> float:
            if c.error or not c.passed:
                return math.inf
            limit = c.z_critical if c.kind == "monte-carlo" else 1.0
            return c.z / limit if limit else 0.0
        return max(self.checks, key=badness) if self.checks else None


def proof_status(claim: Claim):
    """(status, detail, assumptions, derivation) of a claim's proof.

    The derivation's kernel status; 'unlinked' when the claim's closed form is a plain function rather
    than the derivation's conclusion (the proof then does not establish what is checked); 'none' for
    an empirical claim without a derivation; 'failed' when the proof builder itself breaks.
    """
    try:
        derivation = claim.derivation()
    except USER_ERRORS as exc:  # a broken proof builder fails the claim, with the reason
        return "failed", f"{type(exc).__name__}: {exc}", (), None
    if derivation is None:
        return "none", "no derivation: judged by its check alone", (), None
    from derive.derivation import Derivation

    if not isinstance(derivation, Derivation):
        return "failed", f"the proof is a {type(derivation).__name__}, not a derive Derivation", (), None
    verdict = derivation.verdict
    detail = "; ".join(verdict.reasons)
    names = tuple(a.name for a in verdict.assumptions)
    if str(verdict) != "failed" and not claim.linked:
        return "unlinked", "the closed form is a plain function, not the derivation's conclusion", names, derivation
    return str(verdict), detail, names, derivation


def _distance(kind: str, estimate: np.ndarray, target: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Elementwise |estimate - target| in units of the scale (inf where the scale is 0 and they differ)."""
    gap = np.abs(estimate - target)
    if kind == "exact":
        return np.where(estimate == target, 0.0, np.inf)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = np.where(gap == 0, 0.0, gap / scale)
    return np.where(np.isnan(ratio), np.inf, ratio)


def _judge(m: Measurement, target, limit: float) -> tuple[bool, float]:
    est = np.asarray(m.estimate, dtype=np.float64)
    tgt = np.asarray(target, dtype=np.float64)
    scale = np.asarray(m.scale, dtype=np.float64)
    try:
        est, tgt, scale = np.broadcast_arrays(est, tgt, scale)
    except ValueError as exc:
        raise ValueError(f"estimate {est.shape}, closed form {tgt.shape} and scale {scale.shape} "
                         f"do not broadcast") from exc
    if est.size == 0:
        raise ValueError("a measurement with no values checks nothing")
    dist = _distance(m.kind, est, tgt, scale)
    worst = float(dist.max())
    return worst <= limit, worst


def _pilot(claim: Claim, config, ss: np.random.SeedSequence, plan: PowerPlan, derivation):
    """A pilot measurement for power planning: (elements, effect, per-sample variance, pilot cases), or None
    where the check cannot be planned (not Monte Carlo, sized by more than one default, random points, no
    control, or no element where the control differs). The effect is the largest |closed - control| / σ."""
    pilot_budget = Budget(fixed=plan.pilot, cap=True)
    try:
        m = claim.measure(config, np.random.default_rng(ss), pilot_budget)
        if not isinstance(m, Measurement) or m.kind != "monte-carlo" or m.points is not None \
                or len(pilot_budget.asked) != 1 or m.cases < 2:
            return None
        right = claim.closed(config, None, derivation, [])
        wrong = claim.wrong(config, None, derivation)
        if wrong is None:
            return None
        est, right, wrong, se = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in
                                                       (m.estimate, right, wrong, m.scale)))
    except Exception:  # noqa: BLE001 -- the main measurement reports the error
        return None
    with np.errstate(all="ignore"):
        sigma = se * math.sqrt(m.cases)
        effect = np.where(sigma > 0, np.abs(right - wrong) / sigma, np.where(right != wrong, np.inf, 0.0))
    effect = np.where(np.isfinite(right) & np.isfinite(wrong), effect, 0.0).reshape(-1)
    best = int(np.argmax(effect))
    if not effect[best] > 0:
        return None
    return int(est.size), float(effect[best]), float(sigma.reshape(-1)[best] ** 2), int(m.cases)


def plan_sizes(claim: Claim, streams, alpha: float, budget: Budget, plan: PowerPlan, derivation):
    """Per configuration: (seed stream for the measurement, budget, plan record or None).

    Fixed-size claims measure on their own stream with ``budget``. A power-planned claim first pilots every
    configuration on a stream of its own (``spawn``: the pilot's draws are not reused), then measures on a
    second stream with the planned number of replicates times ``budget.scale``."""
    if claim.sample_size != "power":
        return [(ss, budget, None) for ss in streams]
    pairs = [ss.spawn(2) for ss in streams]
    pilots = [_pilot(claim, config, pilot_ss, plan, derivation) for config, (pilot_ss, _) in zip(claim.configs, pairs)]
    elements = sum(p[0] for p in pilots if p is not None)
    z_crit = z_critical(alpha / max(elements, 1))
    miss = plan.miss if plan.miss is not None else alpha / max(elements, 1)
    out = []
    for (_, main_ss), pilot in zip(pairs, pilots):
        if pilot is None:
            out.append((main_ss, budget, None))
            continue
        _, effect, variance, cases = pilot
        wanted = plan.floor if math.isinf(effect) else planned_replicates(effect, z_crit, miss, plan.safety, plan.floor)
        n = max(2, int(round(wanted * budget.scale)))
        record = {"replicates": n, "miss": miss_probability(effect, n, z_crit) if math.isfinite(effect) else 0.0,
                  "pilot_variance": variance, "pilot_replicates": cases, "effect": effect}
        out.append((main_ss, Budget(budget.scale, fixed=n), record))
    return out


def run_claim(claim: Claim, seed: int = 0, alpha: float = DEFAULT_ALPHA, budget: Budget = Budget(),
              power: PowerPlan = PowerPlan()) -> ClaimResult:
    """Build the claim's proof, run every configuration and judge the closed form and the control."""
    start = time.perf_counter()
    proof, proof_detail, assumptions, derivation = proof_status(claim)
    if claim.linked and derivation is None:
        proof, proof_detail = "failed", "a linked closed form needs a derivation"

    streams = claim_seed_sequence(seed, claim.id).spawn(len(claim.configs))
    sizes = plan_sizes(claim, streams, alpha, budget, power, derivation)
    reads: list[int] = []
    checks: list[CheckResult] = []
    measured = []
    for config, (ss, config_budget, record) in zip(claim.configs, sizes):
        rng = np.random.default_rng(ss)
        try:
            m = claim.measure(config, rng, config_budget)
            if not isinstance(m, Measurement):
                raise TypeError(f"measure returned {type(m).__name__}, not a Measurement")
            measured.append((config, m, claim.closed(config, m.points, derivation, reads), record))
        except USER_ERRORS as exc:  # user code: a failed check with the reason
            checks.append(CheckResult(dict(config), "error", None, None, None, math.inf, None, False, 0,
                                      error=f"{type(exc).__name__}: {exc}",
                                      note=traceback.format_exc(limit=3)))
    # Bonferroni: the claim's alpha is shared by every element of every Monte Carlo check.
    elements = sum(int(np.size(m.estimate)) for _, m, _, _ in measured if m.kind == "monte-carlo")
    z_crit = z_critical(alpha / max(elements, 1))
    for config, m, expected, record in measured:
        limit = z_crit if m.kind == "monte-carlo" else 1.0 if m.kind == "bounded" else 0.0
        try:
            passed, z = _judge(m, expected, limit)
            result = CheckResult(dict(config), m.kind, expected, m.estimate, m.scale, z,
                                 z_crit if m.kind == "monte-carlo" else None, passed, m.cases, note=m.note,
                                 plan=record)
            if claim.control is not None:
                wrong = claim.wrong(config, m.points, derivation)
                if wrong is not None:
                    ok_wrong, z_wrong = _judge(m, wrong, limit)
                    result.control, result.control_z, result.control_rejected = wrong, z_wrong, not ok_wrong
        except USER_ERRORS as exc:
            result = CheckResult(dict(config), m.kind, None, None, None, math.inf, None, False, m.cases,
                                 error=f"{type(exc).__name__}: {exc}")
        checks.append(result)

    if claim.linked and proof not in ("failed", "none") and reads and min(reads) == 0:
        # a "linked" closed form that never read its derivation checks a number of its own
        proof, proof_detail = "unlinked", "the linked closed form did not read the derivation's conclusion"
    if any(not c.passed for c in checks):
        verdict = "fail"
    elif not any(c.control_rejected is not None for c in checks) or any(c.control_rejected is False for c in checks):
        verdict = "inconclusive"
    else:
        verdict = "pass"
    try:
        formula, control_formula = claim.formula_text(derivation), claim.control_text(derivation)
    except USER_ERRORS as exc:  # a conclusion without the part a claim shows
        formula, control_formula = f"(cannot render: {exc})", ""
    return ClaimResult(claim, proof, verdict, checks, time.perf_counter() - start, proof_detail, assumptions,
                       formula, control_formula)
