"""init.fans and init.gains: PyTorch's conventions, the fans of a weight tensor and calculate_gain's table,
with the second-moment gain 1/√E[φ(ξ)²] derived beside the table (torch.nn.init; 000 Q2.1)."""
from __future__ import annotations

import sympy as sp

from ..activations import RELU_SECOND_STD, xi
from ..derivation import Derivation
from ..kernel import NormalE
from ..registry import derivation
from ..sums import lhs, rhs
from .symbols import TORCH_GAINS, C_in, C_out, groups, k_h, k_w, slope

# ---- closed forms (a builder checks against these: change one and its derivation fails) -------------
FAN_COUNTS = (C_in / groups * k_h * k_w, C_out / groups * k_h * k_w)
GAIN_VALUES = {"relu": sp.sqrt(2), "leaky_relu": sp.sqrt(2 / (1 + slope**2))}
"""The second-moment gains 1/√E[φ(ξ)²] in closed form (relu, leaky relu); tanh and sigmoid by quadrature."""

# ---- left sides of the concluded statements (what verify evaluates) ------------------------------
fan_in_of, fan_out_of = sp.Function("fan_in"), sp.Function("fan_out")
FANS = (fan_in_of(C_in, groups, k_h, k_w), fan_out_of(C_out, groups, k_h, k_w))
GAIN_PHI = {"relu": sp.Max(0, xi), "tanh": sp.tanh(xi), "sigmoid": 1 / (1 + sp.exp(-xi))}
GAIN_SECOND = {name: NormalE(phi**2, xi, 1) for name, phi in GAIN_PHI.items()}
"""E[φ(z)²], z ~ N(0, 1): the left sides init.gains concludes (relu exactly, tanh and sigmoid by quadrature)."""
GAIN_TORCH = {name: sp.Symbol(f"gain_torch({name})") for name in TORCH_GAINS}
GAIN = {name: sp.Symbol(f"gain({name})") for name in ("relu", "leaky_relu", "tanh", "sigmoid")}
"""The second-moment gains 1/√E[φ(ξ)²] init.gains concludes."""


@derivation("init.fans")
def fans() -> Derivation:
    d = Derivation("init.fans", "fan_in = (C_in/g)·k_h·k_w, fan_out = (C_out/g)·k_h·k_w for a weight (C_out, C_in/g, k_h, k_w)",
                   scope="every C_in, C_out, g, k_h, k_w >= 1 (symbolic; C_in and C_out multiples of g)")
    cc, ii, kk = sp.symbols("c i k", integer=True, positive=True)
    d.define(FANS[0], sp.Sum(sp.Sum(sp.Sum(1, (kk, 1, k_w)), (ii, 1, k_h)), (cc, 1, C_in / groups)),
             "fan_in: the weights feeding one output unit, one per input channel of its group and kernel position")
    d.define(FANS[1], sp.Sum(sp.Sum(sp.Sum(1, (kk, 1, k_w)), (ii, 1, k_h)), (cc, 1, C_out / groups)),
             "fan_out: the weights reading one input unit, one per output channel of its group and kernel position "
             "(PyTorch reports C_out·k_h·k_w whatever the groups: g = 1)")
    d.identity(FANS[0], C_in / groups * k_h * k_w, "the count: (C_in/g)·k_h·k_w")
    d.identity(FANS[1], C_out / groups * k_h * k_w, "the count: (C_out/g)·k_h·k_w")
    d.instance(fan_in_of(6, 1, 5, 5), 150, "000 Q2.1: 8 filters 5×5 over 6 channels: fan_in = 150")
    d.instance(fan_out_of(8, 1, 5, 5), 200, "and fan_out = 200")
    d.instance(fan_in_of(2400, 1, 1, 1), 2400, "000 Q2.1: dense 20×20×6 → 800 (a 1×1 kernel): fan_in = 2400")
    for target, channels in ((FANS[0], C_in), (FANS[1], C_out)):
        d.control(channels / groups * (k_h + k_w), target, "the kernel's dims summed instead of multiplied")
    d.identity(C_in / groups * k_h * k_w - C_in / groups * (k_h + k_w), C_in / groups * (k_h * k_w - k_h - k_w),
               "the control differs unless k_h·k_w = k_h + k_w (a 2×2 kernel)")
    d.conclude(sp.Eq(FANS[0], FAN_COUNTS[0]), sp.Eq(FANS[1], FAN_COUNTS[1]))
    return d


