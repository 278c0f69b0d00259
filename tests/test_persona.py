"""Playing as one Weimar soloist: a solo's factors against its band, the draw of one by
the seed, its register moving the pull's middle, and the file that carries them."""

import json

import numpy as np
import pytest

from improv.cli import main
from improv.errors import ModelError
from improv.language import context
from improv.language.grammar import Value
from improv.sampling import calibrationfile, persona
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


def thirty_players(tmp_path):
    """A soloist of a random model, and a calibration of 30 players apart in eighths."""
    model = write_random_model(tmp_path / "m", seed=5, conditioned=True)
    players = tuple(player(f"P{k}", d5=0.5 + k / 10) for k in range(30))
    neutral = Calibration.neutral(BANDS)
    return Soloist.load(model, seed=2), players, Calibration(
        neutral.duration, neutral.interval, players=players)


def test_the_soloist_plays_as_the_player_its_seed_draws(tmp_path):
    base, players, table = thirty_players(tmp_path)

    def soloist(seed, **settings):
        from dataclasses import replace
        return Soloist(base.generator, replace(base.settings, seed=seed, **settings), table)

    assert soloist(3).player == soloist(3).player and soloist(3).player in players
    assert len({soloist(seed).player.solo for seed in range(20)}) > 5
    assert soloist(3, player="pooled").player is None
    assert soloist(3, calibrate=False).player is None


def test_the_soloist_plays_as_the_player_it_is_given(tmp_path):
    """How improv calibrate renders each solo's changes as that solo's own player."""
    base, players, table = thirty_players(tmp_path)
    drawn = Soloist(base.generator, base.settings, table).player
    given = next(p for p in players if p != drawn)
    assert Soloist(base.generator, base.settings, table, as_player=given).player is given
    from dataclasses import replace
    pooled = replace(base.settings, player="pooled")  # the setting still rules
    assert Soloist(base.generator, pooled, table, as_player=given).player is None
    # the draws are the seed's either way: the player moves the weights, not the stream
    # (one after the other: the soloists share the generator's state)
    a = Soloist(base.generator, base.settings, table, as_player=drawn)
    played = [a.next_index() for _ in range(40)]
    b = Soloist(base.generator, base.settings, table)
    assert [b.next_index() for _ in range(40)] == played


def test_the_players_are_written_and_read_with_the_factors(tmp_path):
    model = write_random_model(tmp_path / "m", seed=5, conditioned=True)
    sha = json.loads((model / "model.json").read_text())["weights_sha256"]
    neutral = Calibration.neutral(BANDS)
    table = Calibration(neutral.duration, neutral.interval, players=(
        player("A_One_Solo", 2.5, d5=1.5), player("B_Two_Solo", -4.0)))
    path = model / calibrationfile.FILE
    path.write_text(calibrationfile.to_json(table, sha, "test"))
    assert calibrationfile.calibration_for(model) == table
    older = json.loads(path.read_text())
    del older["players"]  # a file from before the players: the players pooled
    path.write_text(json.dumps(older))
    assert calibrationfile.calibration_for(model).players == ()
    for broken in ({"players": {}}, {"players": [["A", 0.0, [1.0], [1.0]]]},
                   {"players": [["A", 40.0, [1.0] * N_DURATIONS, [1.0] * N_INTERVALS]]},
                   {"players": [["A", 0.0]]}):
        path.write_text(json.dumps({**older, **broken}))
        with pytest.raises(ModelError, match="calibrate = false"):
            calibrationfile.calibration_for(model)


def test_the_player_setting_is_a_choice(tmp_path, capsys):
    config = tmp_path / "config.toml"
    config.write_text('[sampling]\nplayer = "nobody"\n')
    one_line_error(capsys, ["play", "--config", str(config), "--bars", "1", "--out",
                            str(tmp_path / "x.mid")], "player")
    config.write_text('[sampling]\nplayer = "pooled"\n')
    assert main(["play", "--config", str(config), "--bars", "1", "--out",
                 str(tmp_path / "x.mid")]) == 0


def test_a_players_compass_is_its_solos_lowest_and_highest_against_its_median():
    d, i = np.ones(N_DURATIONS), np.ones(N_INTERVALS)
    pitches = [50] + [60] * 50 + [62] * 48 + [80]
    p = from_counts("X_Y_Solo", 61.0, 66.0, d, i, d, i, pitches=pitches)
    lo, hi = np.percentile(pitches, persona.COMPASS_PERCENTILES) - 61.0
    assert p.compass == pytest.approx((lo, hi)) == (-11.0, 19.0)  # its lowest and highest
    assert from_counts("X", 61.0, 66.0, d, i, d, i).compass is None  # no pitches: none
    assert Player.from_list(p.to_list()) == p
    old = Player.from_list(["X", 0.0, [1.0] * N_DURATIONS, [1.0] * N_INTERVALS, 2])
    assert old.band == 2 and old.compass is None  # a file from before the compass
    for bad in ([-3.0], [2.0, 5.0], [-40.0, 5.0], "wide"):
        with pytest.raises(ValueError):
            Player.from_list(["X", 0.0, [1.0] * N_DURATIONS, [1.0] * N_INTERVALS, 2, bad])


