"""Benchmark: the Monte Carlo engine estimating E[h_L²] through a deep ReLU stack under He init.

Three ways of doing the same estimate, timed in one process, interleaved, best of --repeats:
  engine  verify.mc.stream over numeric.linear.propagate (new weights per draw, statistics per layer);
  limit   the unavoidable work bare: the same matrix products (into preallocated arrays) and the same
          number of N(0, std²) variates (numpy's Generator, same dtype), nothing else;
  torch   the plain PyTorch loop of DESIGN.md's Performance section: per weight draw x = randn(B, n),
          per layer W = randn(n, n)·std, x = relu(x @ W), then accumulate (x*x).mean().
The last line reports float32: ratio_vs_limit=<engine / limit> ratio_vs_torch=<engine / torch>.
Peak memory of the engine is measured with tracemalloc at two replicate counts (numpy reports its
buffers to tracemalloc), on a smaller configuration so the measurement itself stays cheap.

    python bench/propagation.py [--depth 30] [--width 512] [--batch 4096] [--draws 8] [--repeats 3]
"""
import argparse
import math
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
from tabulate import tabulate

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from numeric.linear import propagate  # noqa: E402
from verify.mc import stream  # noqa: E402


def engine(cfg, dtype, seed):
    widths = (cfg.width,) * (cfg.depth + 1)

    def draw(rng, k):
        return propagate(widths, k, cfg.batch, rng, weight_init="kaiming_normal", nonlinearity="relu",
                         dtype=dtype).post[:, -1]

    return float(stream(draw, cfg.draws, np.random.default_rng(seed)).mean)


def limit(cfg, dtype, seed):
    rng = np.random.default_rng(seed)
    x = np.empty((cfg.batch, cfg.width), dtype)
    z = np.empty((cfg.batch, cfg.width), dtype)
    w = np.empty((cfg.width, cfg.width), dtype)
    std = dtype(math.sqrt(2.0 / cfg.width))    # N(0, std²) variates; unscaled ones overflow by depth 30
    for _ in range(cfg.draws):
        rng.standard_normal(dtype=dtype, out=x)
        for _ in range(cfg.depth):
            rng.standard_normal(dtype=dtype, out=w)
            w *= std
            np.matmul(x, w.T, out=z)
            x, z = z, x
    return math.nan


def torch_loop(cfg, dtype, seed):
    import torch
    torch.manual_seed(seed)
    torch_dtype = {np.float32: torch.float32, np.float64: torch.float64}[dtype]
    std = math.sqrt(2.0 / cfg.width)
    total = 0.0
    for _ in range(cfg.draws):
        x = torch.randn(cfg.batch, cfg.width, dtype=torch_dtype)
        for _ in range(cfg.depth):
            w = torch.randn(cfg.width, cfg.width, dtype=torch_dtype) * std
            x = torch.relu(x @ w)
        total += (x * x).mean().item()
    return total / cfg.draws


def best_times(cfg, dtype):
    runners = {"engine": engine, "limit": limit}
    try:
        import torch  # noqa: F401
        runners["torch"] = torch_loop
    except ImportError:
        print("torch is not installed: no peer timing", file=sys.stderr)
    times = {name: math.inf for name in runners}
    estimates = {}
    for repeat in range(cfg.repeats):
        for name, run in runners.items():
            start = time.perf_counter()
            estimates[name] = run(cfg, dtype, repeat)
            times[name] = min(times[name], time.perf_counter() - start)
    return times, estimates


def peak_memory(replicates, dtype=np.float32, width=128, depth=10, batch=256):
    widths = (width,) * (depth + 1)

    def draw(rng, k):
        return propagate(widths, k, batch, rng, dtype=dtype).post[:, -1]

    tracemalloc.start()
    stream(draw, replicates, np.random.default_rng(0), chunk=4)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depth", type=int, default=30)
    parser.add_argument("--width", type=int, default=512)
    parser.add_argument("--batch", type=int, default=4096)
    parser.add_argument("--draws", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    cfg = parser.parse_args(argv)

    rows, ratios = [], {}
    for dtype in (np.float32, np.float64):
        times, estimates = best_times(cfg, dtype)
        peer = times.get("torch", math.nan)
        ratios[dtype] = (times["engine"] / times["limit"], times["engine"] / peer)
        rows.append([np.dtype(dtype).name, times["engine"], times["limit"], peer, *ratios[dtype],
                     estimates["engine"], estimates.get("torch", math.nan)])
    print(f"E[h_L^2] under He init: depth {cfg.depth}, width {cfg.width}, batch {cfg.batch}, "
          f"{cfg.draws} weight draws, best of {cfg.repeats} (seconds)")
    print(tabulate(rows, headers=["dtype", "engine", "limit", "torch", "vs limit", "vs torch",
                                  "estimate", "torch estimate"], floatfmt=".3f"))
    few, many = peak_memory(8), peak_memory(64)
    print(f"engine peak traced memory (width 128, depth 10, batch 256): {few / 2**20:.2f} MiB at 8 "
          f"replicates, {many / 2**20:.2f} MiB at 64")
    vs_limit, vs_torch = ratios[np.float32]
    print(f"ratio_vs_limit={vs_limit:.3f} ratio_vs_torch={vs_torch:.3f}")


if __name__ == "__main__":
    main()
