"""The report: REPORT.md with the claims, the audit and the derivations, linking at least six PNG plots."""
import re

import numpy as np

import pytest

pytest.importorskip("matplotlib", reason="the report draws its plots with matplotlib")

from verify.audit import STATEMENTS  # noqa: E402
from verify.registry import builtin_claims  # noqa: E402
from verify.report import PLOTS, write_report  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_report_writes_markdown_linking_every_plot(tmp_path):
    claims = [c for c in builtin_claims() if c.id.startswith("activation.")]
    statements = [s for s in STATEMENTS if s.claim in {c.id for c in claims}]
    path = write_report(tmp_path, seed=0, claims=claims, statements=statements)
    text = path.read_text(encoding="utf-8")
    links = re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", text)
    assert len(PLOTS) >= 6 and len(links) == len(PLOTS)
    for link in links:
        data = (tmp_path / link).read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 10_000
    for section in ("## Claims", "## Plots", "## The notes, audited", "## Derivations"):
        assert section in text
    assert "activation.sigmoid.derivative" in text and "Status: **proved**" in text
    audited = text[text.index("## The notes, audited"):text.index("## Derivations")]
    assert "**" not in audited and "==" not in audited  # the notes' emphasis would cut bold spans across cells
    tables = [line for line in text.splitlines() if line.startswith("|")]
    # no padding (a renderer aligns the columns): no cell's text is followed by a run of spaces
    assert tables and not any(re.search(r"[^|\s] {2,}\|", line) for line in tables)


def test_report_refuses_a_file_as_its_folder(tmp_path, capsys):
    from verify.cli import main

    target = tmp_path / "a-file"
    target.write_text("x")
    assert main(["report", str(target)]) == 2
    assert "folder" in capsys.readouterr().err


# ---- finite_width_spread: a point is drawn as trusted exactly where the tail diagnostic trusts it

def _synthetic_ratios(rng, networks=200):
    """Depth 5: (M/M_0)² light-tailed (k = 0); depth 10: Pareto-tailed with k = 1.5 (an infinite mean)."""
    ratio = np.ones((networks, 11))
    ratio[:, 5] = np.sqrt(1 + rng.exponential(size=networks))
    ratio[:, 10] = np.sqrt(rng.random(networks) ** -1.5)
    return ratio


def _drawn(fig):
    middle = fig.axes[1]
    return {line.get_gid(): line for line in middle.get_lines() if line.get_gid()}, middle


def test_spread_draws_filled_points_only_where_the_pareto_khat_trusts_the_mean():
    from verify import report_spread as S
    from verify.report import _pyplot

    plt = _pyplot()
    rng = np.random.default_rng(13)
    fig, caption = S.figure({16: _synthetic_ratios(rng)}, lambda n, layers: (1 + 5 / n) ** layers, plt)
    drawn, middle = _drawn(fig)
    assert list(drawn["trusted n=16"].get_xdata()) == [5]
    assert list(drawn["untrusted n=16"].get_xdata()) == [10]
    assert drawn["untrusted n=16"].get_markerfacecolor() == "none"
    # one error bar, the trusted point's, with both ends on the log axis
    segments = [seg for coll in middle.collections for seg in coll.get_segments()]
    assert len(segments) == 1 and segments[0][:, 1].min() > 0
    labels = [t.get_text() for t in middle.get_legend().get_texts()]
    assert any("trusted" in t and "±2 se" in t for t in labels)
    assert any("heavy tail" in t and "% of the sum" in t for t in labels)
    assert any("exact (1 + 5/n)^L" in t for t in labels)
    assert "Trusted depths: n = 16: 5." in caption
    plt.close(fig)


def test_spread_marks_simulated_networks_by_their_own_diagnostic():
    from verify import report_spread as S
    from verify.report import _pyplot
    from verify.tail import tail

    plt = _pyplot()
    rng = np.random.default_rng(14)
    data = {n: S.ratios(rng, n, depth=20) for n in (16, 128)}
    fig, _ = S.figure(data, lambda n, layers: (1 + 5 / n) ** layers, plt)
    drawn, _ = _drawn(fig)
    for n, ratio in data.items():
        verdicts = {L: tail(ratio[:, L] ** 2).reliable for L in range(5, 21, 5)}
        for gid, want in ((f"trusted n={n}", True), (f"untrusted n={n}", False)):
            xs = list(drawn[gid].get_xdata()) if gid in drawn else []
            assert xs == [L for L, ok in verdicts.items() if ok is want]
    # n = 16 at depth 20: E[(M/M_0)²] = (1 + 5/16)^20 ≈ 230 is carried by rare networks
    assert list(drawn["untrusted n=16"].get_xdata())[-1] == 20
    plt.close(fig)


def test_tanh_plot_caption_direction_finite_width_lecun_sits_below_the_infinite_width_line():
    # the caption says the finite-width second moment is below the variance map's (Jensen on a concave
    # map); at width 32 and layer 20 the gap is about -15 % with a standard error near 2 %
    from verify import report as R
    from verify import report_tanh as T
    from verify.mc import DEFAULT_ALPHA, z_critical

    acc = R._propagation(np.random.default_rng(32), "lecun_normal", "tanh", width=32, replicates=200)
    line = T.infinite_width("lecun_normal", 32)
    z = (line[-1] - acc.mean[0][-1]) / acc.stderr[0][-1]
    assert z > z_critical(DEFAULT_ALPHA), f"gap only {z:.2f} standard errors below the line"
