"""The model's calibration: classes, factors, the sampler's use of them, the file beside
the model, and ``improv calibrate`` fitting them."""

import json
import logging

import numpy as np
import pytest

from improv.cli import main
from improv.errors import ModelError
from improv.language import context
from improv.language.grammar import DEFAULT_LIMITS, Value
from improv.sampling import calibration, calibrationfile, phasetable, recency
from improv.sampling.calibration import (
    N_DURATIONS,
    N_INTERVALS,
    Calibration,
    duration_class,
    interval_class,
)
from improv.sampling.soloist import Soloist

from daemon_fakes import one_line_error
from randmodel import write_random_model
from weimar import WJD, weimar_copy

BANDS = len(context.TEMPO_EDGES) + 1


def test_a_value_is_classed_by_its_twelfths_and_the_interval_it_was_encoded_from():
    assert duration_class(Value("C", 1 / 6, -1, 5)) == 1  # two twelfths
    assert duration_class(Value("C", 0.5)) == 5 and duration_class(Value("R", 1.0)) == 11
    assert duration_class(Value("C", 1.5)) == 12 and duration_class(Value("C", 4.0)) == 13
    assert interval_class(Value("C", 0.5, -1, 5)) == 2  # encoded from +2
    assert interval_class(Value("S", 0.5, -15, -9)) == 12
    assert interval_class(Value("S", 0.5, -20, -14)) == 13  # wider than an octave
    assert interval_class(Value("C", 0.5)) == 14  # a phrase's first note


def row(width, **at):
    out = [1.0] * width
    for k, v in at.items():
        out[int(k[1:])] = v
    return tuple(out)


def test_a_note_value_takes_its_duration_and_interval_factor_and_a_rest_none():
    table = Calibration((row(N_DURATIONS, d5=2.0),) * BANDS,
                        (row(N_INTERVALS, i1=0.5),) * BANDS)
    values = [Value("C", 0.5, -2, 4), Value("C", 0.25, -2, 4), Value("R", 0.5)]
    f = table.factors(values)
    assert f.shape == (BANDS, 3) and f[0].tolist() == [1.0, 0.5, 1.0]
    with pytest.raises(ValueError):
        Calibration((row(N_DURATIONS),), (row(N_INTERVALS, i0=1000.0),))


def ramped(band_of_interest: int) -> Calibration:
    """Eighth notes ten times as likely in one band, nothing else moved."""
    d = [row(N_DURATIONS)] * BANDS
    d[band_of_interest] = row(N_DURATIONS, d5=10.0)
    return Calibration(tuple(d), (row(N_INTERVALS),) * BANDS)


def test_the_sampler_moves_notes_among_themselves_in_the_band_it_plays_in(tmp_path):
    model = write_random_model(tmp_path / "m", seed=5, conditioned=True)
    band = context.tempo_slot(200.0) - context.TEMPO_OFFSET
    at_200 = lambda t: context.no_chart(t, 200.0)  # noqa: E731
    draws = {}
    for name, table in (("plain", None), ("here", ramped(band)), ("elsewhere", ramped(0))):
        soloist = Soloist.load(model, seed=2)
        soloist = Soloist(soloist.generator, soloist.settings, table)
        soloist.follow(at_200)
        draws[name] = [soloist.next_value() for _ in range(3000)]

    def share(values, test):
        return sum(map(test, values)) / len(values)

    eighth = lambda v: not v.is_rest and v.duration == 0.5  # noqa: E731
    rest = lambda v: v.is_rest  # noqa: E731
    assert share(draws["here"], eighth) > 2 * share(draws["plain"], eighth)
    assert draws["elsewhere"] == draws["plain"]  # another band's factors change nothing
    # notes kept their share against the rests (within the noise of 3,000 draws)
    assert share(draws["here"], rest) == pytest.approx(share(draws["plain"], rest), abs=0.05)


