"""Architectures written with torch.nn for the receptive-field tests (no torchvision, no weights).

Layouts follow the papers: ResNet-18 as torchvision builds it (He et al. 2016, stride in the first 3×3
of a stage, 1×1 stride-2 projection shortcuts), an Inception-v1 block (Szegedy et al. 2015), a DenseNet
block with its transition (Huang et al. 2017), a U-Net (Ronneberger et al. 2015, padded convolutions and
2×2 up-convolutions), a DeepLab-style dilated stack with an ASPP head (Chen et al. 2017), a 3-D stack.
``width`` scales every channel count so the gradient measurements stay cheap.
"""
import torch
import torch.nn as nn


def conv_bn(c_in, c_out, k, s=1, p=0, d=1, dims=2):
    conv = {1: nn.Conv1d, 2: nn.Conv2d, 3: nn.Conv3d}[dims]
    bn = {1: nn.BatchNorm1d, 2: nn.BatchNorm2d, 3: nn.BatchNorm3d}[dims]
    return nn.Sequential(conv(c_in, c_out, k, s, p, d, bias=False), bn(c_out), nn.ReLU())


class BasicBlock(nn.Module):
    def __init__(self, c_in, c_out, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.relu = nn.ReLU()
        self.down = None
        if stride != 1 or c_in != c_out:
            self.down = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x):
        y = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
        return self.relu(y + (x if self.down is None else self.down(x)))


class ResNet18(nn.Module):
    def __init__(self, width=64, classes=1000):
        super().__init__()
        w = [width, 2 * width, 4 * width, 8 * width]
        self.stem = nn.Sequential(nn.Conv2d(3, w[0], 7, 2, 3, bias=False), nn.BatchNorm2d(w[0]), nn.ReLU(),
                                  nn.MaxPool2d(3, 2, 1))
        blocks, c = [], w[0]
        for i, c_out in enumerate(w):
            blocks += [BasicBlock(c, c_out, 1 if i == 0 else 2), BasicBlock(c_out, c_out, 1)]
            c = c_out
        self.blocks = nn.Sequential(*blocks)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(c, classes)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.blocks(self.stem(x))), 1))


class Inception(nn.Module):
    def __init__(self, c_in=3, width=8):
        super().__init__()
        self.stem = conv_bn(c_in, 2 * width, 3, 2, 1)
        c = 2 * width
        self.b1 = conv_bn(c, width, 1)
        self.b3 = nn.Sequential(conv_bn(c, width, 1), conv_bn(width, width, 3, 1, 1))
        self.b5 = nn.Sequential(conv_bn(c, width, 1), conv_bn(width, width, 5, 1, 2))
        self.bp = nn.Sequential(nn.MaxPool2d(3, 1, 1), conv_bn(c, width, 1))

    def forward(self, x):
        x = self.stem(x)
        return torch.cat([self.b1(x), self.b3(x), self.b5(x), self.bp(x)], 1)


class DenseBlock(nn.Module):
    def __init__(self, c_in=3, growth=4, layers=4):
        super().__init__()
        self.stem = nn.Conv2d(c_in, 2 * growth, 3, 1, 1)
        c = 2 * growth
        self.layers = nn.ModuleList()
        for _ in range(layers):
            self.layers.append(nn.Sequential(nn.BatchNorm2d(c), nn.ReLU(), nn.Conv2d(c, 4 * growth, 1, bias=False),
                                             nn.BatchNorm2d(4 * growth), nn.ReLU(),
                                             nn.Conv2d(4 * growth, growth, 3, 1, 1, bias=False)))
            c += growth
        self.transition = nn.Sequential(nn.BatchNorm2d(c), nn.ReLU(), nn.Conv2d(c, c // 2, 1, bias=False),
                                        nn.AvgPool2d(2, 2))

    def forward(self, x):
        features = [self.stem(x)]
        for layer in self.layers:
            features.append(layer(torch.cat(features, 1)))
        return self.transition(torch.cat(features, 1))


class UNet(nn.Module):
    """Two levels; ``up`` picks the decoder's upsampling: "convT2" (k2 s2, the paper's), "convT3"
    (k3 s2 p1 output_padding 1), "bilinear" or "nearest" (upsample, then a 3×3 conv)."""

    def __init__(self, width=4, up="convT2"):
        super().__init__()
        w = width
        self.enc1 = nn.Sequential(conv_bn(1, w, 3, 1, 1), conv_bn(w, w, 3, 1, 1))
        self.enc2 = nn.Sequential(nn.MaxPool2d(2), conv_bn(w, 2 * w, 3, 1, 1), conv_bn(2 * w, 2 * w, 3, 1, 1))
        self.mid = nn.Sequential(nn.MaxPool2d(2), conv_bn(2 * w, 4 * w, 3, 1, 1))
        self.up2 = self._up(up, 4 * w, 2 * w)
        self.dec2 = conv_bn(4 * w, 2 * w, 3, 1, 1)
        self.up1 = self._up(up, 2 * w, w)
        self.dec1 = conv_bn(2 * w, w, 3, 1, 1)
        self.head = nn.Conv2d(w, 2, 1)

    @staticmethod
    def _up(kind, c_in, c_out):
        if kind == "convT2":
            return nn.ConvTranspose2d(c_in, c_out, 2, 2)
        if kind == "convT3":
            return nn.ConvTranspose2d(c_in, c_out, 3, 2, 1, output_padding=1)
        return nn.Sequential(nn.Upsample(scale_factor=2, mode=kind), nn.Conv2d(c_in, c_out, 3, 1, 1))

    def forward(self, x):
        e1 = self.enc1(x)
        e2 = self.enc2(e1)
        m = self.mid(e2)
        d2 = self.dec2(torch.cat([self.up2(m), e2], 1))
        d1 = self.dec1(torch.cat([self.up1(d2), e1], 1))
        return self.head(d1)


class Dilated(nn.Module):
    """DeepLab-style: a strided stem, dilations 2 and 4, then ASPP branches (1×1, 3×3 at rates 6 and 12,
    image pooling is left out: its field is the whole image) concatenated and fused."""

    def __init__(self, width=4):
        super().__init__()
        w = width
        self.stem = nn.Sequential(conv_bn(3, w, 3, 2, 1), nn.MaxPool2d(3, 2, 1))
        self.body = nn.Sequential(conv_bn(w, w, 3, 1, 2, 2), conv_bn(w, w, 3, 1, 4, 4))
        self.aspp = nn.ModuleList([conv_bn(w, w, 1)] + [conv_bn(w, w, 3, 1, r, r) for r in (6, 12)])
        self.fuse = nn.Conv2d(3 * w, w, 1)

    def forward(self, x):
        x = self.body(self.stem(x))
        return self.fuse(torch.cat([branch(x) for branch in self.aspp], 1))


class Stack3d(nn.Module):
    def __init__(self, width=4):
        super().__init__()
        self.net = nn.Sequential(conv_bn(1, width, (3, 3, 3), (1, 2, 2), (1, 1, 1), dims=3),
                                 nn.MaxPool3d((1, 3, 3), (1, 2, 2), (0, 1, 1)),
                                 conv_bn(width, width, (3, 1, 1), 1, (0, 0, 0), (2, 1, 1), dims=3),
                                 nn.Conv3d(width, width, (1, 3, 5), (2, 1, 1), (0, 1, 2), groups=2))

    def forward(self, x):
        return self.net(x)


class Shared(nn.Module):
    """One conv applied twice: its weights are one tensor."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 3, 1, 1)

    def forward(self, x):
        return self.conv(torch.relu(self.conv(x)))
