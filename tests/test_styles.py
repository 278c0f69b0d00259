"""The band's style: one word chooses what the comping and the drums play."""

import mido
import pytest

from improv.band.styles import STYLES, band_style
from improv.cli import main
from improv.commands import config
from improv.commands.band import ensemble_from
from improv.errors import ChartError
from improv.language import leadsheet
from improv.language.leadsheet import parse_text

from randmodel import write_random_model


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return write_random_model(tmp_path_factory.mktemp("model") / "m")


def test_the_chart_format_knows_every_style_the_band_plays():
    assert set(leadsheet.STYLES) == set(STYLES)


def test_a_style_names_each_parts_share_and_no_style_is_a_swing_or_a_waltz():
    assert band_style("", 4) == "swing" and band_style("", 3) == "waltz"
    assert band_style("bossa", 3) == "bossa"
    assert (STYLES["bossa"].comping, STYLES["bossa"].drums, STYLES["bossa"].straight) == \
        ("bossa", "bossa", True)


def test_a_text_chart_asks_for_a_style_and_a_wrong_one_is_named():
    assert parse_text("style: Bossa\n| Dm7 | G7 |").style == "bossa"
    with pytest.raises(ChartError, match="style 'samba' is not one improv plays"):
        parse_text("style: samba\n| Dm7 |", "tune.txt")


def band(cfg, chart_text):
    return ensemble_from(cfg, FakeValues(), 1, chart=parse_text(chart_text))


class FakeValues:
    def next_value(self):
        from improv.language.grammar import parse_value

        return parse_value("C,0.500")


def test_style_reaches_every_part_and_a_straight_one_stops_the_swing():
    cfg = config.default()
    swing = band(cfg, "| Dm7 | G7 |")
    assert swing.part("drums").style == "swing" and swing.stage.feel.timing == "learned"
    bossa = band(config.override(cfg, {"style": ("--style", "bossa")}), "| Dm7 | G7 |")
    assert bossa.part("drums").style == "bossa"
    assert bossa.part("comping")._settings.style == "bossa"
    assert (bossa.stage.feel.swing, bossa.stage.feel.timing) == (0.0, "grid")
    from_chart = band(cfg, "style: ballad\n| Dm7 | G7 |")
    assert from_chart.part("drums").style == "ballad"
    assert from_chart.part("bass")._settings.feel == "two"  # a ballad's bass in two
    assert swing.part("bass")._settings.feel == "walk"
    # a part's own table wins over the band's style
    own = config.override(cfg, {"comping.style": ("--comping-style", "charleston"),
                                "style": ("--style", "bossa")})
    assert band(own, "| C7 |").part("comping")._settings.style == "charleston"


def test_no_solo_and_no_drums_leave_their_tracks_out(model, tmp_path):
    out = tmp_path / "band.mid"
    assert main(["play", "--model", str(model), "--out", str(out), "-q", "--bars", "2",
                 "--seed", "1", "--no-solo", "--style", "even8"]) == 0
    names = [t.name for t in mido.MidiFile(out).tracks]
    notes = {t.name: sum(m.type == "note_on" for m in t) for t in mido.MidiFile(out).tracks}
    assert names[:1] == ["improv"] and notes["melody"] == 0 and notes["drums"] > 0
    assert main(["play", "--model", str(model), "--out", str(out), "-q", "--bars", "2",
                 "--seed", "1", "--no-drums"]) == 0
    assert "drums" not in [t.name for t in mido.MidiFile(out).tracks]
    assert main(["play", "--model", str(model), "--out", str(out), "-q", "--bars", "2",
                 "--seed", "1", "--no-bass"]) == 0
    assert "bass" not in [t.name for t in mido.MidiFile(out).tracks]
