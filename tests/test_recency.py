"""The lengths a line has just been playing, heard again: a cache over the last values'
duration classes, fitted into the calibration and kept in its file."""

import json

import numpy as np
import pytest

from improv.errors import ModelError
from improv.language import context
from improv.language.grammar import Value
from improv.sampling import calibration, calibrationfile, recency
from improv.sampling.calibration import N_DURATIONS, N_INTERVALS, Calibration
from improv.sampling.recency import Recency

BANDS = len(context.TEMPO_EDGES) + 1


def test_each_value_is_weighed_by_the_fading_share_of_its_length_just_played():
    classes = np.array([2, 5, -1, 7])  # a rest's class is -1
    cache = Recency(classes, weight=2.0, notes=3, decay=0.5)
    # the last played first: an eighth (5), a rest, a sixteenth (2), then one too far back
    f = cache.factors([(1, "ctx"), (2, "ctx"), (0, "ctx"), (0, "ctx")])
    total = 1.0 + 0.25  # the rest fills its place in the window, and adds nothing
    assert f.tolist() == pytest.approx([1 + 2 * 0.25 / total, 1 + 2 / total, 1.0, 1.0])
    assert cache.factors([(2, "ctx"), (2, "ctx")]) is None  # rests alone: nothing heard
    assert cache.factors([]) is None
    assert Recency(classes, weight=0.0).factors([(1, "ctx")]).tolist() == [1.0] * 4


@pytest.mark.parametrize("bad", [(-1.0, 12, 0.85), (1.0, 0, 0.85), (1.0, 12, 0.0),
                                 (1.0, 12, 1.5), (99.0, 12, 0.85), (1.0, 1000, 0.85)])
def test_a_recency_out_of_range_is_refused(bad):
    with pytest.raises(ValueError, match="recency"):
        Recency(np.array([0]), *bad)
    with pytest.raises(ValueError, match="recency"):
        Calibration(*neutral_rows(), recency=bad)


def neutral_rows():
    return ((1.0,) * N_DURATIONS,) * BANDS, ((1.0,) * N_INTERVALS,) * BANDS


def test_the_sampler_keeps_a_length_going_and_the_notes_their_share():
    values = [Value("C", 0.5, -2, 4), Value("C", 0.25, -2, 4), Value("S", 1.0, 1, 3),
              Value("R", 0.5)]
    plain = Calibration(*neutral_rows())
    heard = Calibration(*neutral_rows(), recency=(1.0, 12, 0.85))
    recent = [(0, None), (0, None), (1, None)]  # two eighths, the sixteenth before them
    w_plain, w_heard = np.ones(4), np.ones(4)
    calibration.Calibrator(plain, values).apply(w_plain, 0, None, recent)
    calibration.Calibrator(heard, values).apply(w_heard, 0, None, recent)
    assert w_plain.tolist() == [1.0] * 4
    assert w_heard[0] > w_heard[1] > w_heard[2]  # the eighth most, the unheard least
    assert w_heard[:3].sum() == pytest.approx(3.0) and w_heard[3] == 1.0  # rests kept


def test_the_file_keeps_the_recency_and_a_file_without_it_plays_as_before(tmp_path):
    heard = Calibration(*neutral_rows(), recency=(1.0, 12, 0.85))
    text = calibrationfile.to_json(heard, "abc", "test")
    assert json.loads(text)["recency"] == [1.0, 12, 0.85]
    assert Calibration.from_dict(json.loads(text)) == heard
    assert Calibration.from_dict(heard.to_dict()) == heard
    old = json.loads(text)
    del old["recency"]
    assert Calibration.from_dict(old).recency == ()
    assert "recency" not in calibrationfile.to_json(Calibration(*neutral_rows()), "abc", "t")
    for bad in ([1.0, 12], [1.0, 12.5, 0.85], [1.0, True, 0.85], "heavy", [1.0, 12, -1]):
        broken = json.loads(text)
        broken["recency"] = bad
        with pytest.raises(ValueError, match="recency"):
            Calibration.from_dict(broken)


def test_a_damaged_recency_in_the_file_beside_a_model_is_one_line(tmp_path):
    heard = Calibration(*neutral_rows(), recency=(1.0, 12, 0.85))
    data = json.loads(calibrationfile.to_json(heard, "abc", "test"))
    data["recency"] = [1.0, 12, "slow"]
    (tmp_path / calibrationfile.FILE).write_text(json.dumps(data))
    with pytest.raises(ModelError, match="calibrate = false") as err:
        calibrationfile.load(tmp_path, "abc", BANDS)
    assert "\n" not in str(err.value)


def test_the_shipped_calibration_plays_with_it_as_it_was_fitted():
    """data/models/wjazzd/calibration.json was fitted with the recency at its default
    weight (improv calibrate, each player fitted as itself: data/README)."""
    assert calibrationfile.calibration_for(None).recency == (recency.WEIGHT, recency.NOTES,
                                                         recency.DECAY)