def test_the_line_keeps_to_the_compass_around_where_the_register_moves_it():
    compass_limits = persona.compass_limits
    assert compass_limits(None, 44, 88) == (44, 88)
    assert compass_limits(player(), 44, 88) == (44, 88)  # no compass known
    low = Player("L", -8.0, (1.0,) * N_DURATIONS, (1.0,) * N_INTERVALS, 0, (-10.5, 9.2))
    assert compass_limits(low, 44, 88) == (47, 68)  # the middle 66 moved to 58
    assert compass_limits(low, 52, 84) == (52, 70)  # the middle 68 moved to 60, cut at 52
    narrow = Player("N", 0.0, (1.0,) * N_DURATIONS, (1.0,) * N_INTERVALS, 0, (-2.0, 3.0))
    lo, hi = compass_limits(narrow, 44, 88)
    assert hi - lo == persona.MIN_COMPASS and lo <= 64 and hi >= 69  # an octave at least
    assert abs((lo + hi) / 2 - 66.5) <= 1  # widened both ways, not only down
    assert compass_limits(narrow, 60, 72) == (60, 72)  # never outside the limits


def test_the_values_that_play_exactly_stay_inside_the_players_compass(tmp_path):
    """The sampler masks the values whose own interval would leave the compass (where
    some other fits), so a run keeps to its player's pitches."""
    model = write_random_model(tmp_path / "m", seed=5, conditioned=True)
    table = Calibration.neutral(BANDS)
    narrow = Player("N_Narrow_Solo", 0.0, (1.0,) * N_DURATIONS, (1.0,) * N_INTERVALS, None,
                    (-3.0, 3.0))
    table = Calibration(table.duration, table.interval, players=(narrow,))
    base = Soloist.load(model, seed=2)
    soloist = Soloist(base.generator, base.settings, table)
    assert soloist.player is narrow
    place = (66, ("C",) * 12, 44, 88)  # every pitch a chord tone: every value fits 44..88
    soloist.fit(lambda at: place)
    pitches = []
    for _ in range(300):
        value = soloist.next_value()
        if value.lo is not None and (value.lo + value.hi) % 2 == 0 and value.kind == "C":
            pitches.append(66 + (value.lo + value.hi) // 2)
    lo, hi = persona.compass_limits(narrow, 44, 88)
    assert pitches and all(lo <= p <= hi for p in pitches)
    assert Calibrator(table, soloist.values, narrow).inside(place) == (66, place[1], lo, hi)


def test_a_player_without_a_compass_is_written_as_before():
    assert len(player().to_list()) == 5  # what a reader from before the compass reads
    assert calibrationfile.FORMAT in calibrationfile.READS and "improv-calibration-1" in calibrationfile.READS


def test_phrases_start_inside_the_compass_and_a_phrase_window_keeps_its_own():
    """A phrase's first note (no interval to fit) is decoded inside the compass too; with
    register = "phrase" the window is the line's register and the compass stays out."""
    from fractions import Fraction

    from improv.band.chart import Progression
    from improv.band.melodysettings import Melody
    from improv.performance.feel import Feel

    from daemon_fakes import FakeSource, duo

    low = Player("L_Low_Solo", -10.0, (1.0,) * N_DURATIONS, (1.0,) * N_INTERVALS, None,
                 (-4.0, 4.0))

    class PlayingAs(FakeSource):
        player = low

        def fit(self, place_at, compass=True):
            self.compass = compass

    def starts(register):
        source = PlayingAs(["C,0.500", "R,1.000"])  # every note opens a phrase
        band = duo(source, Progression.parse("C7 | F7"), np.random.default_rng(4),
                   melody=Melody(register=register), feel=Feel(timing="grid"))
        return source, [n.pitch for n in band.advance(Fraction(120)) if n.channel == 1]

    lo, hi = persona.compass_limits(low, 44, 88)
    assert (lo, hi) == (50, 62)  # the middle 66 moved down to 56
    source, pitches = starts("full")
    assert source.compass is True and len(pitches) > 50 and all(lo <= p <= hi for p in pitches)
    source, pitches = starts("phrase")
    assert source.compass is False and max(pitches) > hi  # the windows wander past it