@derivation("init.gains")
def gains() -> Derivation:
    d = Derivation("init.gains", "PyTorch's gains, and the second-moment gain 1/√E[φ(ξ)²] beside them",
                   scope="ξ ~ N(0, 1); relu and leaky relu exactly, tanh and sigmoid by quadrature (30 digits, "
                         "error < 1e-12)")
    for name in TORCH_GAINS:
        d.define(GAIN_TORCH[name], TORCH_GAINS[name], "torch.nn.init.calculate_gain (a convention)")
    relu2 = d.gaussian(GAIN_PHI["relu"] ** 2, xi, RELU_SECOND_STD, "E[ReLU(ξ)²] = 1/2")
    relu1 = d.gaussian(GAIN_PHI["relu"], xi, 1 / sp.sqrt(2 * sp.pi), "E[ReLU(ξ)] = 1/√(2π)")
    leaky = sp.Max(0, xi) ** 2 + slope**2 * sp.Max(0, -xi) ** 2
    leaky2 = d.gaussian(leaky, xi, (1 + slope**2) / 2, "E[leaky(ξ)²] = (1 + α²)/2")
    tanh2 = d.quadrature(GAIN_PHI["tanh"] ** 2, xi, justification="E[tanh(ξ)²], no closed form")
    sig2 = d.quadrature(GAIN_PHI["sigmoid"] ** 2, xi, justification="E[σ(ξ)²], no closed form")
    sig1 = d.quadrature(GAIN_PHI["sigmoid"], xi, justification="E[σ(ξ)] (= 1/2: σ - 1/2 is odd)")
    out = [relu2, tanh2, sig2]
    for name, moment in (("relu", relu2), ("leaky_relu", leaky2), ("tanh", tanh2), ("sigmoid", sig2)):
        gain_of = GAIN[name]
        d.define(gain_of, 1 / sp.sqrt(lhs(moment)), f"the second-moment gain of {name}: 1/√E[φ(ξ)²]")
        gain = d.chain(d.identity(gain_of, 1 / sp.sqrt(lhs(moment)), "definition"),
                       d.rewrite(1 / sp.sqrt(lhs(moment)), [moment], "the second moment"),
                       justification=f"gain({name})")
        out.append(gain)
    d.identity(rhs(out[3]), GAIN_TORCH["relu"], "relu: √2, PyTorch's value")
    d.identity(rhs(out[4]), GAIN_TORCH["leaky_relu"], "leaky relu: √(2/(1+α²)), PyTorch's value")
    d.inequality(GAIN_TORCH["tanh"], rhs(out[5]), GAIN_TORCH["tanh"] - rhs(out[5]), strict=True,
                 justification="tanh: PyTorch's 5/3 is larger than the second-moment gain ≈ 1.5925")
    d.inequality(rhs(out[6]), GAIN_TORCH["sigmoid"], rhs(out[6]) - GAIN_TORCH["sigmoid"], strict=True,
                 justification="sigmoid: the second-moment gain ≈ 1.847 is larger than PyTorch's 1")
    d.control(rhs(relu2) - rhs(relu1)**2, GAIN_SECOND["relu"],
              "Var(ReLU(ξ)) = 1/2 - 1/(2π): the variance taken for the second moment (gain 1/√Var)")
    d.control(1 / GAIN_TORCH["tanh"] ** 2, GAIN_SECOND["tanh"], "1/gain_torch(tanh)² = 9/25: PyTorch's 5/3 taken "
              "for the second-moment gain")
    d.control(rhs(sig2) - rhs(sig1)**2, GAIN_SECOND["sigmoid"],
              "Var(σ(ξ)) = E[σ²] - 1/4: the variance taken for the second moment")
    d.inequality(rhs(relu2), rhs(relu2) - rhs(relu1)**2, 1 / (2 * sp.pi), strict=True,
                 justification="relu: the control is short by E[ReLU]² = 1/(2π)")
    d.conclude(*out[1:3], sp.Eq(GAIN_SECOND["relu"], RELU_SECOND_STD),
               *(sp.Eq(GAIN[name], value) for name, value in GAIN_VALUES.items()), *out[5:])
    return d
