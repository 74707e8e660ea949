"""The one typed settings object.

Precedence: explicit overrides (CLI flags) > environment (HOTLINE_*) >
config file (HOTLINE_CONFIG, else DATA_DIR/hotline.toml) > defaults.
The company's standards (ring cadence, ring limit, hold limit) live here,
never as literals in the code.
"""
from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)


class Department(BaseModel):
    name_zh: str
    name_en: str


class Category(BaseModel):
    name_zh: str
    name_en: str
    department: str
    urgency: str = "normal"


def _default_departments() -> dict[str, Department]:
    return {
        "service": Department(name_zh="客服中心", name_en="Customer service"),
        "engineering": Department(name_zh="工程维修", name_en="Engineering and repairs"),
        "security": Department(name_zh="秩序维护", name_en="Security"),
        "cleaning": Department(name_zh="保洁", name_en="Cleaning"),
        "billing": Department(name_zh="收费", name_en="Billing"),
        "manager": Department(name_zh="经理", name_en="Manager"),
    }


def _default_categories() -> dict[str, Category]:
    return {
        "repair": Category(name_zh="报修", name_en="Repair", department="engineering"),
        "complaint": Category(name_zh="投诉", name_en="Complaint", department="service"),
        "inquiry": Category(name_zh="咨询", name_en="Inquiry", department="service"),
        "billing": Category(name_zh="缴费", name_en="Billing", department="billing"),
        "suggestion": Category(name_zh="建议", name_en="Suggestion", department="service"),
        "emergency": Category(
            name_zh="紧急求助", name_en="Emergency", department="security", urgency="urgent"
        ),
        "reception": Category(name_zh="人工服务", name_en="Reception", department="service"),
    }


