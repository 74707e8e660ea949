"""The supervisors' reports over the call log: answer time, compliance, volume.

Each report is one function (session, settings, Scope) -> dict with the
scope echoed, `columns` and `rows` (flat, so that the CSV has the same
columns as the JSON rows). Reports aggregate in the database and never load
call rows into Python; see each module for its queries and
telephony.reports.percentiles for how percentiles are computed.
"""
from telephony.reports.answer_time import answer_time_report
from telephony.reports.common import GROUP_BYS, ReportError, Scope, to_csv
from telephony.reports.compliance import compliance_report
from telephony.reports.volume import volume_report

__all__ = ["GROUP_BYS", "ReportError", "Scope", "answer_time_report", "compliance_report", "to_csv",
           "volume_report"]
