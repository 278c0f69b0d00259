"""The clock follower on synthetic ticks: jitter rejected, tempo steps and ramps followed."""

import numpy as np
import pytest

from improv.timing.clockfollow import TICKS_PER_BEAT, ClockFollower, NaiveFollower


def ticks(tempo_of_tick, n, jitter=0.001, seed=1):
    """True tick times for a tempo given per tick, and the same with uniform jitter."""
    t, out = 0.0, []
    for k in range(n):
        out.append(t)
        t += 60 / (tempo_of_tick(k) * TICKS_PER_BEAT)
    true = np.array(out)
    return true, true + np.random.default_rng(seed).uniform(-jitter, jitter, n)


def next_tick_errors_ms(follower, true, seen):
    """After each tick, how far the follower's grid puts the next tick from its true time."""
    errors = []
    for k in range(len(seen) - 1):
        state = follower.tick(seen[k])
        errors.append(np.nan if state is None else
                      abs(state.time_of((k + 1) / TICKS_PER_BEAT) - true[k + 1]) * 1000)
    return np.array(errors)


def test_steady_jittered_clock_gives_a_steady_grid():
    true, seen = ticks(lambda k: 120, 24 * 64)
    ours = next_tick_errors_ms(ClockFollower(), true, seen)[TICKS_PER_BEAT:]
    naive = next_tick_errors_ms(NaiveFollower(), true, seen)[TICKS_PER_BEAT:]
    assert np.percentile(ours, 99) < 1.0 and ours.max() < 1.5
    assert np.percentile(naive, 99) > 2 * np.percentile(ours, 99)


def test_the_tempo_reads_right():
    true, seen = ticks(lambda k: 137, 24 * 8)
    follower = ClockFollower()
    for t in seen:
        state = follower.tick(t)
    assert state.tempo == pytest.approx(137, abs=0.3)
    assert state.beat_at(true[-1]) == pytest.approx((len(seen) - 1) / 24, abs=0.01)


def test_a_tempo_step_is_followed_within_a_beat():
    step = 24 * 32
    true, seen = ticks(lambda k: 120 if k < step else 150, 24 * 64)
    errors = next_tick_errors_ms(ClockFollower(), true, seen)[step - 1:]
    settled = next(i for i in range(len(errors)) if (errors[i:i + 48] <= 2.0).all())
    assert settled <= TICKS_PER_BEAT


def test_a_ramp_is_followed():
    true, seen = ticks(lambda k: 100 + 60 * min(1.0, k / (24 * 64)), 24 * 64)
    errors = next_tick_errors_ms(ClockFollower(), true, seen)[TICKS_PER_BEAT:]
    assert np.percentile(errors, 99) < 2.0


def test_continue_at_a_song_position_keeps_the_tempo_and_moves_the_beat():
    follower = ClockFollower()
    for k in range(48):
        follower.tick(k * 0.02)  # 125 BPM
    follower.start(beat=16.0)  # Song Position Pointer 64 (sixteenths), then Continue
    state = follower.tick(10.0)
    assert state.beat_at(10.0) == pytest.approx(16.0)
    assert state.tempo == pytest.approx(125.0)


def test_a_pause_in_the_stream_starts_a_new_fit():
    follower = ClockFollower()
    for k in range(48):
        follower.tick(k * 0.02)
    state = follower.tick(5.0)  # 4 s without ticks, then the clock goes on
    assert state.beat_at(5.0) == pytest.approx(2.0)
    for k in range(1, 24):
        state = follower.tick(5.0 + k * 0.025)
    assert state.tempo == pytest.approx(100.0, abs=0.5)


def test_the_naive_baseline_re_anchors_after_a_continue():
    follower = NaiveFollower()
    for k in range(48):
        follower.tick(k * 0.02)
    follower.start(beat=4.0)
    state = follower.tick(10.0)
    assert state.beat_at(10.0) == pytest.approx(4.0)
    follower.tick(10.0)  # two ticks at once: no zero period
    assert follower.state.tempo == pytest.approx(125.0)
