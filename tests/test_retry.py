"""chatkit.retry: the one retry both servers make when a delivery fails (their own tests check the wording)."""

from __future__ import annotations

from chatkit.retry import Failed, retry_once


def attempts(*outcomes):
    """An attempt that returns ``outcomes`` in turn, and the list of calls it saw."""
    calls, queue = [], list(outcomes)

    def attempt():
        calls.append(len(calls) + 1)
        return queue.pop(0)

    return attempt, calls


def test_a_failure_that_may_pass_is_tried_once_more_after_the_pause(monkeypatch):
    slept, told = [], []
    monkeypatch.setattr("chatkit.retry.time.sleep", slept.append)
    attempt, calls = attempts(Failed("HTTP 503"), Failed("HTTP 503"), "never asked")
    assert retry_once(attempt, 0.5, told.append) == (Failed("HTTP 503"), 2)
    assert calls == [1, 2] and slept == [0.5] and told == [Failed("HTTP 503")]


def test_a_final_refusal_and_a_success_are_not_tried_again(monkeypatch):
    monkeypatch.setattr("chatkit.retry.time.sleep", lambda seconds: None)
    refused, calls = attempts(Failed("code 40003: bad token", again=False), "never asked")
    assert retry_once(refused, 0.5) == (Failed("code 40003: bad token", again=False), 1) and calls == [1]
    sent, calls = attempts({"ok": True}, "never asked")
    assert retry_once(sent, 0.5) == ({"ok": True}, 1) and calls == [1]
