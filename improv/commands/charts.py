"""Which chart the daemon plays: a lead-sheet file (``--chart``, ``chart =``) or the
``progression`` string in the ``time`` metre; read once, when playing starts or the
settings change."""

from __future__ import annotations

from pathlib import Path

from improv.errors import ChartError
from improv.files import read_limited
from improv.language.harmony import parse_progression
from improv.language.leadsheet import Chart, from_progression, parse_text, parse_time
from improv.settings import did_you_mean

MAX_CHART_BYTES = 5_000_000


def charts_dir() -> Path:
    """The charts shipped with improv (``data/charts``, beside the shipped models)."""
    from improv.model.modelfile import models_dir

    return models_dir().parent / "charts"


def shipped_charts() -> tuple[str, ...]:
    folder = charts_dir()
    return tuple(sorted(p.stem for p in folder.glob("*.txt"))) if folder.is_dir() else ()


def resolve(spec: Path | str) -> Path:
    """``--chart NAME|FILE``: a file, else the shipped chart of that name."""
    path = Path(spec).expanduser()
    if path.is_file() or "/" in str(spec):
        return path
    shipped = charts_dir() / f"{spec}.txt"
    return shipped if shipped.is_file() else path


def load_chart(path: Path | str) -> Chart:
    """A MusicXML lead sheet (``.musicxml``, ``.mxl``, ``.xml``), a text chart (any
    other name) or a shipped chart's name; a missing or unreadable file is one
    ChartError naming it."""
    from improv.language import musicxml

    path = resolve(path)
    try:
        data = read_limited(path, MAX_CHART_BYTES, "chart", ChartError)
    except FileNotFoundError:
        raise ChartError(f"chart {path} does not exist"
                         f"{did_you_mean(path.name, shipped_charts())}: give the path of a "
                         f"MusicXML lead sheet or a text chart (see the README), or a shipped "
                         f"chart: {', '.join(shipped_charts())}") from None
    except OSError as err:
        raise ChartError(f"chart {path} cannot be read ({err.strerror or err}): check its "
                         f"permissions") from err
    if path.suffix.lower() in musicxml.SUFFIXES:
        return musicxml.read(path, data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ChartError(f"{path}: cannot read it as UTF-8 text ({err}): a text chart is "
                         f"plain text; a MusicXML file ends in .musicxml, .mxl or .xml") from err
    return parse_text(text, str(path))


def chart_of(cfg) -> Chart:
    """The chart a config plays: its chart file, else its progression in its metre."""
    if cfg.chart:
        return load_chart(cfg.chart)
    return from_progression(parse_progression(cfg.progression), parse_time(cfg.time, "time"))