def _default_menu() -> dict[str, str]:
    return {
        "1": "repair",
        "2": "complaint",
        "3": "inquiry",
        "4": "billing",
        "5": "suggestion",
        "9": "emergency",
        "0": "reception",
    }


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOTLINE_", extra="ignore")

    # Where this instance keeps its database, config, recordings and logs.
    data_dir: Path = Path("var")
    database_url: str | None = None  # default: sqlite:///DATA_DIR/hotline.db
    # The FastAGI server's threads: calls in Python at once (the IVR, the log row at the end);
    # more wait for a free one.
    agi_workers: int = Field(256, ge=1)
    # The FastAGI server's connections (SQLAlchemy's pool: kept open, plus overflow). Every
    # call takes one three times; at 19 calls/s on a loaded machine about 60 of its threads were
    # in the database at once, more than SQLAlchemy's default 5 + 10.
    agi_db_pool_size: int = Field(20, ge=1)
    agi_db_max_overflow: int = Field(40, ge=0)
    # The FastAGI server's niceness, below Asterisk's 0: with every core busy (Asterisk runs a
    # thread per channel), each command of the IVR otherwise waits behind hundreds of them, and
    # a digit the caller presses between the answer and the greeting is lost. Needs CAP_SYS_NICE
    # (root, or systemd's Nice=); without it the server warns and keeps the niceness it has.
    agi_nice: int = Field(-10, ge=-20, le=19)

    # Company and number
    company_name: str = "和美"
    greeting_text: str = "您好，{company}物业服务中心，请问有什么可以帮您？"
    hotline_number: str = "8000"
    timezone: str = "Asia/Shanghai"

    # Network: everything binds to one address (loopback until auth lands).
    bind_host: str = "127.0.0.1"
    sip_port: int = 5060
    agi_port: int = 4573
    ami_port: int = 5038
    api_port: int = 8000
    rtp_port_start: int = 10000
    rtp_port_end: int = 20000
    sip_realm: str = "hotline"

    # Answering standards
    ring_cadence_ms: int = 5000  # China: 1 s on, 4 s off
    ring_limit: int = 3  # answer within three rings
    hold_limit_s: int = 20
    queue_timeout_s: int = 30  # in the department queue before overflowing to reception
    overflow_timeout_s: int = 60  # in the reception queue before taking a message
    queue_strategy: str = "ringall"  # anyone who hears the phone picks it up

    # IVR
    menu: dict[str, str] = Field(default_factory=_default_menu)
    categories: dict[str, Category] = Field(default_factory=_default_categories)
    departments: dict[str, Department] = Field(default_factory=_default_departments)
    reception_department: str = "service"
    menu_timeout_s: int = 5
    menu_attempts: int = 2
    unit_attempts: int = 3
    unit_digit_timeout_s: int = 6
    caller_id_max_chars: int = 128

    # Asterisk
    asterisk_root: Path | None = Path("/var/lib/hotline/asterisk-root")  # chroot when no system asterisk
    ami_user: str = "hotline"
    ami_secret: str | None = None  # default: generated once per data dir

    # Benchmarks only (bench/, `make bench`): the peers our IVR is measured against, as extra
    # numbers for residents. Off in production: residents then reach the hotline number only.
    bench_contexts: bool = False
    bench_bare_number: str = "8100"  # Answer, the same prompts and queue, no Python at all
    bench_perprocess_number: str = "8200"  # the same IVR as a classic per-process AGI (stdin/stdout)
    bench_department: str = "engineering"  # the bare dialplan's queue (the bench's caller presses its digit)

    # Transcription and audit (off the call path)
    transcribe_engine: str | None = None  # "vosk" | "whisper"; default: vosk if a model is set
    vosk_model_dir: Path | None = None  # e.g. vosk-model-cn-0.22, unpacked
    model_cache_dir: Path | None = None  # where the Whisper model is assembled; default DATA_DIR/models
    analysis_workers: int = 1  # worker threads in the API process; 0 = only `hotline worker`
    analysis_delay_s: float = 2.0  # let MixMonitor close its files first
    job_lease_s: float = 900.0  # a claimed job whose worker vanished is claimed again after this
    job_max_attempts: int = 3
    max_audio_s: float = 3 * 3600.0
    greeting_window_s: float = 5.0  # the greeting must start within this after answer

    # Users and access (the supervisors' desk)
    session_ttl_h: float = 12.0  # a login's token expires after this (one shift)
    password_min_length: int = 8
    session_cookie_secure: bool = False  # true behind HTTPS: the cookie then travels only over TLS
    login_max_failures: int = Field(5, ge=1)  # wrong passwords per username or address ...
    login_failure_window_s: float = Field(300.0, gt=0)  # ... within this long, then 429 until it passes

    # Callbacks: a missed call (abandoned, or a message left) is owed a call back within the
    # reply limit of its category (domain.md: 24-hour reply rule; emergencies 30 min, complaints 1 h,
    # repairs 4 h); an open callback past its due time is overdue.
    callback_limits_min: dict[str, int] = Field(
        default_factory=lambda: {"emergency": 30, "complaint": 60, "repair": 240})
    callback_default_limit_min: int = Field(24 * 60, gt=0)

    # The reports' in-memory frame of the call log (telephony/reports/frame.py). Each report
    # first reads the rows whose updated_at is at least its last look less this window: a
    # row's updated_at is its statement's time, and transactions commit late and out of order.
    report_frame_window_s: float = Field(60.0, gt=0)
    # Reloaded whole (in the background) after this long, for what updated_at can't show:
    # deleted calls, rows changed by hand, a commit later than the window. 0: never.
    report_frame_max_age_s: float = Field(3600.0, ge=0)

    # Rebuilding calls from Asterisk's own records when Python missed them
    reconcile_interval_s: float = 3.0
    reconcile_grace_s: float = 2.0

    # Live wallboard (GET /api/wallboard/events), fed from AMI in the API process
    wallboard_coalesce_s: float = Field(0.25, gt=0)  # a stream sends at most one snapshot this often
    wallboard_keepalive_s: float = Field(15.0, gt=0)  # a comment line on a quiet stream keeps proxies from closing it
    wallboard_ami_poll_s: float = Field(1.0, gt=0)  # AMI read timeout: how soon its thread notices a stop
    wallboard_reconnect_min_s: float = Field(0.5, gt=0)  # Asterisk away: retry after this, doubling ...
    wallboard_reconnect_max_s: float = Field(10.0, gt=0)  # ... up to this
    api_shutdown_grace_s: float = Field(3.0, ge=0)  # open event streams are cut after this when the API stops

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, _config_file()))

    @model_validator(mode="after")
    def _check_references(self) -> "Settings":
        for digit, category in self.menu.items():
            if digit not in "0123456789" or len(digit) != 1:
                raise ValueError(f"menu key {digit!r} must be one digit")
            if category not in self.categories:
                raise ValueError(f"menu {digit} names unknown category {category!r}")
        for key, category in self.categories.items():
            if category.department not in self.departments:
                raise ValueError(f"category {key} names unknown department {category.department!r}")
        if self.reception_department not in self.departments:
            raise ValueError(f"unknown reception department {self.reception_department!r}")
        if self.ring_cadence_ms <= 0:
            raise ValueError("ring_cadence_ms must be positive")
        if "callback_limits_min" in self.model_fields_set:  # set by the user: a typo is an error
            unknown = sorted(set(self.callback_limits_min) - set(self.categories))
            if unknown:
                raise ValueError(f"callback_limits_min names unknown categories {unknown}")
        else:  # the defaults, for the default categories that this configuration still has
            self.callback_limits_min = {k: v for k, v in self.callback_limits_min.items() if k in self.categories}
        for key, minutes in self.callback_limits_min.items():
            if minutes <= 0:
                raise ValueError(f"callback_limits_min[{key}] must be positive")
        if self.session_ttl_h <= 0:
            raise ValueError("session_ttl_h must be positive")
        if self.password_min_length < 1:
            raise ValueError("password_min_length must be at least 1")
        self.data_dir = self.data_dir.resolve()
        # The dialplan passes paths under it as application arguments (Playback, MixMonitor,
        # AGI) and writes them into its config files: a comma would split them, an ampersand
        # split a list of prompts (Read, Playback), a semicolon start a comment, a quote,
        # backslash or newline garble them.
        bad = sorted(set(str(self.data_dir)) & set(',&;"\\\n\r'))
        if bad:
            raise ValueError(f"data_dir {str(self.data_dir)!r} may not contain {' '.join(map(repr, bad))}: "
                             "Asterisk's application arguments would split on it")
        return self

    # Derived paths: one place decides where things live.
    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'hotline.db'}"

    @property
    def asterisk_dir(self) -> Path:
        return self.data_dir / "asterisk"

    @property
    def recordings_dir(self) -> Path:
        return self.data_dir / "recordings"

    @property
    def prompts_dir(self) -> Path:
        return self.data_dir / "prompts"

    @property
    def models_dir(self) -> Path:
        return self.model_cache_dir or self.data_dir / "models"

    @property
    def run_dir(self) -> Path:
        return self.data_dir / "run"

    @property
    def member_ring_timeout_s(self) -> int:
        """How long one agent's phone rings before the queue tries again."""
        return self.ring_limit * self.ring_cadence_ms // 1000

    def queue_name(self, department: str) -> str:
        return f"dept-{department}"

    def department_of_queue(self, queue: str | None) -> str | None:
        return next((d for d in self.departments if self.queue_name(d) == queue), None)

    @property
    def greeting(self) -> str:
        return self.greeting_text.format(company=self.company_name)


_data_dir_override: Path | None = None  # set by load_settings while it builds Settings


def _config_file() -> Path:
    explicit = os.environ.get("HOTLINE_CONFIG")
    if explicit:
        return Path(explicit)
    data_dir = _data_dir_override or Path(os.environ.get("HOTLINE_DATA_DIR", "var"))
    return data_dir / "hotline.toml"


def rings_for(ring_ms: int, cadence_ms: int) -> int:
    """A call answered after ring_ms of ringing rang floor(t / cadence) + 1 times."""
    return ring_ms // cadence_ms + 1


def load_settings(**overrides) -> Settings:
    """Settings for one instance; overrides (CLI flags) win over everything."""
    global _data_dir_override
    clean = {k: v for k, v in overrides.items() if v is not None}
    # The config file sits in the data dir, so the data dir is known before reading it.
    _data_dir_override = Path(clean["data_dir"]) if "data_dir" in clean else None
    try:
        return Settings(**clean)
    finally:
        _data_dir_override = None
