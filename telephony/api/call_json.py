"""A call as the API shows it to one user: the call log's row (call_to_dict, shared with the
CLI), recordings as /api/recordings/<token> links instead of file paths, and residents'
data masked for the roles that don't follow up with residents."""
from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from telephony.auth.masking import mask_call
from telephony.auth.recordings import recording_urls
from telephony.auth.visibility import masks_residents
from telephony.db.models import Call, User
from telephony.logging.calllog import call_to_dict


def calls_json(s: Session, user: User, calls: Sequence[Call], tz: ZoneInfo) -> list[dict]:
    urls = recording_urls(s, calls)
    rows = [{**call_to_dict(c, tz), "recording": urls[c.id]} for c in calls]
    return [mask_call(r) for r in rows] if masks_residents(user) else rows