def test_the_weights_keep_the_notes_total_and_leave_rests_alone(tmp_path):
    model = write_random_model(tmp_path / "m", seed=5, conditioned=True)
    soloist = Soloist.load(model, seed=2)
    soloist = Soloist(soloist.generator, soloist.settings, ramped(2))
    soloist.follow(lambda t: context.no_chart(t, 160.0))
    soloist.next_index()  # feeds a value: the context of the next is set
    w = np.random.default_rng(0).random(len(soloist.values))
    before = w.copy()
    band = context.tempo_slot(160.0) - context.TEMPO_OFFSET
    calibration.Calibrator(ramped(2), soloist.values).apply(w, band, None)
    notes = np.array([not v.is_rest for v in soloist.values])
    assert w[~notes].tolist() == before[~notes].tolist()
    assert w[notes].sum() == pytest.approx(before[notes].sum())
    eighths = np.array([not v.is_rest and v.duration == 0.5 for v in soloist.values])
    ratio = (w[eighths].sum() / w[notes & ~eighths].sum()) / (
        before[eighths].sum() / before[notes & ~eighths].sum())
    assert ratio == pytest.approx(10.0)


def test_a_model_without_the_tempo_or_with_calibrate_off_plays_as_it_is(tmp_path):
    for conditioned, settings in (("v2", {}), (True, {"calibrate": False})):
        model = write_random_model(tmp_path / f"m{conditioned}", seed=5, conditioned=conditioned)
        plain = Soloist.load(model, seed=2, **settings)
        calibrated = Soloist(plain.generator, plain.settings, ramped(3))
        assert calibrated._calibration is None


def test_the_soloist_weighs_where_a_note_lands_as_its_settings_say(tmp_path):
    import dataclasses

    model = write_random_model(tmp_path / "m", seed=5, conditioned=True)
    plain = Soloist.load(model, seed=2)
    assert plain.settings.landing  # the default
    table = dataclasses.replace(ramped(3), phase=phasetable.neutral(BANDS, N_DURATIONS))
    lands = Soloist(plain.generator, plain.settings, table)._calibration._phase
    fitted = Soloist(plain.generator, dataclasses.replace(plain.settings, landing=False),
                     table)._calibration._phase
    assert (fitted == 1).all() and lands.min() == min(phasetable.LANDING) and \
        (lands[:3] == 1).all()


def test_the_file_beside_the_model_is_read_checked_and_refused_when_stale(tmp_path, caplog):
    model = write_random_model(tmp_path / "m", seed=5, conditioned=True)
    sha = json.loads((model / "model.json").read_text())["weights_sha256"]
    assert calibrationfile.calibration_for(model) is None  # none written
    table = ramped(1)
    (model / calibrationfile.FILE).write_text(calibrationfile.to_json(table, sha, "test"))
    assert calibrationfile.calibration_for(model) == table
    assert Soloist.load(model, seed=1)._calibration is not None
    older = json.loads(calibrationfile.to_json(table, sha, "test"))
    del older["pull"], older["run"]  # a file from before the pull and the run: neutral ones
    (model / calibrationfile.FILE).write_text(json.dumps(older))
    assert calibrationfile.calibration_for(model) == table  # ramped() has a neutral pull
    (model / calibrationfile.FILE).write_text(calibrationfile.to_json(table, "0" * 64, "test"))
    with caplog.at_level(logging.WARNING):
        assert calibrationfile.calibration_for(model) is None
    assert "another model" in caplog.text
    huge = calibrationfile.to_json(table, sha, "test").replace("10.0", "1" + "0" * 400, 1)
    narrow = json.loads(calibrationfile.to_json(table, sha, "test"))
    narrow["rest"] = [[1.0] * 3] * BANDS  # rest rows of the wrong width
    for broken in ("{", "[]", json.dumps({"format": "other"}), "[" * 200_000, huge,
                   json.dumps({"format": calibrationfile.FORMAT, "weights_sha256": sha}),
                   json.dumps(narrow), json.dumps({**narrow, "rest": None})):
        (model / calibrationfile.FILE).write_text(broken)
        with pytest.raises(ModelError, match="calibrate = false"):
            calibrationfile.calibration_for(model)
    assert Soloist.load(model, seed=1, calibrate=False)._calibration is None  # not read
    (model / calibrationfile.FILE).write_bytes(b" " * (calibrationfile.MAX_BYTES + 1))
    with pytest.raises(ModelError, match="more than") as caught:
        calibrationfile.calibration_for(model)
    assert "not a calibration" not in str(caught.value)  # said once, not wrapped again


def test_the_shipped_model_plays_with_its_own_calibration():
    """A retrained model without a refitted calibration would only warn: caught here."""
    table = calibrationfile.calibration_for(None)
    assert table is not None and table != Calibration.neutral(BANDS)


