"""The IVR's prompts: audio files made from text.

Each prompt is DATA_DIR/prompts/NAME.wav (8 kHz, 16-bit mono, what Asterisk
plays without transcoding). A company that has its own recording drops it in
DATA_DIR/prompts/custom/NAME.wav (any WAV; it is converted). Otherwise the text
below is spoken by espeak-ng's Mandarin voice; a prompt is rebuilt only when
its text changes.
"""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
from pathlib import Path

from pydub import AudioSegment

from telephony.core.config import Settings


class PromptError(RuntimeError):
    pass


def prompt_texts(settings: Settings) -> dict[str, str]:
    menu = "，".join(
        f"{settings.categories[category].name_zh}请按{digit}" for digit, category in settings.menu.items()
    )
    texts = {
        "greeting": settings.greeting,
        "menu": menu + "。",
        "invalid": "输入有误。",
        "unit_building": "请输入您的楼栋号，以井号键结束。",
        "unit_entrance": "请输入单元号，以井号键结束。",
        "unit_room": "请输入房间号，以井号键结束。",
        "unit_invalid": "房号有误，请重新输入。",
        "leave_message": "现在暂时无人接听，请在提示音后留言，按井号键结束。",
    }
    for key, dept in settings.departments.items():
        texts[f"connect_{key}"] = f"正在为您转接{dept.name_zh}，请稍候。"
    return texts


def build_prompts(settings: Settings) -> dict[str, Path]:
    out_dir = settings.prompts_dir
    custom_dir = out_dir / "custom"
    custom_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "moh").mkdir(exist_ok=True)
    built = {}
    for name, text in prompt_texts(settings).items():
        target = out_dir / f"{name}.wav"
        custom = custom_dir / f"{name}.wav"
        source_key = _digest(custom.read_bytes()) if custom.exists() else _digest(text.encode())
        stamp = out_dir / f"{name}.source"
        if not target.exists() or not stamp.exists() or stamp.read_text() != source_key:
            if custom.exists():
                _to_phone_wav(custom, target)
            else:
                _speak(text, target)
            stamp.write_text(source_key)
        built[name] = target
    _hold_music(out_dir / "moh" / "tone.wav")
    return built


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _speak(text: str, target: Path) -> None:
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        raise PromptError("espeak-ng is not installed (apt-get install espeak-ng), and no custom prompt given")
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.wav"
        subprocess.run([espeak, "-v", "cmn", "-s", "170", "-w", str(raw), text], check=True,
                       capture_output=True)
        _to_phone_wav(raw, target)


def _to_phone_wav(source: Path, target: Path) -> None:
    try:
        audio = AudioSegment.from_wav(source)
    except Exception as e:  # noqa: BLE001 - any decoding failure is a bad file
        raise PromptError(f"{source}: not a readable WAV file ({e})") from e
    audio = audio.set_channels(1).set_sample_width(2).set_frame_rate(8000)
    tmp = target.with_suffix(".tmp.wav")
    audio.export(tmp, format="wav")
    tmp.replace(target)


def _hold_music(target: Path) -> None:
    """A soft 450 Hz beep every 4 s, so music-on-hold has something to play."""
    if target.exists():
        return
    from pydub.generators import Sine

    beep = Sine(450).to_audio_segment(duration=300, volume=-24)
    (beep + AudioSegment.silent(duration=3700)).set_frame_rate(8000).set_sample_width(2).export(
        target, format="wav")
