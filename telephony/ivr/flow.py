"""The resident's path through the IVR: greeting, menu, then who and where they are.

Digits are taken while prompts play. The unit is never read aloud (privacy).
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from telephony.agi import variables as V
from telephony.agi.session import SocketAGI
from telephony.core.config import Settings
from telephony.db.session import Database
from telephony.directory import Unit, unit_exists

log = logging.getLogger(__name__)


@dataclass
class IvrChoice:
    category: str
    department: str
    urgency: str
    unit: str | None


class HotlineIVR:
    def __init__(self, agi: SocketAGI, settings: Settings, db: Database):
        self.agi, self.settings, self.db = agi, settings, db

    def prompt(self, name: str) -> str:
        return str(self.settings.prompts_dir / name)

    def run(self, known_unit: Callable[[], str | None], greeted: Callable[[], None]) -> IvrChoice:
        """known_unit is asked for once the caller has chosen: the lookup runs during the greeting."""
        # The answer, the greeting, the menu and the wait for a digit are one command, so no
        # digit falls between two of them (Asterisk drops DTMF between AGI commands, and under
        # load Python's next command can come seconds late).
        digit = self.agi.read_digit(V.DIGIT, [self.prompt("greeting"), self.prompt("menu")],
                                    self.settings.menu_timeout_s)
        greeted()
        category = self.choose_category(digit)
        details = self.settings.categories[category]
        unit = known_unit()
        # An emergency goes straight through: no keying in the unit first.
        if unit is None and details.urgency != "urgent":
            unit = self.ask_unit()
        return IvrChoice(category, details.department, details.urgency, unit)

    def choose_category(self, first_digit: str) -> str:
        """first_digit is the first try's, pressed during the greeting or the menu after it."""
        digit = first_digit
        for attempt in range(self.settings.menu_attempts):
            if attempt:
                digit = self.agi.get_data(self.prompt("menu"), self.settings.menu_timeout_s * 1000, 1)
            if digit in self.settings.menu:
                return self.settings.menu[digit]
            if digit:
                self.agi.stream_file(self.prompt("invalid"))
            digit = ""
        log.info("no valid menu choice; reception")
        return self.settings.menu.get("0", "reception")

    def ask_unit(self) -> str | None:
        timeout = self.settings.unit_digit_timeout_s * 1000
        for _ in range(self.settings.unit_attempts):
            parts = [self.agi.get_data(self.prompt(p), timeout, 5)
                     for p in ("unit_building", "unit_entrance", "unit_room")]
            if all(p.isdigit() for p in parts):
                unit = Unit(*(int(p) for p in parts))
                with self.db.session() as s:
                    if unit_exists(s, unit):
                        return str(unit)
            self.agi.stream_file(self.prompt("unit_invalid"))
        log.info("unit not identified after %d attempts", self.settings.unit_attempts)
        return None
