"""Soundness regression 27 of the kernel's red-team review, on verify's side: a linked closed form must read the
claim's derivation (else it is 'unlinked'), may read only what the derivation defines or concludes, and a proof
must be a Derivation; a linked form that reads its derivation is proved and passes."""
import sympy as sp

from derive.derivation import Derivation
from derive.kernel import Status

from _soundness import F, G, failed_at, fresh, g, n, proved, x, z  # noqa: F401 -- shared by the three files



# ---------------------------------------------------------------------------------------------------------------
# 27. verify: a linked closed form must read the claim's derivation

_s = sp.Symbol("s", positive=True)
_V = sp.Symbol("V", positive=True)


def _double():
    d = Derivation("demo.double", "V = 2 s")
    d.define(_V, 2 * _s, "V := 2s")
    d.conclude(d.identity(_V, 2 * _s, "definition written out"))
    return d


def _claim(claim_id, expected, proof=_double, estimate=42.0):
    from verify.claim import Claim, Measurement

    return Claim(id=claim_id, title="t", source="s", configs=({"s": 1.0},), proof=proof, expected=expected,
                 measure=lambda config, rng, budget: Measurement(estimate=estimate, kind="exact", cases=1),
                 control=lambda config, pts: 0.0, control_formula="0")


def test_verify_reports_a_linked_form_that_ignores_its_derivation_as_unlinked():
    """A linked closed form returning 42 without reading the derivation (V = 2s, i.e. 2 at s = 1) is not 'proved'."""
    from verify.claim import run_claim
    from verify.closed import linked

    r = run_claim(_claim("demo.ignore", linked(lambda config, pts, form: 42.0)))
    assert r.proof == "unlinked"


def test_verify_form_defined_reads_only_what_the_derivation_defines():
    """form.defined(g + 41, g=1) (and form.mpmath) evaluates an expression the derivation never defines: 42 is not
    read from V = 2s, so the check fails."""
    from verify.claim import run_claim
    from verify.closed import linked

    gs = sp.Symbol("g")
    r = run_claim(_claim("demo.defined", linked(lambda config, pts, form: form.defined(gs + 41, g=1.0))))
    assert r.check == "fail" and r.verdict == "fail"
    assert r.checks[0].error and r.checks[0].expected is None
    r = run_claim(_claim("demo.mpmath", linked(lambda config, pts, form: float(form.mpmath(gs + 41, g=1.0)))))
    assert r.check == "fail" and r.verdict == "fail"


def test_verify_fails_a_proof_that_is_not_a_derivation():
    """An object with a 'proved' .verdict that concludes V = 42 is not a Derivation: its status is not the kernel's."""
    from verify.claim import run_claim
    from verify.closed import linked

    class Fake:
        verdict = Status("proved", (), (), ())
        results = [sp.Eq(_V, 42)]

        def closed_form(self, lhs=None, unfold=True):
            return sp.Integer(42)

    r = run_claim(_claim("demo.fake", linked(lambda config, pts, form: form()), proof=Fake))
    assert r.proof == "failed" and r.verdict == "fail"


def test_verify_passes_a_linked_form_that_reads_its_derivation():
    """Control: V = 2s read through form(s=1) and through form.defined(V, s=1) is 2, proved and passing."""
    from verify.claim import run_claim
    from verify.closed import linked

    for expected in (linked(lambda config, pts, form: form(s=config["s"])),
                     linked(lambda config, pts, form: form.defined(_V, s=config["s"]))):
        r = run_claim(_claim("demo.read", expected, estimate=2.0))
        assert (r.proof, r.check, r.verdict) == ("proved", "pass", "pass"), (r.proof, r.proof_detail, r.checks)
