"""The notes, audited: every checkable statement quoted verbatim, with a verdict and evidence computed now.

Verdicts: ``holds``; ``conditional`` (true only under a condition the note does not state); ``fails``;
``notation`` (the note uses two conflicting conventions). Evidence is never a stored string: each
statement's ``evidence`` function computes it when the audit runs, from a claim's result (the claim is
run with the audit's seed) or from a direct computation with ``numeric``/``derive``, and says whether
what it found agrees with the verdict. An audit whose evidence disagrees with a verdict exits 1.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Callable

import numpy as np

from .claim import ClaimResult, run_claim
from .results import result_to_json
from . import audit_evidence as evidence

VERDICTS = ("holds", "conditional", "fails", "notation")

NOTES = {"000": "000_b642acc91551826c.txt", "001": "001_749253678c42bf42.txt"}
"""The two source notes, by the prefix their citations use."""

UNCHECKABLE = {"000 Q3": "an image only (attachment), no text to check",
               "000 Q1.5": "absent: the note jumps from Q4 to Q6"}
"""Numbered items of the notes that hold no checkable statement, and why (shown by the audit)."""


def notes_dir() -> Path:
    """``../shared/seeds`` beside the checkout (or ``$DLMATH_NOTES``)."""
    import os

    env = os.environ.get("DLMATH_NOTES")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "shared" / "seeds"


@dataclasses.dataclass(frozen=True)
class Finding:
    """What the evidence function computed, and whether it bears out the verdict."""

    text: str
    consistent: bool


class Context:
    """Runs each referenced claim once (with the audit's seed) and keeps the results."""

    def __init__(self, seed: int = 0):
        self.seed = seed
        self._results: dict[str, ClaimResult] = {}
        self._claims = None

    def result(self, claim_id: str) -> ClaimResult:
        if claim_id not in self._results:
            if self._claims is None:
                from .registry import builtin_claims

                self._claims = {c.id: c for c in builtin_claims()}
            if claim_id not in self._claims:
                raise KeyError(f"claim {claim_id!r} is not registered")
            self._results[claim_id] = run_claim(self._claims[claim_id], seed=self.seed)
        return self._results[claim_id]


@dataclasses.dataclass(frozen=True)
class Statement:
    source: str
    quote: str
    verdict: str
    claim: str | None
    evidence: Callable[[Context], Finding]
    correction: str = ""

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}")
        if self.verdict != "holds" and not self.correction:
            raise ValueError(f"{self.source}: a {self.verdict!r} verdict needs a correction")

    @property
    def note(self) -> str:
        return self.source.split()[0]


# ---------------------------------------------------------------------------------------------
# Evidence helpers


def _fmt(v) -> str:
    return "—" if v is None else f"{v:.4g}" if isinstance(v, float) else str(v)


def claim_holds(claim_id: str) -> Callable[[Context], Finding]:
    """Evidence = the claim's own run: proof status, worst check and control, consistent iff it passes."""

    def evidence(ctx: Context) -> Finding:
        r = ctx.result(claim_id)
        j = result_to_json(r)
        what = (f"{claim_id}: {j['check']} (proof {j['proof']}; "
                + (f"estimate {_fmt(j['estimate'])} ± {_fmt(j['stderr'])} vs {_fmt(j['expected'])}, z = {_fmt(j['z'])}"
                   if j["stderr"] is not None else f"{j['cases']} cases")
                + f"; control {j['control']['formula']} {'rejected' if j['control']['rejected'] else 'NOT rejected'})")
        return Finding(what, r.passed)

    return evidence


def both(*parts: Callable[[Context], Finding]) -> Callable[[Context], Finding]:
    def evidence(ctx: Context) -> Finding:
        found = [p(ctx) for p in parts]
        return Finding("; ".join(f.text for f in found), all(f.consistent for f in found))

    return evidence


def computed(fn: Callable[[Context], tuple[str, bool]]) -> Callable[[Context], Finding]:
    def evidence(ctx: Context) -> Finding:
        text, ok = fn(ctx)
        return Finding(text, bool(ok))

    return evidence


# -- specific computations --------------------------------------------------------------------


# ---------------------------------------------------------------------------------------------

