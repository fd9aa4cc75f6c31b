"""The checker itself: a pure function, so every verdict has a small exact example."""

from __future__ import annotations

from checker import Effect, Final, Send, check


def test_every_acknowledged_key_with_one_record_is_ok():
    v = check([Send("a", 202, "E1"), Send("b", 200, "E2")],
              [Effect("a", "E1"), Effect("b", "E2")],
              [Final("a", "E1", "delivered"), Final("b", "E2", "duplicate")])
    assert v.ok and v.acknowledged == 2 and v.delivered == 2
    assert v.effects_by_count == {1: 2}


def test_acknowledged_without_record_or_dead_letter_is_lost():
    v = check([Send("a", 202, "E1"), Send("b", 202, "E2"), Send("c", 202, "E3")],
              [Effect("c", "E3")],
              [Final("a", "E1", "scheduled")])
    assert not v.ok
    assert v.lost == ("a", "b")
    assert v.in_flight == ("a",) and v.missing == ("b",)


def test_a_refused_send_is_not_a_promise():
    v = check([Send("a", 503), Send("b", None)], [], [])
    assert v.ok and v.acknowledged == 0 and v.sent == 2


def test_one_2xx_among_retries_is_a_promise():
    v = check([Send("a", 503), Send("a", None), Send("a", 202, "E1")], [], [])
    assert v.lost == ("a",)


def test_more_than_one_record_per_key_is_duplicated():
    v = check([Send("a", 202, "E1"), Send("a", 202, "E2"), Send("a", 202, "E3")],
              [Effect("a", "E1"), Effect("a", "E2"), Effect("a", "E3")])
    assert v.duplicated == {"a": 3} and not v.ok
    assert "extra records 2" in v.summary()


def test_dead_letters_are_accounted_for_with_their_cause():
    v = check([Send("a", 202, "E1"), Send("b", 202, "E2")], [Effect("b", "E2")],
              [Final("a", "E1", "dead", "unavailable refused: connection refused")])
    assert v.ok and v.dead == {"a": "unavailable refused: connection refused"}
    assert v.dead_causes() == {"unavailable": 1}


def test_ignored_events_are_not_lost():
    v = check([Send("a", 202, "E1")], [], [Final("a", "E1", "ignored")])
    assert v.ok and v.ignored == ("a",)


def test_a_record_nobody_sent_is_unexpected():
    v = check([Send("a", 202, "E1")], [Effect("a", "E1"), Effect("zz", "E9")])
    assert v.unexpected == ("zz",) and not v.ok


def test_a_record_whose_answer_was_lost_still_counts_for_its_key():
    v = check([Send("a", None)], [Effect("a", "E1")])
    assert v.ok and v.acknowledged == 0 and not v.unexpected


def test_an_event_the_store_never_finished_is_unsettled_even_with_a_record():
    v = check([Send("a", 202, "E1"), Send("b", 202, "E2"), Send("c", 202, "E3")],
              [Effect("a", "E1"), Effect("b", "E2")],
              [Final("a", "E1", "in_progress"), Final("b", "E2", "delivered"),
               Final("c", "E3", "scheduled")])
    assert v.unsettled == ("a", "c")
    assert v.lost == ("c",) and v.delivered == 2
    assert "unsettled in the store 2" in v.summary()
