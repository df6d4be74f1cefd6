"""derive.budget: a stage's wall-clock limit, and how it nests with the kernel's symbolic time cap."""
import time

import pytest

from derive.budget import StageTimeout, stage
from derive.kernel import SymbolicTimeout, time_cap


def _spin(seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def test_a_stage_past_its_limit_names_the_stage_and_the_limit():
    start = time.monotonic()
    with pytest.raises(StageTimeout, match=r"stage 'quadrature' ran past the time limit of 0.2 s"):
        with stage("quadrature", 0.2):
            _spin(5)
    assert time.monotonic() - start < 2


def test_library_code_that_catches_exception_cannot_swallow_the_limit():
    with pytest.raises(StageTimeout):
        with stage("symbolic moments", 0.2):
            try:
                _spin(5)
            except Exception:  # what sympy and mpmath do in places
                pass
            _spin(5)


def test_a_shorter_symbolic_cap_inside_a_stage_still_falls_back():
    with stage("symbolic moments", 5):
        try:
            with time_cap(0.1):
                _spin(3)
            fell_back = False
        except SymbolicTimeout:
            fell_back = True
        assert fell_back  # the cap fired, not the stage; the stage goes on


def test_a_stage_that_ends_first_is_not_mistaken_for_a_symbolic_cap():
    with pytest.raises(StageTimeout):
        with stage("symbolic moments", 0.2):
            try:
                with time_cap(4):
                    _spin(3)
            except SymbolicTimeout:  # a fallback must not swallow the end of the whole stage
                pytest.fail("the stage's end was taken for the symbolic cap")


def test_no_limit_runs_unbounded_and_a_finished_stage_leaves_no_timer():
    import signal

    with stage("parse", None):
        _spin(0.05)
    with stage("parse", 5):
        pass
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_an_exception_while_the_stage_is_armed_leaves_no_alarm_behind(monkeypatch):
    """The twin of time_cap's test: an exception landing while stage() arms SIGALRM must not leave the
    alarm (it would raise StageTimeout later, in whatever runs then)."""
    import signal

    before = signal.getsignal(signal.SIGALRM)
    real = signal.setitimer

    def interrupted(which, seconds, *rest):
        if which == signal.ITIMER_REAL and seconds > 0:
            real(which, seconds, *rest)
            raise KeyboardInterrupt("arrived mid-setup")
        return real(which, seconds, *rest)

    monkeypatch.setattr(signal, "setitimer", interrupted)
    with pytest.raises(KeyboardInterrupt):
        with stage("parse", 5):
            pass
    monkeypatch.setattr(signal, "setitimer", real)
    assert signal.getitimer(signal.ITIMER_REAL)[0] == 0 and signal.getsignal(signal.SIGALRM) == before
