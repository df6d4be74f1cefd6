"""``python -m verify report DIR``: a Markdown report with the claims, the audit, derivations and plots."""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from ..errors import UsageError
from ._args import seed as _seed

HELP = "write DIR/REPORT.md (claims, audit, derivations) and PNG plots under DIR/plots"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("dir", metavar="DIR", help="output folder (created if missing)")
    p.add_argument("--seed", type=_seed, default=0, help="root seed (default 0)")


def _check_writable(out: Path) -> None:
    """Before any work: DIR and DIR/plots can be created and written (read-only folder, a path under a
    file, a name too long for the file system: one line, exit 2)."""
    try:
        for folder in (out, out / "plots"):
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-test-"):
                pass
    except OSError as exc:
        raise UsageError(f"cannot write to {str(out)[:60]!r}: {exc.strerror or type(exc).__name__}") from None


def main(args: argparse.Namespace) -> int:
    if not args.dir.strip():
        raise UsageError(f"DIR must name a folder, got {args.dir!r}")
    out = Path(args.dir)
    try:
        is_file = out.exists() and not out.is_dir()
    except OSError as exc:  # a name too long for the file system
        raise UsageError(f"cannot write to {str(out)[:60]!r}: {exc.strerror or type(exc).__name__}") from None
    if is_file:
        raise UsageError(f"DIR must be a folder, but {str(out)!r} is a file")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise UsageError("the report draws plots with matplotlib: pip install -e \".[plots]\"") from None
    _check_writable(out)
    from ..report import write_report

    try:
        path = write_report(out, seed=args.seed)
    except OSError as exc:  # no permission (checked before the run), a disk that fills up during it, a missing parent under /proc, a read-only file system, ...
        raise UsageError(f"cannot write to {str(out)!r}: {exc.strerror or exc}") from None
    print(f"wrote {path} and {len(list((out / 'plots').glob('*.png')))} plots under {out / 'plots'}")
    return 0
