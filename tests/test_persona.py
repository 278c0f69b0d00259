"""Playing as one Weimar soloist: a solo's factors against its band, the draw of one by
the seed, its register moving the pull's middle, and the file that carries them."""

import json

import numpy as np
import pytest

from improv.cli import main
from improv.errors import ModelError
from improv.language import context
from improv.language.grammar import Value
from improv.sampling import calibration, persona
from improv.sampling.calibration import N_DURATIONS, N_INTERVALS, Calibration, Calibrator
from improv.sampling.persona import Player, choose, from_counts, middle_shift, tilt
from improv.sampling.soloist import Soloist

from daemon_fakes import one_line_error
from randmodel import write_random_model

BANDS = len(context.TEMPO_EDGES) + 1


def player(name="A_B_Solo", register=0.0, **factors) -> Player:
    d, i = [1.0] * N_DURATIONS, [1.0] * N_INTERVALS
    for key, value in factors.items():
        (d if key[0] == "d" else i)[int(key[1:])] = value
    return Player(name, register, tuple(d), tuple(i))


def test_a_solo_is_told_by_what_it_plays_more_or_less_often_than_its_band():
    band = np.array([500.0, 300.0, 200.0, 0.0])
    own = np.array([50.0, 90.0, 20.0, 0.0])  # 160 notes: expected 80, 48, 32
    f = tilt(own, band)
    assert f[1] > 1.5 and f[0] < 0.75 and f[2] < 1.0
    assert f[3] == 1.0  # a class the band never plays
    rare = tilt(np.array([1000.0, 0.0]), np.array([999.0, 1.0]))
    assert rare[1] > 0.9  # one note expected, none played: chance, not a habit
    same = tilt(np.array([100.0, 60.0, 40.0]), np.array([500.0, 300.0, 200.0]))
    assert same == pytest.approx((1.0, 1.0, 1.0))
    assert min(tilt(np.array([0.0, 10000.0]), np.array([1.0, 1.0]))) == persona.LOW


def test_a_player_is_its_solo_against_its_band_and_the_players_median():
    d = np.ones(N_DURATIONS)
    i = np.ones(N_INTERVALS)
    p = from_counts("X_Y_Solo", 71.0, 65.0, d * 10, i * 10, d * 100, i * 100)
    assert p.register == 6.0 and p.interval[-1] == 1.0  # a phrase's first note: no factor
    assert from_counts("X", 90.0, 65.0, d, i, d, i).register == persona.MAX_REGISTER
    with pytest.raises(ValueError):
        player(register=13.0)
    with pytest.raises(ValueError):
        player(d3=100.0)
    assert Player.from_list(p.to_list()) == p
    with pytest.raises(ValueError):
        Player.from_list([3, 0.0, [], []])


def test_the_seed_chooses_the_player_from_a_stream_of_its_own():
    players = tuple(player(f"P{k}") for k in range(50))
    assert choose((), np.random.default_rng(1)) is None
    chosen = [choose(players, np.random.default_rng(seed)).solo for seed in range(40)]
    assert chosen == [choose(players, np.random.default_rng(seed)).solo for seed in range(40)]
    assert len(set(chosen)) > 20
    rng = np.random.default_rng(7)
    before = np.random.default_rng(7).random()
    choose(players, rng)
    assert rng.random() == before  # the soloist's own draws do not move


def test_the_player_is_one_who_played_at_the_tempo_the_solo_starts_at():
    """A player's factors are against its own tempo band: a ballad player's sixteenths
    at a fast tempo would make no player's solo."""
    slow = tuple(Player(f"S{k}", 0.0, (1.0,) * N_DURATIONS, (1.0,) * N_INTERVALS, 0)
                 for k in range(5))
    fast = tuple(Player(f"F{k}", 0.0, (1.0,) * N_DURATIONS, (1.0,) * N_INTERVALS, 4)
                 for k in range(5))
    players = slow + fast
    at_250 = {choose(players, np.random.default_rng(seed), 250.0).solo for seed in range(30)}
    at_80 = {choose(players, np.random.default_rng(seed), 80.0).solo for seed in range(30)}
    assert at_250 <= {p.solo for p in fast} and at_80 <= {p.solo for p in slow}
    assert len(at_250) > 2
    anywhere = {choose(players, np.random.default_rng(seed)).solo for seed in range(40)}
    assert anywhere & {p.solo for p in slow} and anywhere & {p.solo for p in fast}
    # a band nobody played in: the players pooled (a ballad player's habits at 250 BPM
    # would make no player's solo); a file without bands: any of them
    assert choose(slow, np.random.default_rng(1), 250.0) is None
    unbanded = tuple(Player(p.solo, 0.0, p.duration, p.interval) for p in slow)
    assert choose(unbanded, np.random.default_rng(1), 250.0) in unbanded
    assert Player.from_list(fast[0].to_list()) == fast[0]
    assert Player.from_list(["X", 0.0, [1.0] * N_DURATIONS, [1.0] * N_INTERVALS]).band is None


