"""Benchmark: numeric.conv2d forward + backward against torch.nn.functional.conv2d with autograd.

Same shapes, same dtype (float32), same process, best of several rounds each. Prints one line per
configuration and, last, ``ratio_vs_torch=<ours / torch>`` (geometric mean over configurations).
Goal: ratio <= 3.

    .venv/bin/python bench/conv.py [--repeats R]
"""
from __future__ import annotations

import argparse
import math
import pathlib
import sys
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from numeric.conv import conv2d, conv2d_backward

# (batch, in_channels, out_channels, size, kernel, stride, padding, dilation, groups)
CONFIGS = [
    (8, 32, 64, 32, 3, 1, 1, 1, 1),
    (8, 64, 64, 16, 3, 2, 1, 1, 1),
    (8, 32, 32, 32, 3, 1, 2, 2, 4),
    (4, 16, 32, 64, 5, 1, 2, 1, 1),
]
REPEATS = 15
PAUSE = 0.05  # seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=REPEATS)
    args = parser.parse_args(argv)

    import torch
    import torch.nn.functional as F

    rng = np.random.default_rng(0)
    cases = []
    for n, c_in, c_out, size, k, s, p, d, g in CONFIGS:
        x = rng.standard_normal((n, c_in, size, size), dtype=np.float32)
        w = rng.standard_normal((c_out, c_in // g, k, k), dtype=np.float32)
        y_shape = conv2d(x, w, stride=s, padding=p, dilation=d, groups=g).shape
        grad_output = rng.standard_normal(y_shape, dtype=np.float32)
        cases.append((x, w, grad_output, dict(stride=s, padding=p, dilation=d, groups=g)))

    def ours(x, w, grad_output, options):
        conv2d(x, w, **options)
        conv2d_backward(grad_output, x, w, **options)

    def theirs(x, w, grad_output, options):
        xt = torch.from_numpy(x).requires_grad_(True)
        wt = torch.from_numpy(w).requires_grad_(True)
        F.conv2d(xt, wt, **options).backward(torch.from_numpy(grad_output))

    # rounds of all NumPy calls then all PyTorch calls, with a pause between: OpenBLAS and
    # OpenMP worker threads spin-wait after a call and slow the other library down; rounds
    # spread both over the same stretch of time, so load from other processes hits both
    for case in cases:
        ours(*case)
        theirs(*case)
    t_ours = [math.inf] * len(cases)
    t_torch = [math.inf] * len(cases)
    for _ in range(args.repeats):
        for times, fn in ((t_ours, ours), (t_torch, theirs)):
            time.sleep(PAUSE)
            for i, case in enumerate(cases):
                start = time.perf_counter()
                fn(*case)
                times[i] = min(times[i], time.perf_counter() - start)
    log_ratios = []
    for config, a, b in zip(CONFIGS, t_ours, t_torch):
        log_ratios.append(math.log(a / b))
        print("N={} C_in={} C_out={} size={} k={} s={} p={} d={} g={}: ".format(*config)
              + f"numpy {a * 1e3:.2f} ms, torch {b * 1e3:.2f} ms, ratio {a / b:.2f}")
    print(f"threads: torch={torch.get_num_threads()}")
    print(f"ratio_vs_torch={math.exp(sum(log_ratios) / len(log_ratios)):.2f}")


if __name__ == "__main__":
    main()
