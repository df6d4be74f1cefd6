"""The report: REPORT.md with the claims, the audit and the derivations, linking at least six PNG plots."""
import re

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


def test_report_refuses_a_file_as_its_folder(tmp_path, capsys):
    from verify.cli import main

    target = tmp_path / "a-file"
    target.write_text("x")
    assert main(["report", str(target)]) == 2
    assert "folder" in capsys.readouterr().err
