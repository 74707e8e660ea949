"""Benchmark the offline transcription engines on the shared test audio.

    python -m bench.transcription [--vosk-model DIR] [--json PATH] [-v]

For each engine (whisper always; vosk when --vosk-model points at a Chinese
vosk model, otherwise reported as "no Chinese model installed"):

- cer_16k:     character error rate on shared/audio/mandarin-dev/wav16k
- cer_phone:   the same clips through a simulated phone line (ulaw8k/)
- cer_hotline: the synthetic hotline clips (hotline-dev/ulaw8k, labels.tsv)
- cpu_per_audio_s: process CPU seconds per second of audio over all of them

CER is corpus-level (total edits / total reference characters) after
normalising both sides (simplified characters, no punctuation or spaces).
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # `python bench/transcription.py` from anywhere
    sys.path.insert(0, str(REPO))

from telephony.transcribe import (
    ModelError,
    VoskEngine,
    WhisperEngine,
    ensure_whisper_model,
)
from telephony.transcribe.metrics import cer_counts

NO_VOSK = "no Chinese model installed"


def default_shared() -> Path:
    return Path(os.environ.get("HOTLINE_SHARED_DIR", REPO.parent / "shared"))


def load_sets(shared: Path) -> dict[str, list[tuple[Path, str]]]:
    audio = shared / "audio"
    md, hl = audio / "mandarin-dev", audio / "hotline-dev"
    with (md / "transcripts.tsv").open(encoding="utf-8") as f:
        mandarin = [(r["file"], r["reference"]) for r in csv.DictReader(f, delimiter="\t")]
    with (hl / "labels.tsv").open(encoding="utf-8") as f:
        hotline = [(r["file"], r["text"]) for r in csv.DictReader(f, delimiter="\t")]
    return {
        "cer_16k": [(md / "wav16k" / name, ref) for name, ref in mandarin],
        "cer_phone": [(md / "ulaw8k" / name, ref) for name, ref in mandarin],
        "cer_hotline": [(hl / "ulaw8k" / name, ref) for name, ref in hotline],
    }


def run_engine(engine, sets, verbose: bool) -> dict:
    t0 = time.perf_counter()
    _ = engine.model  # load once, outside the per-file CPU figures
    result: dict = {"load_s": round(time.perf_counter() - t0, 2)}
    cpu = audio = 0.0
    files = failures = 0
    for key, items in sets.items():
        edits = chars = 0
        for path, ref in items:
            try:
                tr = engine.transcribe(path)
            except Exception as exc:  # noqa: BLE001 - count it as all-wrong, keep going
                failures += 1
                e, n = cer_counts(ref, "")
                edits, chars = edits + e, chars + n
                print(f"  {engine.name} {path.name}: ERROR {exc}", file=sys.stderr)
                continue
            e, n = cer_counts(ref, tr.text)
            edits, chars = edits + e, chars + n
            cpu, audio, files = cpu + tr.cpu_s, audio + tr.audio_s, files + 1
            if verbose:
                print(
                    f"  {engine.name} {key:11} {path.name:45} cer={e / max(n, 1):.2f} "
                    f"cpu={tr.cpu_s:.2f}s/{tr.audio_s:.2f}s  {tr.text}",
                    file=sys.stderr,
                )
        result[key] = round(edits / chars, 4) if chars else None
    result["cpu_per_audio_s"] = round(cpu / audio, 4) if audio else None
    result["audio_s"] = round(audio, 1)
    result["files"] = files
    result["failures"] = failures
    return result


def markdown(results: dict) -> str:
    def pct(v):
        return "—" if v is None else f"{100 * v:.1f} %"

    lines = [
        "| engine | CER 16 kHz | CER phone line (µ-law 8 kHz) | CER hotline clips | CPU s / audio s | files | model load |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, r in results.items():
        if not r.get("available", True):
            lines.append(f"| {name} | {r['reason']} | | | | | |")
            continue
        lines.append(
            f"| {name} | {pct(r['cer_16k'])} | {pct(r['cer_phone'])} | {pct(r['cer_hotline'])} "
            f"| {r['cpu_per_audio_s']:.3f} | {r['files']} | {r['load_s']:.1f} s |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=default_shared(), help="the shared/ directory")
    ap.add_argument("--cache-dir", type=Path, default=REPO / "var" / "models",
                    help="models cache root (whisper is assembled in CACHE/whisper-base)")
    ap.add_argument("--vosk-model", type=Path, default=None, help="a Chinese vosk model directory")
    ap.add_argument("--beam-size", type=int, default=5)
    ap.add_argument("--cpu-threads", type=int, default=None)
    ap.add_argument("--no-vad", action="store_true",
                    help="whisper without the VAD filter / pause splitting")
    ap.add_argument("--json", type=Path, default=None, help="write the results as JSON here")
    ap.add_argument("-v", "--verbose", action="store_true", help="per-file lines on stderr")
    args = ap.parse_args(argv)

    sets = load_sets(args.shared)
    results: dict[str, dict] = {}

    whisper = WhisperEngine(
        ensure_whisper_model(args.cache_dir / "whisper-base"),
        beam_size=args.beam_size,
        cpu_threads=args.cpu_threads,
        **({"vad_filter": False, "split_pause_s": None} if args.no_vad else {}),
    )
    results["whisper"] = run_engine(whisper, sets, args.verbose)

    if args.vosk_model is None:
        results["vosk"] = {"available": False, "reason": NO_VOSK}
    else:
        try:
            results["vosk"] = run_engine(VoskEngine(args.vosk_model), sets, args.verbose)
        except ModelError as exc:
            results["vosk"] = {"available": False, "reason": str(exc)}

    print(markdown(results))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
