"""verify.torch_graph on real architectures built with torch.nn: every node's output shape against the
module's real output, the parameter count against the unique tensors, and the field of interior units
against the bounding box of the non-zero input gradient (backprop through the traced module)."""
import pytest

torch = pytest.importorskip("torch")
import nets
import torch.fx as fx
import torch.nn as nn

from verify.errors import UsageError
from verify.torch_graph import analyse_module


def measurable(model):
    """The traced model with every weight in [0.1, 1], batch norm in evaluation mode and max pools as
    average pools of the same windows: every path carries a positive gradient, so the non-zero input
    gradient of a unit is exactly the set of positions it reads (a max pool would pass one per window)."""
    traced = fx.symbolic_trace(model)
    for name, sub in list(traced.named_modules()):
        kind = type(sub).__name__
        if kind.startswith("MaxPool"):
            avg = getattr(nn, kind.replace("Max", "Avg"))(sub.kernel_size, sub.stride, sub.padding, sub.ceil_mode)
            parent, _, leaf = name.rpartition(".")
            setattr(traced.get_submodule(parent) if parent else traced, leaf, avg)
    torch.manual_seed(0)
    with torch.no_grad():
        for p in traced.parameters():
            p.uniform_(0.1, 1.0)
    return traced.eval()


def activations(traced, x):
    out = {}

    class Recorder(fx.Interpreter):
        def run_node(self, n):
            out[n.name] = result = super().run_node(n)
            return result

    Recorder(traced).run(x)
    return out


def measured(act, x, unit):
    """Per axis, (first, last) input position with a non-zero gradient of the channels' sum at ``unit``."""
    value = act[0][(slice(None), *unit)].sum() if len(unit) else act[0].sum()
    (grad,) = torch.autograd.grad(value, x, retain_graph=True)
    seen = grad[0].abs().sum(0) != 0
    boxes = []
    for axis in range(seen.dim()):
        other = tuple(a for a in range(seen.dim()) if a != axis)
        idx = torch.nonzero(seen.any(dim=other) if other else seen).flatten()
        boxes.append(None if len(idx) == 0 else (int(idx.min()), int(idx.max())))
    return tuple(boxes)


def units(shape, count):
    """The centre unit and the next ``count - 1`` along the diagonal (fields may vary with period 2, 4)."""
    spatial = shape[1:]
    return [tuple(min(n // 2 + i, n - 1) for n in spatial) for i in range(count)]


def check(model, input_shape, count=1):
    rows = analyse_module(model, input_shape)
    traced = measurable(model)
    x = (torch.rand(1, *input_shape) + 0.5).requires_grad_()
    acts = activations(traced, x)
    sizes = input_shape[1:]
    compared = 0
    for row in rows:
        real = tuple(acts[row.name].shape[1:])
        assert row.output_shape == real, (row.name, row.output_shape, real)
        spatial = len(real) == len(input_shape)
        for unit in units(real, count) if spatial else [()]:
            want = measured(acts[row.name], x, unit)
            span = row.span(unit if spatial else 0)
            pooled = all(n == 1 for n in real[1:])
            if spatial and not pooled:
                assert all(s is None or (s[0] >= 0 and s[1] < n) for s, n in zip(span, sizes)), \
                    f"{row.name}: field {span} of unit {unit} leaves the input {sizes}: use a larger input"
            else:           # after global pooling: the whole input, clipped
                span = tuple((max(s[0], 0), min(s[1], n - 1)) for s, n in zip(span, sizes))
            assert span == want, (row.name, unit, span, want)
            compared += 1
    unique = sum(p.numel() for p in model.parameters())
    assert sum(r.params for r in rows) == unique
    return rows, compared


def test_resnet18_shortcuts_fields_shapes_and_parameters():
    rows, compared = check(nets.ResNet18(width=1, classes=3), (3, 448, 448))
    by = {r.name: r for r in rows}
    assert by["blocks_7_relu_1"].field == [435, 435] and by["blocks_7_relu_1"].stride == [32, 32]
    assert all(r.aligned for r in rows if r.op == "add")          # every shortcut aligned
    assert compared == len(rows)


def test_resnet18_full_width_parameters_are_torchvisions():
    """11,689,512: torchvision's resnet18 (He et al. 2016 layout), counted from the unique tensors."""
    rows = analyse_module(nets.ResNet18(), (3, 224, 224))
    assert sum(r.params for r in rows) == 11_689_512 == sum(p.numel() for p in nets.ResNet18().parameters())
    assert rows[-1].output_shape == (1000,)


def test_inception_block():
    rows, _ = check(nets.Inception(), (3, 64, 64))
    assert rows[-1].op == "concat" and rows[-1].field == [3 + 2 * 4, 3 + 2 * 4] and rows[-1].aligned


def test_densenet_block():
    rows, _ = check(nets.DenseBlock(), (3, 48, 48))
    assert rows[-1].field == [1 + 2 * 5 + 1, 1 + 2 * 5 + 1]


@pytest.mark.parametrize("up", ["convT2", "convT3", "nearest", "bilinear"])
def test_unet_decoder_fields_are_not_zero_and_match_backprop(up):
    rows, _ = check(nets.UNet(up=up), (1, 96, 96), count=4)
    decoder = [r for r in rows if r.name.startswith(("up", "dec", "head"))]
    assert decoder and all(min(r.field_min) > 0 for r in decoder)
    if up == "convT3":
        assert any(r.varies for r in decoder)


def test_dilated_stack():
    rows, _ = check(nets.Dilated(), (3, 160, 160))
    # stem 3/2 + pool 3/2 -> 7 at stride 4; dilations 2, 4, 12 (rate 12 3x3 = 25 wide): 7 + 4(4+8+24)
    assert rows[-1].field == [7 + 4 * (4 + 8 + 24)] * 2


def test_3d_stack():
    rows, _ = check(nets.Stack3d(), (1, 24, 40, 40), count=2)
    assert rows[-1].stride == [2, 4, 4]


def test_shared_weights_counted_once_and_said_shared():
    rows = analyse_module(nets.Shared(), (3, 16, 16))
    assert sum(r.params for r in rows) == 3 * 3 * 9 + 3
    assert any("shares parameters with conv" in note for r in rows for note in r.notes)


def test_grouped_and_transposed_macs_against_counted_products():
    """MACs = the weight gradient's total when input and output gradient are all ones (no padding): each
    use of a weight on an input multiplies a 1 and adds it to that weight's gradient."""
    for layer, shape in [(nn.Conv2d(8, 12, 3, 2, groups=4, bias=False), (8, 11, 13)),
                         (nn.ConvTranspose2d(8, 6, 3, 2, groups=2, bias=False), (8, 5, 7))]:
        rows = analyse_module(nn.Sequential(layer), shape)
        x = torch.ones(1, *shape)
        layer(x).sum().backward()
        assert rows[-1].macs == int(layer.weight.grad.sum())


def test_untraceable_and_unknown_modules_are_named():
    class Local(nn.Module):
        def forward(self, x):
            return nn.functional.layer_norm(x, [8, 8])
    with pytest.raises(UsageError, match="layer_norm"):
        analyse_module(Local(), (3, 8, 8))
    with pytest.raises(UsageError, match=r"GroupNorm"):
        analyse_module(nn.Sequential(nn.GroupNorm(1, 3)), (3, 8, 8))

    class Branchy(nn.Module):
        def forward(self, x):
            return x if x.sum() > 0 else -x
    with pytest.raises(UsageError, match="cannot trace Branchy"):
        analyse_module(Branchy(), (3, 8, 8))