def test_refit_moves_each_factor_towards_the_players_share():
    from improv.commands.making.calibrate import counts
    from improv.commands.making.refit import MIN_COUNT, refit

    table = Calibration.neutral(BANDS)
    target, drawn = counts(BANDS), counts(BANDS)
    target[0][0, [2, 5]] = [600, 400]  # the players: 60% sixteenths, 40% eighths
    drawn[0][0, [2, 5]] = [400, 600]  # drawn: the other way round
    drawn[0][0, 7] = MIN_COUNT - 1  # too rare to judge
    target[2][4] = [300, 300, 0, 200, 200]  # far above the middle, the players go down
    drawn[2][4] = [100, 300, 0, 300, 300]
    moved = refit(table, target, drawn)
    assert moved.duration[0][2] > 1.0 > moved.duration[0][5]
    assert moved.duration[0][7] == 1.0 and moved.duration[1] == table.duration[1]
    assert moved.interval == table.interval
    assert moved.pull[4][0] > moved.pull[4][1] == 1.0 > moved.pull[4][3] == moved.pull[4][4]
    assert moved.pull[:4] == table.pull[:4]


def test_refit_moves_each_player_towards_its_own_solo():
    """A player whose renders as itself lean less to sixteenths than its solo did gets
    more of them; one not rendered, or with renders that lean as its solo did, keeps its
    factors; the band's factors move what the band shares."""
    from improv.commands.making.calibrate import counts
    from improv.commands.making import refit
    from improv.commands.making.refit import players_moved
    from improv.sampling import persona

    flat = (1.0,) * N_DURATIONS, (1.0,) * N_INTERVALS
    a, b, c, d = (persona.Player(name, 0.0, *flat, band=0) for name in "ABCD")
    target, drawn = counts(BANDS), counts(BANDS)
    target[0][0, [2, 5]] = [500, 500]  # the band: half sixteenths, half eighths
    drawn[0][0, [2, 5]] = [200, 600]  # its renders: fewer sixteenths (the band's to move)
    target[1][0, [1, 2]] = drawn[1][0, [1, 2]] = [500, 500]
    one = lambda d2, d5: (np.array([0, 0, d2, 0, 0, d5] + [0] * 8, float),  # noqa: E731
                          np.array([0, 50, 50] + [0] * 12, float))
    own = {"A": one(300, 100), "C": one(3000, 1000), "D": one(100, 100)}
    rendered = {"A": one(100, 300), "C": one(2000, 2000), "D": one(100, 300)}
    moved = dict(zip("ABCD", players_moved((a, b, c, d), own, rendered, target, drawn)))
    assert moved["A"].duration[2] > 1.0 > moved["A"].duration[5]  # leans less than its own
    assert moved["B"] == b  # not rendered
    # its renders lean against theirs as its solo did against the band (3:1)
    assert moved["C"].duration == pytest.approx(c.duration, abs=0.01)
    assert moved["D"].duration == d.duration  # the band's lean is the band's to move
    assert all(p.interval[-1] == 1.0 for p in moved.values())  # a phrase's first note
    target[0][0, 7] = drawn[0][0, 7] = 100  # the band plays long eighths; A's renders none
    for seen, moves in ((refit.PLAYER_MIN - 1, False), (refit.PLAYER_MIN, True)):
        rare = {"A": one(300, 100)}, {"A": one(100, 300)}
        rare[0]["A"][0][7] = seen  # too few to judge by, then just enough
        assert (players_moved((a,), *rare, target, drawn)[0].duration[7] > 1.0) == moves
    far = {"A": one(3000, 1)}, {"A": one(1, 3000)}
    step = players_moved((a,), *far, target, drawn)[0]  # a round moves it so far only
    assert step.duration[2] / step.duration[5] <= refit.PLAYER_STEP ** (2 * refit.DAMPING)
    for _ in range(20):  # however far, inside a player's limits
        a = players_moved((a,), *far, target, drawn)[0]
    assert persona.LOW <= a.duration[5] < 0.5 and 2.0 < a.duration[2] <= persona.HIGH
    assert min(a.duration) >= persona.LOW and max(a.duration) <= persona.HIGH


