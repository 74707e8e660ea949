"""The hotline's IVR as a classic per-process AGI: the slow peer of our FastAGI server.

Asterisk's `AGI(/path/script,INVITE_TS)` (the bench number 8200, see
asterisk/bench/extensions_bench.conf) starts this program once per call and
talks to it over stdin/stdout, with pyst2's own `asterisk.agi.AGI`. It runs
the very route the FastAGI server runs (`CallRoutes.incoming`), so the only
difference measured is how Python is reached: a new interpreter, its imports
and a new database connection per call, instead of a thread in a warm server.

    perprocess_agi.py --data-dir DIR [INVITE_TS]   (Asterisk appends the AGI arguments)
"""
from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run by path, from Asterisk
    sys.path.insert(0, str(REPO))

from asterisk.agi import AGI, AGIAppError, AGIHangup  # noqa: E402

from telephony.agi import variables as V  # noqa: E402
from telephony.agi.routes import CallRoutes  # noqa: E402
from telephony.agi.session import HotlineCommands, _DebugWriter  # noqa: E402
from telephony.core.config import load_settings  # noqa: E402
from telephony.db.session import Database  # noqa: E402
from telephony.pbx.ringtimes import RingTracker  # noqa: E402


class StdioAGI(HotlineCommands, AGI):
    """pyst2's AGI on stdin/stdout, with the routes' helpers (the same as SocketAGI's)."""

    def __init__(self) -> None:
        # Caller IDs may hold invalid UTF-8, as on the socket: decode leniently.
        stdin = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace", newline="\n")
        super().__init__(stdin=stdin, stdout=sys.stdout, stderr=_DebugWriter())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", type=Path, required=True)
    ap.add_argument("agi_args", nargs="*", help="the AGI arguments (also in the env as agi_arg_N)")
    args = ap.parse_args(argv)
    agi = StdioAGI()
    settings = load_settings(data_dir=args.data_dir)
    routes = CallRoutes(settings, Database(settings.db_url), RingTracker())
    try:
        routes.incoming(agi)
    except (AGIHangup, AGIAppError):  # the caller hung up: nothing to recover
        pass
    except Exception as e:  # noqa: BLE001 - as the FastAGI server: the dialplan goes fail-safe
        print(f"perprocess AGI failed: {e!r}", file=sys.stderr)
        try:
            agi.set_variable(V.AGI_ERROR, type(e).__name__)
        except Exception:  # noqa: BLE001 - the channel may be gone already
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
