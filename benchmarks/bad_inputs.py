"""Hostile and mistaken inputs, each run as a user would: exit code, the line said,
seconds and peak memory, and whether anything was lost.

Each case runs the command line of a checkout (``--repo``, default this one) in a fresh
temporary folder, in its own process, under a 4 GiB address-space limit and a timeout,
so a case that would read without end or eat the machine is reported, not suffered.
Comparing two commits (the cases are the ones issue 19 lists):

    git worktree add /tmp/before <commit>
    .venv/bin/python benchmarks/bad_inputs.py --repo /tmp/before > before.md
    .venv/bin/python benchmarks/bad_inputs.py > after.md

The goal: every case one line, exit 2, within 2 s and 200 MB, nothing lost.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
LIMIT_BYTES = 4 << 30
TIMEOUT = 60.0
MINIMAL_XML = ('<?xml version="1.0"?><score-partwise version="3.1"><part-list><score-part '
               'id="P1"><part-name>x</part-name></score-part></part-list><part id="P1">{bars}'
               '</part></score-partwise>')
F7_BAR = ('<measure number="{n}"><attributes><divisions>1</divisions><time><beats>4</beats>'
          '<beat-type>4</beat-type></time></attributes><harmony><root><root-step>F</root-step>'
          '</root><kind>dominant</kind></harmony><note><rest/><duration>4</duration></note>'
          '</measure>')
REST_BAR = ('<measure number="{n}"><harmony><root><root-step>B</root-step><root-alter>-1'
            '</root-alter></root><kind>dominant</kind></harmony><note><rest/><duration>4'
            '</duration></note></measure>')


def digest(path: Path) -> str:
    if not path.exists():
        return "absent"
    if path.is_dir():
        return ",".join(digest(p) for p in sorted(path.iterdir()))
    return hashlib.sha256(path.read_bytes()).hexdigest()


def kind(path: Path) -> str:
    mode = path.lstat().st_mode
    return ("char device" if stat.S_ISCHR(mode) else "fifo" if stat.S_ISFIFO(mode)
            else "directory" if stat.S_ISDIR(mode) else "file")


def device(d: Path) -> Path:
    node = d / "n.mid"
    try:
        os.mknod(node, stat.S_IFCHR | 0o600, os.makedev(1, 3))
    except PermissionError:
        os.mkfifo(node)
    return node


def write(name: str, text: str | bytes):
    def make(d: Path) -> Path:
        path = d / name
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
        return path
    return make


def mxl_bomb(d: Path) -> Path:
    path = d / "bomb.mxl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("META-INF/container.xml", '<container><rootfiles><rootfile '
                         'full-path="score.xml"/></rootfiles></container>')
        with archive.open("score.xml", "w", force_zip64=True) as member:
            block = b" " * (1 << 24)
            for _ in range(128):  # 2 GiB of spaces
                member.write(block)
    return path


def model99(d: Path, repo: Path) -> Path:
    out = d / "m99"
    shutil.copytree(repo / "data" / "models" / "wjazzd", out)
    meta = json.loads((out / "model.json").read_text())
    (out / "model.json").write_text(json.dumps(dict(meta, format=99)))
    return out


def config(text: str):
    return write("c.toml", text)


def cases(repo: Path):
    """(name, setup(dir) -> dict of paths, argv(paths), what must survive)."""
    corpus = HERE.parent / "shared" / "corpus"
    play = ["daemon.py"]
    return [
        ("--out onto a device node", lambda d: {"out": device(d)},
         lambda p: play + ["--out", str(p["out"]), "--bars", "2"], "out"),
        ("--out is the text chart", lambda d: {"chart": write("tune.txt", "| F7 | Bb7 |\n")(d)},
         lambda p: play + ["--chart", str(p["chart"]), "--out", str(p["chart"])], "chart"),
        ("--out is the MusicXML chart",
         lambda d: {"chart": write("tune.musicxml", MINIMAL_XML.format(
             bars=F7_BAR.format(n=1)))(d)},
         lambda p: play + ["--chart", str(p["chart"]), "--out", str(p["chart"])], "chart"),
        ("--out solo.mp3", lambda d: {}, lambda p: play + ["--out", "solo.mp3", "--bars", "2"], None),
        ("--out x.txt", lambda d: {}, lambda p: play + ["--out", "x.txt", "--bars", "2"], None),
        ("--out ''", lambda d: {}, lambda p: play + ["--out", "", "--bars", "1"], None),
        ("--out x.mid --synth", lambda d: {},
         lambda p: play + ["--out", "x.mid", "--synth", "--bars", "2"], None),
        ("--chart X --progression Y", lambda d: {},
         lambda p: play + ["--chart", "blues-in-f", "--progression", "Dm7 | G7", "--out",
                           "x.mid", "--bars", "2"], None),
        ("--progression 'Dm7, G7, Cmaj7'", lambda d: {},
         lambda p: play + ["--progression", "Dm7, G7, Cmaj7", "--out", "x.mid", "--bars", "2"],
         None),
        ("text chart of 40 ':|' (140 bytes)",
         lambda d: {"chart": write("bomb.txt", "| F7 " + ":| " * 40 + "\n")(d)},
         lambda p: play + ["--chart", str(p["chart"]), "--out", "x.mid", "--bars", "2"], None),
        ("--config /dev/zero", lambda d: {},
         lambda p: play + ["--config", "/dev/zero", "--out", "x.mid"], None),
        ("MusicXML of 20,000 measures (3 MB)",
         lambda d: {"chart": write("long.musicxml", MINIMAL_XML.format(
             bars=F7_BAR.format(n=1) + "".join(REST_BAR.format(n=k)
                                               for k in range(2, 20_001))))(d)},
         lambda p: play + ["--chart", str(p["chart"]), "--out", "x.mid", "--bars", "2"], None),
        (".mxl that unpacks to 2 GiB", lambda d: {"chart": mxl_bomb(d)},
         lambda p: play + ["--chart", str(p["chart"]), "--out", "x.mid", "--bars", "2"], None),
        ("a bar of 10,000 chords",
         lambda d: {"chart": write("storm.txt", "| " + "F7 Bb7 " * 5000 + "|\n")(d)},
         lambda p: play + ["--chart", str(p["chart"]), "--out", "x.mid", "--bars", "2"], None),
        ('model.json "format": 99', lambda d: {"model": model99(d, repo)},
         lambda p: play + ["--model", str(p["model"]), "--out", "x.mid", "--bars", "2"], None),
        ("soundfont: a text file",
         lambda d: {"cfg": config(f"[synth]\nsoundfont = '{write('t.sf2', 'text')(d)}'\n")(d)},
         lambda p: play + ["--config", str(p["cfg"]), "--out", "x.wav", "--bars", "2"], None),
        ("soundfont: a fake RIFF",
         lambda d: {"cfg": config("[synth]\nsoundfont = '"
                                  f"{write('r.sf2', b'RIFF0000WAVEfmt ')(d)}'\n")(d)},
         lambda p: play + ["--config", str(p["cfg"]), "--out", "x.wav", "--bars", "2"], None),
        ("soundfont: a directory", lambda d: {"cfg": config(f"[synth]\nsoundfont = '{d}'\n")(d)},
         lambda p: play + ["--config", str(p["cfg"]), "--out", "x.wav", "--bars", "2"], None),
        ("soundfont: /dev/zero",
         lambda d: {"cfg": config("[synth]\nsoundfont = '/dev/zero'\n")(d)},
         lambda p: play + ["--config", str(p["cfg"]), "--out", "x.wav", "--bars", "2"], None),
        ("chart: a directory", lambda d: {"dir": (d / "charts").mkdir() or d / "charts"},
         lambda p: play + ["--chart", str(p["dir"]), "--out", "x.mid", "--bars", "2"], None),
        ("chart: /dev/zero", lambda d: {},
         lambda p: play + ["--chart", "/dev/zero", "--out", "x.mid", "--bars", "2"], None),
        ("MusicXML with no measures",
         lambda d: {"chart": write("empty.musicxml", MINIMAL_XML.format(bars=""))(d)},
         lambda p: play + ["--chart", str(p["chart"]), "--out", "x.mid", "--bars", "2"], None),
        ("eval --png /proc/x.png", lambda d: {},
         lambda p: ["-m", "improv.cli", "eval", "--wjazzd", str(corpus / "wjazzd"),
                    "--png", "/proc/x.png"], None),
        ("train without --out", lambda d: {"shipped": repo / "data" / "models" / "metheny"},
         lambda p: ["-m", "improv.cli", "train", "--corpus",
                    str(corpus / "original_metheny.mid"), "--epochs", "1"], "shipped"),
        ("daemon.py --help (usage line)", lambda d: {}, lambda p: play + ["--help"], None),
        ("top-level swing = 0.6", lambda d: {"cfg": config("swing = 0.6\n")(d)},
         lambda p: play + ["--config", str(p["cfg"]), "--out", "x.mid"], None),
        ("--chart rhythm", lambda d: {},
         lambda p: play + ["--chart", "rhythm", "--out", "x.mid"], None),
        ("--model wjazz", lambda d: {}, lambda p: play + ["--model", "wjazz", "--out", "x.mid"],
         None),
    ]


def limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT_BYTES, LIMIT_BYTES))


def run_case(repo: Path, python: str, setup, argv, keep) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        d = Path(folder)
        paths = setup(d)
        before = {k: (digest(v) if kind(v) in ("file", "directory") else kind(v))
                  for k, v in paths.items()}
        command = [python, *[str(repo / a) if a == "daemon.py" else a for a in argv(paths)]]
        env = dict(os.environ, PYTHONPATH=str(repo), XDG_DATA_HOME=str(d / "share"),
                   TF_CPP_MIN_LOG_LEVEL="2")
        started = time.perf_counter()
        proc = subprocess.Popen(command, cwd=d, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                preexec_fn=limit_memory)
        try:
            out, err = proc.communicate(timeout=TIMEOUT)
            code = proc.returncode
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            code = f"hung (killed at {TIMEOUT:g} s)"
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        lines = [l for l in err.decode(errors="replace").splitlines() if l.strip()]
        if not lines:
            lines = out.decode(errors="replace").splitlines()[:1] or [""]
        after = {k: (digest(v) if v.exists() and kind(v) in ("file", "directory")
                     else kind(v) if v.exists() else "absent") for k, v in paths.items()}
        lost = "" if keep is None else ("KEPT" if before[keep] == after[keep] else "LOST")
        return {"code": code, "lines": len(lines), "line": lines[-1][:110] if code != 0 else
                lines[0][:110], "seconds": seconds, "peak": peak, "lost": lost}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, default=HERE, help="the checkout to run")
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--only", help="run the cases whose name contains this")
    args = parser.parse_args(argv)
    repo = args.repo.resolve()
    print(f"checkout {repo}; limits: {LIMIT_BYTES >> 30} GiB address space, {TIMEOUT:g} s\n")
    print("| case | exit | lines | last line said | s | peak MB | kept? |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, setup, argv_of, keep in cases(repo):
        if args.only and args.only not in name:
            continue
        # each case in its own child of a child, so RUSAGE_CHILDREN is that case's alone
        read, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read)
            result = run_case(repo, args.python, setup, argv_of, keep)
            os.write(write_end, json.dumps(result).encode())
            os._exit(0)
        os.close(write_end)
        with os.fdopen(read) as fh:
            text = fh.read()
        os.waitpid(pid, 0)
        r = json.loads(text)
        line = r["line"].replace("|", "\\|")
        print(f"| {name} | {r['code']} | {r['lines']} | {line} | {r['seconds']:.2f} | "
              f"{r['peak']:.0f} | {r['lost']} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