def test_a_players_register_moves_the_middle_as_far_as_the_limits_allow():
    assert middle_shift(5.0, 52, 84) == 5.0
    assert middle_shift(12.0, 52, 84) == 84 - persona.MARGIN - 68
    assert middle_shift(-12.0, 52, 84) == 52 + persona.MARGIN - 68
    assert middle_shift(7.0, 60, 72) == 0.0  # an octave: the middle stays


def test_the_calibrator_plays_the_players_factors_and_its_register():
    values = [Value("C", 0.5, -7, -1), Value("C", 0.25, 1, 7), Value("R", 0.5)]
    table = Calibration((tuple([1.0] * N_DURATIONS),) * BANDS,
                        (tuple([1.0] * N_INTERVALS),) * BANDS)
    eighths = player(d5=3.0)  # three times the eighth notes of its band
    w = np.full(3, 1 / 3)
    Calibrator(table, values, eighths).apply(w, 0, None)
    assert w.tolist() == pytest.approx([0.5, 1 / 6, 1 / 3])  # the rest keeps its share
    assert Calibrator(table, values, eighths).player is eighths
    high = Calibrator(table, values, player(register=8.0))
    plain = Calibrator(table, values)
    # 76 lies 8 above the middle of 52..84: far above it for the pooled players,
    # in the middle of a player whose register lies 8 higher
    assert plain.offset_bin((76, (), 52, 84)) == 3 and high.offset_bin((76, (), 52, 84)) == 2
    assert high.offset_bin((60, (), 52, 84)) == 0


def test_the_soloist_plays_as_the_player_its_seed_draws(tmp_path):
    model = write_random_model(tmp_path / "m", seed=5, conditioned=True)
    players = tuple(player(f"P{k}", d5=0.5 + k / 10) for k in range(30))
    table = Calibration.neutral(BANDS)
    table = Calibration(table.duration, table.interval, players=players)
    base = Soloist.load(model, seed=2)

    def soloist(seed, **settings):
        from dataclasses import replace
        return Soloist(base.generator, replace(base.settings, seed=seed, **settings), table)

    assert soloist(3).player == soloist(3).player and soloist(3).player in players
    assert len({soloist(seed).player.solo for seed in range(20)}) > 5
    assert soloist(3, player="pooled").player is None
    assert soloist(3, calibrate=False).player is None


def test_the_players_are_written_and_read_with_the_factors(tmp_path):
    model = write_random_model(tmp_path / "m", seed=5, conditioned=True)
    sha = json.loads((model / "model.json").read_text())["weights_sha256"]
    neutral = Calibration.neutral(BANDS)
    table = Calibration(neutral.duration, neutral.interval, players=(
        player("A_One_Solo", 2.5, d5=1.5), player("B_Two_Solo", -4.0)))
    path = model / calibration.FILE
    path.write_text(calibration.to_json(table, sha, "test"))
    assert calibration.calibration_for(model) == table
    older = json.loads(path.read_text())
    del older["players"]  # a file from before the players: the players pooled
    path.write_text(json.dumps(older))
    assert calibration.calibration_for(model).players == ()
    for broken in ({"players": {}}, {"players": [["A", 0.0, [1.0], [1.0]]]},
                   {"players": [["A", 40.0, [1.0] * N_DURATIONS, [1.0] * N_INTERVALS]]},
                   {"players": [["A", 0.0]]}):
        path.write_text(json.dumps({**older, **broken}))
        with pytest.raises(ModelError, match="calibrate = false"):
            calibration.calibration_for(model)


def test_the_player_setting_is_a_choice(tmp_path, capsys):
    config = tmp_path / "config.toml"
    config.write_text('[sampling]\nplayer = "nobody"\n')
    one_line_error(capsys, ["play", "--config", str(config), "--bars", "1", "--out",
                            str(tmp_path / "x.mid")], "player")
    config.write_text('[sampling]\nplayer = "pooled"\n')
    assert main(["play", "--config", str(config), "--bars", "1", "--out",
                 str(tmp_path / "x.mid")]) == 0
