"""Course helpers: myth checks, self-check questions, labels."""

from __future__ import annotations

import pytest

from goenv import course
from goenv.course.myth import MYTH_MIME, bundle


def test_myth_check_verdict_and_machine_readable_record():
    """Does a myth check derive its verdict from the measurement and publish a JSON record?"""
    m = course.myth_check("2.3-a", claim="CGO_ENABLED=off disables cgo", experiment="built with off",
                          holds=False, evidence={"linkage": "dynamic"}, truth="only 0 and 1 count", show=False)
    assert m.verdict == "false"
    b = bundle(m)
    assert b[MYTH_MIME]["id"] == "2.3-a" and b[MYTH_MIME]["evidence"] == {"linkage": "dynamic"}
    assert "FALSE" in b["text/html"] and "only 0 and 1 count" in b["text/plain"]
    with pytest.raises(ValueError):
        course.myth_check("x", claim="c", experiment="e", show=False)
    with pytest.raises(ValueError):
        course.myth_check("x", claim="c", experiment="e", verdict="maybe", show=False)


def test_choice_gives_immediate_feedback():
    """Does a multiple-choice question say right or wrong when Check is clicked, and ask for an answer first?"""
    q = course.choice("Which?", ["a", "b"], answer="b", explain="because b")
    q.button.click()
    assert q.correct is False and "pick an answer" in q.feedback.value
    q.control.value = "a"
    assert q.check() is False and "Not quite" in q.feedback.value
    q.control.value = "b"
    assert q.check() is True and "because b" in q.feedback.value


def test_numeric_measures_live_and_accepts_tolerance():
    """Does a numeric question compare with a live measurement within a relative tolerance?"""
    q = course.numeric("How many?", lambda: 47, tolerance=0.1, unit="targets")
    q.control.value = 44
    assert q.check() and "measured: 47 targets" in q.feedback.value
    q.control.value = 30
    assert not q.check()


def test_predict_runs_the_experiment_only_after_a_prediction():
    """Does predict() run the experiment only once the learner has predicted, and survive a failing experiment?"""
    calls = []
    q = course.predict("Static?", ["static", "dynamic"], lambda: (calls.append(1) or "dynamic", "ldd says so"))
    q.check()
    assert calls == []
    q.control.value = "dynamic"
    assert q.check() and calls == [1]
    bad = course.predict("?", ["x"], lambda: 1 / 0)
    bad.control.value = "x"
    assert bad.check() is False and "failed" in bad.feedback.value


def test_labels_say_version_target_and_how_it_ran(tc):
    """Does every label name the Go version, the target and native vs emulated?"""
    assert course.label(goos="linux", goarch="arm64", runner="qemu-aarch64") == f"{tc.version} · linux/arm64 · emulated (qemu-aarch64)"
    assert course.label() == f"{tc.version} · {tc.hostos}/{tc.hostarch} · native"
    env = course.environment_summary()
    assert env["go"] == tc.version and env["cpus"] >= 1


def test_myth_card_is_shown_once_even_as_the_last_expression():
    """Does a myth check ending a cell display its card once, not twice?"""
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    sh = InteractiveShell.instance()
    with capture_output() as cap:
        sh.run_cell("from goenv import course\n"
                    "course.myth_check('x', claim='c', experiment='e', holds=True)")
    cards = [o for o in cap.outputs if MYTH_MIME in o.data]
    assert len(cards) == 1