def test_the_pull_leads_the_line_back_towards_the_middle_of_the_register():
    values = [Value("C", 0.5, -7, -1), Value("C", 0.5, 1, 7), Value("R", 0.5), Value("C", 0.5)]
    assert [calibration.step_class(v) for v in values] == [1, 3, None, None]
    pull = [row(calibration.N_STEPS)] * calibration.N_OFFSETS
    pull[4] = row(calibration.N_STEPS, i1=4.0)  # far above the middle: down
    table = Calibration((row(N_DURATIONS),) * BANDS, (row(N_INTERVALS),) * BANDS, tuple(pull))
    work = calibration.Calibrator(table, values)
    w = np.full(4, 0.25)
    work.apply(w, 0, (80, (), 52, 84))  # 80 lies 12 above the middle, 68: bin 4
    assert w.tolist() == pytest.approx([0.5, 0.125, 0.25, 0.125])  # the notes keep 0.75
    same = np.full(4, 0.25)
    work.apply(same, 0, (68, (), 52, 84))  # in the middle: nothing moves
    assert same.tolist() == [0.25] * 4


@pytest.mark.skipif(not (WJD / "melody").is_dir(), reason="the Weimar Jazz Database is absent")
def test_the_calibrate_command_fits_and_saves_what_the_player_reads(tmp_path, capsys,
                                                                   monkeypatch):
    from improv.commands.making import refit

    monkeypatch.setattr(refit, "MIN_COUNT", 5)  # a random model over 3 x 16 bars
    landed = []  # the fit renders without the nudge at play (phasetable.LANDING)
    plain = calibration.Calibrator.__init__

    def heard(self, table, values, player=None, landing=False):
        landed.append(landing)
        plain(self, table, values, player, landing)

    monkeypatch.setattr(calibration.Calibrator, "__init__", heard)
    # two solos at 110-150 BPM, one at 150-190
    folder = weimar_copy(tmp_path, "ZootSims_KingDavid_Solo.csv", "ArtPepper_Desafinado_Solo.csv",
                         "ZootSims_DancingInTheDark-1_Solo.csv")
    model = write_random_model(tmp_path / "m", seed=5, conditioned=True)
    out = model / calibrationfile.FILE
    assert main(["calibrate", "--wjazzd", str(folder), "--model", str(model), "--bars", "16",
                 "--rounds", "1", "--save", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "round 0:" in printed and "round 1:" in printed
    assert landed and not any(landed)
    table = calibrationfile.calibration_for(model)
    assert table is not None and table != Calibration.neutral(BANDS)
    # each solo is a player to play as, the factors fitted with them drawn
    assert {p.solo for p in table.players} == {"ZootSims_KingDavid_Solo",
                                               "ArtPepper_Desafinado_Solo",
                                               "ZootSims_DancingInTheDark-1_Solo"}
    assert "3 of them to play as" in printed
    # each played as itself and moved towards its own solo against the others of its
    # band; one alone in its band leans as the band does, which the band's factors fit
    assert "3 players against their own solos" in printed
    from improv.commands.making.calibrate import corpus_counts
    from improv.learning.wjd import load_solo_piece, solo_paths

    _, counted, _ = corpus_counts(solo_paths(folder), BANDS)
    counted = {p.solo: p for p in counted}
    for player in table.players:
        alone = player.solo == "ZootSims_KingDavid_Solo"
        assert (player == counted[player.solo]) == alone

    for player in table.players:  # where its solo sat, against the default limits' middle
        piece = load_solo_piece(folder / "melody" / f"{player.solo}.csv", cache=False)
        median = np.median([e.pitch for e in piece.events() if e.pitch is not None])
        middle = (DEFAULT_LIMITS.low + DEFAULT_LIMITS.high) / 2  # 66: A♭2-E6's
        assert player.register == pytest.approx(min(max(median - middle, -12), 12), abs=0.01)
    assert json.loads(out.read_text())["made_by"].startswith("improv calibrate --wjazzd wjazzd")
    # fitted with the lengths just played heard again, and it says with what weight
    assert table.recency == (recency.WEIGHT, recency.NOTES, recency.DECAY)
    assert json.loads(out.read_text())["recency"] == list(table.recency)
    # and the lengths by where in the beat they start, moved from 1 where both sides
    # played enough
    assert len(table.phase) == BANDS and table.phase != phasetable.neutral(BANDS, N_DURATIONS)
    for weight, heard in (("0", ()), ("2.5", (2.5, recency.NOTES, recency.DECAY))):
        assert main(["calibrate", "--wjazzd", str(folder), "--model", str(model), "--bars",
                     "4", "--rounds", "1", "--recency", weight, "--save", str(out)]) == 0
        assert calibrationfile.calibration_for(model).recency == heard  # 0: a file as before
        assert json.loads(out.read_text())["made_by"].endswith(f"--recency {weight}")
    capsys.readouterr()
    for weight in ("-1", "11", "nan"):
        one_line_error(capsys, ["calibrate", "--wjazzd", str(folder), "--model", str(model),
                                "--recency", weight], "--recency")
    one_line_error(capsys, ["calibrate", "--wjazzd", str(tmp_path / "none")], "not at")
    one_line_error(capsys, ["calibrate", "--wjazzd", str(folder), "--model", str(model),
                            "--save", str(tmp_path / "no" / "c.json")], "--save")
    for own in ("model.json", "vocab.json"):  # never over the model's own files
        one_line_error(capsys, ["calibrate", "--wjazzd", str(folder), "--model", str(model),
                                "--save", str(model / own)], "--save")
    one_line_error(capsys, ["calibrate", "--wjazzd", str(folder), "--model",
                            str(tmp_path / "absent")], "absent")
    old = write_random_model(tmp_path / "v2", seed=5, conditioned="v2")
    one_line_error(capsys, ["calibrate", "--wjazzd", str(folder), "--model", str(old)],
                   "tempo")


@pytest.mark.skipif(not (WJD / "melody").is_dir(), reason="the Weimar Jazz Database is absent")
def test_the_fit_renders_each_solo_with_as_many_seeds_as_asked(tmp_path, capsys):
    from improv.commands.making.calibrate import render_jobs

    folder = weimar_copy(tmp_path, "ZootSims_KingDavid_Solo.csv", "ArtPepper_Desafinado_Solo.csv")
    paths = sorted((folder / "melody").glob("*.csv"))
    one, three = render_jobs(paths, 4), render_jobs(paths, 4, seeds=3)
    assert len(one) == 2 and len(three) == 6
    assert [job[2] for job in three[::3]] == [job[2] for job in one]  # the first: as with one
    for k in range(2):  # each solo's own changes and tempo, each time another seed
        jobs = three[3 * k:3 * k + 3]
        assert len({job[2] for job in jobs}) == 3 and len({job[1] for job in jobs}) == 1
        assert all(job[0] is jobs[0][0] for job in jobs)
    one_line_error(capsys, ["calibrate", "--wjazzd", str(folder), "--seeds", "0"], "--seeds")


def test_a_run_of_steps_is_heard_by_its_direction_and_length():
    up, down = Value("C", 0.5, -4, 8), Value("S", 0.5, -8, 4)  # encoded from +2 and -2
    leap, rest, first = Value("C", 0.5, 2, 8), Value("R", 0.5), Value("C", 0.5)
    assert [calibration.step_of(v) for v in (up, down, leap, rest, first)] == [1, -1, 0, 0, 0]
    run_of = calibration.run_of
    assert run_of([]) is None and run_of([0, 1, 1]) is None  # a leap last: no run
    assert run_of([1]) == (calibration.UP, 0) and run_of([-1, -1, 1]) == (calibration.DOWN, 1)
    assert run_of([1] * 9) == (calibration.UP, calibration.RUN_LENGTHS - 1)  # 4 or more


def test_the_run_factor_weighs_the_step_that_goes_on():
    values = [Value("C", 0.5, -4, 8), Value("S", 0.5, -8, 4), Value("C", 0.5, 2, 8),
              Value("R", 0.5)]
    run = ((1.0, 3.0, 1.0, 1.0), (1.0,) * 4)  # up, after two steps up: three times as likely
    table = Calibration((row(N_DURATIONS),) * BANDS, (row(N_INTERVALS),) * BANDS, run=run)
    work = calibration.Calibrator(table, values)
    w = np.full(4, 0.25)
    work.apply(w, 0, None, [(0, ()), (0, ()), (2, ())])  # two steps up played last
    assert work.last_run == (calibration.UP, 1)
    assert w.tolist() == pytest.approx([0.45, 0.15, 0.15, 0.25])  # the notes keep 0.75
    same = np.full(4, 0.25)
    work.apply(same, 0, None, [(0, ()), (2, ())])  # one step up: its factor is 1
    assert same.tolist() == [0.25] * 4


def test_the_sampler_hears_the_run_it_plays(tmp_path):
    model = write_random_model(tmp_path / "m", seed=5, conditioned=True)
    base = Soloist.load(model, seed=2)
    going = {}
    for name, factor in (("plain", 1.0), ("momentum", 8.0)):
        table = Calibration((row(N_DURATIONS),) * BANDS, (row(N_INTERVALS),) * BANDS,
                            run=((factor,) * 4, (factor,) * 4))
        soloist = Soloist(base.generator, base.settings, table)
        heard = []
        soloist.observer = lambda index, place, s=soloist: heard.append(
            (s.calibrator.last_run, calibration.step_of(s.values[index])))
        for _ in range(3000):
            soloist.next_index()
        runs = [(run, step) for run, step in heard if run is not None]
        going[name] = sum(step == (1 if run[0] == calibration.UP else -1)
                          for run, step in runs) / len(runs)
    assert going["momentum"] > going["plain"] + 0.1


def test_refit_moves_the_run_by_the_odds_of_going_on():
    from improv.commands.making.refit import run_moved

    target = np.zeros((2, calibration.RUN_LENGTHS, 2))
    drawn = np.zeros_like(target)
    target[0, 2] = [800, 200]  # after three steps up the players go on 80% of the time
    drawn[0, 2] = [500, 500]
    target[1, 0] = [10, 10]  # too few to judge
    drawn[1, 0] = [5, 50]
    moved = run_moved(Calibration.neutral(BANDS).run, target, drawn)
    assert moved[0][2] > 1.0 and moved[0][:2] == (1.0, 1.0) and moved[1] == (1.0,) * 4


def test_rests_inside_a_phrase_move_against_the_notes_and_elsewhere_keep_still():
    values = [Value("C", 0.5, -4, 8), Value("R", 0.25), Value("R", 1.0)]
    rest = [row(N_DURATIONS)] * BANDS
    rest[2] = row(N_DURATIONS, d2=0.5)  # sixteenth rests half as likely at 150-190 BPM
    table = Calibration((row(N_DURATIONS),) * BANDS, (row(N_INTERVALS),) * BANDS,
                        rest=tuple(rest))
    work = calibration.Calibrator(table, values)
    inside = np.full(3, 1 / 3)
    work.apply(inside, 2, None, (), inside=True)
    assert inside.tolist() == pytest.approx([1 / 3, 1 / 6, 1 / 3]) and work.last_inside
    outside = np.full(3, 1 / 3)
    work.apply(outside, 2, None, (), inside=False)  # a gap or a phrase's start: as drawn
    assert outside.tolist() == pytest.approx([1 / 3] * 3) and not work.last_inside
    elsewhere = np.full(3, 1 / 3)
    work.apply(elsewhere, 0, None, (), inside=True)  # another band's rests
    assert elsewhere.tolist() == pytest.approx([1 / 3] * 3)
    with pytest.raises(ValueError):
        Calibration((row(N_DURATIONS),) * BANDS, (row(N_INTERVALS),) * BANDS,
                    rest=(row(N_DURATIONS),))  # one band's rests for six


def test_refit_moves_the_rests_inside_a_phrase_by_their_share_against_the_notes():
    from improv.commands.making.refit import MIN_COUNT, rest_moved

    target = np.zeros((BANDS, N_DURATIONS + 1))
    drawn = np.zeros_like(target)
    target[1, [2, 5, -1]] = [100, 50, 1000]  # per note: 0.10 sixteenth rests, 0.05 eighth
    drawn[1, [2, 5, -1]] = [200, 50, 1000]  # drawn: twice the sixteenth rests
    target[1, 7], drawn[1, 7] = 500, MIN_COUNT - 1  # too rare to judge
    moved = rest_moved(Calibration.neutral(BANDS).rest, target, drawn)
    assert moved[1][2] < 1.0 and moved[1][5] == 1.0 and moved[1][7] == 1.0
    assert moved[0] == (1.0,) * N_DURATIONS  # nothing counted there


def phase_with(band: int, twelfth: int, cls: int, factor: float) -> tuple:
    """A phase table of factors 1 but one: a length ``cls`` started ``twelfth`` twelfths
    into the beat in ``band``."""
    table = [[list(r) for r in plane] for plane in phasetable.neutral(BANDS, N_DURATIONS)]
    table[band][twelfth][cls] = factor
    return tuple(tuple(tuple(r) for r in plane) for plane in table)


def test_the_phase_weighs_a_length_by_where_in_the_beat_it_starts():
    values = [Value("C", 0.5, -4, 8), Value("C", 1 / 3, -4, 8), Value("R", 0.5)]
    table = Calibration((row(N_DURATIONS),) * BANDS, (row(N_INTERVALS),) * BANDS,
                        phase=phase_with(3, 8, 5, 0.25))  # an eighth two triplets in
    work = calibration.Calibrator(table, values)
    w = np.full(3, 1 / 3)
    work.apply(w, 3, None, (), phase=20)  # 20 twelfths from the top: 8 into its beat
    assert work.last_phase == 20
    # the eighth a quarter as likely against the triplet, the notes keeping 2/3, the rest
    # as it was
    assert w.tolist() == pytest.approx([2 / 3 * 0.2, 2 / 3 * 0.8, 1 / 3])
    for band, phase in ((3, 6), (2, 8), (3, None)):  # elsewhere in the beat, another
        same = np.full(3, 1 / 3)  # band, or where the value starts not known: as drawn
        work.apply(same, band, None, (), phase=phase)
        assert same.tolist() == pytest.approx([1 / 3] * 3)
    plain = calibration.Calibrator(Calibration.neutral(BANDS), values)  # no table
    w = np.full(3, 1 / 3)
    plain.apply(w, 3, None, (), phase=8)
    assert w.tolist() == pytest.approx([1 / 3] * 3) and plain.last_phase == 8


def test_with_landing_a_note_ending_a_sextuplet_off_a_fast_beat_is_weighed_down():
    """The players seldom start a note 2/12 or 10/12 into a fast beat; improv got there
    after lengths whose start the fitted shares could not fault."""
    classes = np.array([1, 5, 5, 3, 12, 5])  # a sextuplet, eighths, a triplet, 13+, a rest
    notes = np.array([True, True, True, True, True, False])
    table = phasetable.neutral(BANDS, N_DURATIONS)
    out = phasetable.factors(table, notes, classes, landing=True)
    assert out.shape == (BANDS, phasetable.PLACES, 6)
    fast = phasetable.LANDING[4]
    assert fast < 1 and phasetable.LANDING[:3] == (1.0, 1.0, 1.0)
    assert out[4, 0].tolist() == pytest.approx([fast, 1, 1, 1, 1, 1])  # 0 -> 2
    assert out[4, 4].tolist() == pytest.approx([1, fast, fast, 1, 1, 1])  # 4 -> 10
    assert out[4, 6].tolist() == pytest.approx([1, 1, 1, fast, 1, 1])  # 6 -> 10
    assert (out[:3] == 1).all()  # under 190 BPM: the fitted factors alone
    assert (phasetable.factors(table, notes, classes) == 1).all()  # without: as fitted
    assert phasetable.factors((), notes, classes, landing=True) is None  # no table
    values = [Value("C", 0.5, -4, 8), Value("C", 0.25, -4, 8), Value("R", 0.5)]
    fitted = Calibration((row(N_DURATIONS),) * BANDS, (row(N_INTERVALS),) * BANDS,
                         phase=table)
    for landing, eighth in ((True, phasetable.LANDING[3]), (False, 1.0)):
        w = np.full(3, 1 / 3)  # from two triplets in, an eighth lands 2/12 past the beat
        calibration.Calibrator(fitted, values, landing=landing).apply(w, 3, None, (), phase=8)
        assert w[0] / w[1] == pytest.approx(eighth) and w[2] == pytest.approx(1 / 3)


def test_the_phase_is_written_read_and_checked():
    table = Calibration.neutral(BANDS)
    table = Calibration(table.duration, table.interval, phase=phase_with(4, 2, 1, 0.5))
    data = json.loads(calibrationfile.to_json(table, "abc", "test"))
    assert data["phase"][4][2][1] == 0.5 and Calibration.from_dict(data) == table
    del data["phase"]  # a file from before it: none, every length as its own factor says
    assert Calibration.from_dict(data).phase == ()
    for bad in (phasetable.neutral(BANDS - 1, N_DURATIONS),  # a band short
                phase_with(0, 0, 0, phasetable.LIMIT * 2),  # past the limit
                (((1.0,) * N_DURATIONS,) * 11,) * BANDS):  # eleven twelfths
        with pytest.raises(ValueError):
            Calibration(table.duration, table.interval, phase=bad)
    data["phase"] = "late"
    with pytest.raises(ValueError):
        Calibration.from_dict(data)


def test_the_sampler_hears_where_in_the_beat_each_value_starts(tmp_path):
    model = write_random_model(tmp_path / "m", seed=5, conditioned=True)
    base = Soloist.load(model, seed=2)
    band = context.tempo_slot(120.0) - context.TEMPO_OFFSET
    shares = {}
    for name, factor in (("plain", 1.0), ("no eighths on the beat", 1 / phasetable.LIMIT)):
        table = Calibration((row(N_DURATIONS),) * BANDS, (row(N_INTERVALS),) * BANDS,
                            phase=phase_with(band, 0, 5, factor))
        soloist = Soloist(base.generator, base.settings, table)
        soloist.follow(lambda t: context.no_chart(t, 120.0))
        heard, at = [], [0]
        soloist.observer = lambda index, place, s=soloist: heard.append(
            (s.calibrator.last_phase, at[0], s.values[index]))

        for _ in range(3000):
            index = soloist.next_index()
            at[0] += round(soloist.values[index].duration * 12)
        assert all(phase == start % 12 for phase, start, _ in heard)  # twelfths into its beat
        on_beat = [v for phase, _, v in heard if phase == 0 and not v.is_rest]
        shares[name] = sum(v.duration == 0.5 for v in on_beat) / len(on_beat)
    assert shares["no eighths on the beat"] < 0.6 * shares["plain"]


def test_refit_moves_the_phase_by_the_share_at_each_twelfth_not_the_length_own():
    from improv.commands.making.calibrate import count_phase, counts
    from improv.commands.making.refit import PHASE_AT, phase_moved

    target, drawn = counts(BANDS)[PHASE_AT], counts(BANDS)[PHASE_AT]
    # the players: eighths on the beat, triplets two triplets in; drawn: the other way
    target[4, 0, [5, 3]], target[4, 8, [5, 3]] = [800, 200], [200, 800]
    drawn[4, 0, [5, 3]], drawn[4, 8, [5, 3]] = [200, 800], [800, 200]
    moved = phase_moved(phasetable.neutral(BANDS, N_DURATIONS), target, drawn)
    assert moved[4][0][5] > 1.0 > moved[4][0][3] and moved[4][8][3] > 1.0 > moved[4][8][5]
    # each length's own share is even: its factors move it at one twelfth against another
    assert moved[4][0][5] * moved[4][8][5] == pytest.approx(1.0, abs=0.05)
    assert moved[4][4] == (1.0,) * N_DURATIONS
    assert moved[0] == phasetable.neutral(1, N_DURATIONS)[0]
    # a length improv plays at a twelfth where the players never do moves down there
    drawn[4, 4, 5] = 500
    again = phase_moved(phasetable.neutral(BANDS, N_DURATIONS), target, drawn)
    assert again[4][4][5] < 1.0 and again[4][1][5] == 1.0
    assert phase_moved((), target, drawn) == ()  # a table without a phase keeps none
    tally = np.zeros((phasetable.PLACES, N_DURATIONS))
    count_phase(tally, 14, Value("C", 0.5, -4, 8))  # 14 twelfths from the top: 2 into a beat
    count_phase(tally, 14, Value("R", 0.5))  # a rest: no length to weigh
    count_phase(tally, None, Value("C", 0.5, -4, 8))  # where it starts not known
    assert tally.sum() == 1 and tally[2, 5] == 1


def test_the_players_phase_is_counted_from_the_first_marked_beat(monkeypatch):
    from improv.commands.making.calibrate import corpus_counts
    from improv.commands.making.refit import PHASE_AT

    class Piece:  # the two calls corpus_counts makes of a corpus piece
        tempo = 200.0

        @staticmethod
        def values():
            return ["R,0.250", "C,0.333", "C,0.500,<M2,M2>", "R,0.500", "C,1.000,<m-3,m-3>"]

        @staticmethod
        def events():
            return []

    monkeypatch.setattr("improv.learning.wjd.load_solo_piece", lambda path: Piece())
    tallies, _players, _own = corpus_counts(["x.csv"], BANDS)
    band = context.tempo_slot(200.0) - context.TEMPO_OFFSET
    phase = tallies[PHASE_AT]
    # a triplet a sixteenth in, an eighth 7/12 in, and after its rest a quarter 7/12 into
    # the beat after next
    assert phase.sum() == 3 and phase[band, 3, 3] == phase[band, 7, 5] == 1
    assert phase[band, 7, 11] == 1