STATEMENTS: list[Statement] = [
    # 001 §Core Equations / §Multi-Layer Forward Pass
    Statement("001 §Core Equations", "W ∈ ℝᵐˣⁿ (weight matrix)", "holds", "linear.batch",
              claim_holds("linear.batch")),
    Statement("001 §Multi-Layer Forward Pass", "y = W_L h_{L-1} + b_L", "holds", "mlp.forward",
              claim_holds("mlp.forward")),
    # 001 §Activation Functions
    Statement("001 §Activation Functions", "ReLU'(x) = 1 if x > 0 else 0", "conditional",
              "activation.relu.derivative", both(claim_holds("activation.relu.derivative"), computed(evidence.relu_kink)),
              "ReLU is not differentiable at 0; 0 there is a convention (PyTorch's), and any value in [0, 1] is a "
              "subgradient"),
    Statement("001 §Activation Functions", "σ'(x) = σ(x)(1 - σ(x))", "holds", "activation.sigmoid.derivative",
              claim_holds("activation.sigmoid.derivative")),
    Statement("001 §Activation Functions", "tanh'(x) = 1 - tanh²(x)", "holds", "activation.tanh.derivative",
              claim_holds("activation.tanh.derivative")),
    # 001 §Initialization Derivation
    Statement("001 §Initialization Derivation", "= Σⱼ Var(Wᵢⱼ xⱼ)       (independence)", "holds", "variance.fan_in",
              claim_holds("variance.fan_in")),
    Statement("001 §Initialization Derivation", "= Σⱼ E[Wᵢⱼ²] E[xⱼ²]    (independence, zero mean)", "holds",
              "variance.product", claim_holds("variance.product")),
    Statement("001 §Initialization Derivation", "= n_in × Var(W) × Var(x)", "conditional", "variance.product",
              both(claim_holds("variance.product"), computed(evidence.var_w_times_var_x)),
              "= n_in × Var(W) × E[x²]; it equals n_in × Var(W) × Var(x) only when E[x] = 0, which fails after a "
              "ReLU"),
    Statement("001 §Initialization Derivation", "Var(W) = 1/n_in", "holds", "init.forward",
              claim_holds("init.forward")),
    # 001 §Xavier Initialization
    Statement("001 §Xavier Initialization", "Backward: Var(W) = 1/n_out", "holds", "init.backward",
              claim_holds("init.backward")),
    Statement("001 §Xavier Initialization", "Compromise: Var(W) = 2/(n_in + n_out)", "holds", "init.xavier",
              claim_holds("init.xavier")),
    Statement("001 §Xavier Initialization", "W ~ N(0, 2/(n_in + n_out))", "holds", "init.xavier",
              computed(evidence.quick_reference_std)),
    # 001 §Kaiming Initialization
    Statement("001 §Kaiming Initialization", "For ReLU, variance is halved (E[ReLU(x)²] = Var(x)/2):", "conditional",
              "activation.relu.moments", both(claim_holds("activation.relu.moments"), computed(evidence.relu_variance_halved)),
              "the second moment is halved, E[ReLU(z)²] = E[z²]/2, for z symmetric about 0 (a zero-mean weight "
              "layer's output); the variance of ReLU(z) is (1/2 - 1/(2π))·Var(z) ≈ 0.34·Var(z)"),
    Statement("001 §Kaiming Initialization", "W ~ N(0, 2/n_in)", "holds", "init.kaiming", claim_holds("init.kaiming")),
    # 001 §Batch vs Single Sample
    Statement("001 §Batch vs Single Sample", "Y = XWᵀ + b", "holds", "linear.batch", claim_holds("linear.batch")),
    Statement("001 §Batch vs Single Sample", "Or using row-major weights:", "notation", "linear.batch",
              computed(evidence.row_major),
              "write the row-major weight as W' = Wᵀ, of shape (n, m): Y = XW' + b is the same Y"),
    # 001 §Initialization Formulas Summary
    Statement("001 §Initialization Formulas Summary", "| LeCun | 1/n_in | General (older) |", "holds", "init.lecun",
              claim_holds("init.lecun")),
    Statement("001 §Initialization Formulas Summary", "| Xavier (Glorot) | 2/(n_in + n_out) | Tanh, Sigmoid |",
              "holds", "init.xavier", claim_holds("init.xavier")),
    Statement("001 §Initialization Formulas Summary", "| Kaiming (He) | 2/n_in | ReLU, LeakyReLU |", "conditional",
              "init.kaiming", both(claim_holds("init.kaiming"), computed(evidence.kaiming_leaky)),
              "2/n_in is for ReLU; leaky ReLU with negative slope a needs 2/((1 + a²)·n_in)"),
    # 001 §Forward Pass Pseudocode
    Statement("001 §Forward Pass Pseudocode", "z = h @ W[i] + b[i]", "notation", "linear.batch", computed(evidence.row_major),
              "the pseudocode stores W[i] row-major, shape (n_in, n_out), the transpose of §Core Equations' "
              "W ∈ ℝᵐˣⁿ; say so, or write h @ W[i].T"),
    Statement("001 §Forward Pass Pseudocode", "output = h @ W[L] + b[L]  # No activation on output", "holds",
              "mlp.forward", claim_holds("mlp.forward")),
    # 001 §Variance Propagation
    Statement("001 §Variance Propagation", "Var(h_L) = (n × Var(W) × 0.5)^L × Var(x)", "fails", "propagation.forward",
              both(claim_holds("propagation.forward"), computed(evidence.var_h_is_second_moment)),
              "E[h_L²] = (n × Var(W) × 0.5)^L × E[x²]: a second moment, not a variance (ReLU outputs have non-zero "
              "mean), with E[x²] in place of Var(x)"),
    Statement("001 §Variance Propagation", "= Var(x)  ✓ Stable!", "conditional", "propagation.finite_width",
              claim_holds("propagation.finite_width"),
              "stable in expectation only: at width n each layer multiplies ‖h‖² by a factor with mean 1 and "
              "second moment 1 + 5/n, so one network's scale spreads like (1 + 5/n)^L"),
    # 001 §Quick Reference
    Statement("001 §Quick Reference", "Xavier:    W ~ N(0, sqrt(2/(n_in + n_out)))", "notation", "init.xavier",
              computed(evidence.quick_reference_std),
              "N(0, σ²) takes the variance in §Xavier Initialization and the standard deviation here; write "
              "W ~ N(0, 2/(n_in + n_out)), i.e. std sqrt(2/(n_in + n_out))"),
    Statement("001 §Quick Reference", "Kaiming:   W ~ N(0, sqrt(2/n_in))", "notation", "init.kaiming",
              claim_holds("init.kaiming"),
              "as for Xavier: variance 2/n_in, standard deviation sqrt(2/n_in)"),
    # 000 Q1
    Statement("000 Q1.1", "All hidden units will have identical influence on the cost, which will lead to identical "
              "gradients.", "holds", "symmetry.identical", claim_holds("symmetry.identical")),
    Statement("000 Q1.1", "This makes your model almost like a linear model", "fails", "symmetry.zero",
              claim_holds("symmetry.zero"),
              "with all-zero weights and φ(0) = 0 (tanh, ReLU) the hidden-weight gradients are exactly 0 forever and "
              "the output is a constant, independent of x; with sigmoid the units learn but stay identical "
              "(effective width 1), which is nonlinear, not linear"),
    Statement("000 Q1.2", "smaller or equal", "holds", "linear.rank", claim_holds("linear.rank")),
    Statement("000 Q1.3", "L1(L2(L3)) = L4 can be reduced to one linear operation", "holds", "linear.composition",
              claim_holds("linear.composition")),
    Statement("000 Q1.4", "it initializes the weights such that the variance of the activations are the same across "
              "every layer", "conditional", "init.xavier", computed(evidence.xavier_forward_factor),
              "only when n_in = n_out (and for activations that are linear near 0): otherwise the forward factor is "
              "2·n_in/(n_in + n_out), the compromise between the forward and backward conditions"),
    Statement("000 Q1.4", "it ensures that the gradients neither vanish nor explode as they propagate through the "
              "network", "conditional", "propagation.forward", computed(evidence.xavier_relu),
              "for tanh/linear-like activations near 0; with ReLU, Xavier halves the second moment at every layer "
              "(Kaiming's 2/n_in fixes that)"),
    Statement("000 Q1.4", "Xavier initialization takes into account the type of activation function used in the "
              "network.", "fails", "init.gains", computed(evidence.xavier_gain),
              "Xavier's variance 2/(n_in + n_out) does not depend on the activation; an activation-specific gain "
              "(PyTorch's calculate_gain) is a separate factor"),
    Statement("000 Q1.6", "the \"+\" is modeling the identity", "holds", "residual.jacobian",
              claim_holds("residual.jacobian")),
    Statement("000 Q1.6", "allowing the gradient to pass through to X in backpropagation unaffected by the bypassed "
              "two convolutions blocks", "conditional", "residual.depth", claim_holds("residual.depth"),
              "the identity path carries the upstream gradient unchanged, but the total gradient is (I + J_f)ᵀg: the "
              "branch adds J_fᵀg, so ‖∂L/∂x‖² grows like (1 + nσ²) per block unless branches are scaled"),
    Statement("000 Q1.7", "R_f dimension  $=((k-1) S) L +1 = ((3-1)1)4 +1 = 9$", "conditional", "rf.constant_stack",
              both(claim_holds("rf.constant_stack"), computed(evidence.rf_general)),
              "((k-1)S)L + 1 holds only for stride S = 1; in general r = 1 + (k-1)(S^L - 1)/(S - 1) (9 is right "
              "here)"),
    Statement("000 Q1.7", "1x1 <-3x3 <- 5x5 <- 7x7 <- 9x9", "holds", "rf.recurrence", computed(evidence.rf_top_down)),
    Statement("000 Q1.7", "n1 = 3 + 1(7-1) = 9", "holds", "rf.recurrence", both(claim_holds("rf.recurrence"),
                                                                               computed(evidence.rf_top_down))),
    Statement("000 Q1.7", "n2 = 5 +1(3-1)= 7, m=old", "conditional", "rf.recurrence", computed(evidence.rf_sandford),
              "7 holds for a 5×5 layer under a 3×3; for the question's two 3×3 layers the field is 5"),
    Statement("000 Q1.8.1", "closer to 0, as the generator is really bad and the discriminator can tell apart that "
              "the generated image is fake", "holds", "gan.fake_score_bound", claim_holds("gan.fake_score_bound")),
    Statement("000 Q1.8.2", "solve the vanishing gradient in the start of the training faced in the orange cost "
              "function", "holds", "gan.saturation", claim_holds("gan.saturation")),
    Statement("000 Q1.8.3", "the discriminator should output values close to 0.5 for both real and generated data",
              "holds", "gan.optimal_discriminator", claim_holds("gan.optimal_discriminator")),
    Statement("000 Q1.8.3", "which indicates that the generator has not yet learned to generate realistic data",
              "fails", "gan.fake_score_bound", claim_holds("gan.fake_score_bound"),
              "against an optimal discriminator E[D(G(z))] <= 1/2; an average D(G(z)) near 1 means the discriminator "
              "is poor (fooled), not that the generator is"),
    # 000 Q2
    Statement("000 Q2.1", "1) 8(5x5x6) + 8x1", "holds", "conv.params", both(claim_holds("conv.params"),
                                                                            computed(evidence.params))),
    Statement("000 Q2.1", "2) 8x10x10(20x20x6) + 8x10x10x1", "holds", "dense.params",
              both(claim_holds("dense.params"), computed(evidence.params))),
    Statement("000 Q2.2", "layer 1 d_height = (256-3 +2p)/1 +1 = 256", "holds", "conv.output_size",
              computed(evidence.same_padding)),
    Statement("000 Q2.2", "layer 2: d_height = (256-3)/2 +1 = 128", "fails", "conv.output_size",
              both(claim_holds("conv.output_size"), computed(evidence.layer2)),
              "⌊(256 - 3)/2⌋ + 1 = 127 without padding; 128 needs padding 1: ⌊(256 + 2 - 3)/2⌋ + 1 = 128"),
    Statement("000 Q2.2", "The receptive field is defined by the filter size of a layer", "conditional",
              "rf.recurrence", computed(evidence.pool_field),
              "a unit's field depends on every layer below it: kernels, strides and dilations, not one layer's filter"),
    Statement("000 Q2.2", "**Padding changes the effective input size, so it can't change the receptive field**",
              "holds", "rf.padding", claim_holds("rf.padding")),
    Statement("000 Q2.2", "R field = 1 + (pooling layer) + (conv layer) = 1 + (3-1)x2 + (3-1)x1 = 7", "fails",
              "rf.recurrence", computed(evidence.pool_field),
              "a layer's stride multiplies the kernels of the layers above it, not its own: 1 + (3-1)×1 + (3-1)×1 = 5"),
    Statement("000 Q2.2", "size of the receptive field = 7x7 = 49", "fails", "rf.recurrence", computed(evidence.pool_field),
              "5×5 = 25, as the note's own top-down computation finds"),
    Statement("000 Q2.2", "$\\therefore R_f size = 5x5 =25 Pixle$", "holds", "rf.recurrence",
              computed(evidence.pool_field_top_down)),
]


@dataclasses.dataclass
class AuditRow:
    statement: Statement
    finding: Finding

    def to_json(self) -> dict:
        s = self.statement
        return {"source": s.source, "quote": s.quote, "verdict": s.verdict, "claim": s.claim,
                "evidence": self.finding.text, "correction": s.correction or None,
                "consistent": self.finding.consistent}


def run_audit(seed: int = 0, statements: list[Statement] | None = None, context: Context | None = None) -> list[AuditRow]:
    """Compute every statement's evidence (running the claims it cites once each, unless ``context`` has them)."""
    ctx = context if context is not None else Context(seed)
    rows = []
    for s in statements if statements is not None else STATEMENTS:
        try:
            with np.errstate(all="ignore"):
                finding = s.evidence(ctx)
        except Exception as exc:  # evidence that cannot be computed contradicts nothing and confirms nothing
            finding = Finding(f"evidence could not be computed: {type(exc).__name__}: {exc}", False)
        rows.append(AuditRow(s, finding))
    return rows
