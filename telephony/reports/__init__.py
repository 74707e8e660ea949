"""The supervisors' reports over the call log: answer time, compliance, volume.

Each report is one function (session, settings, Scope) -> dict with the
scope echoed, `columns` and `rows` (flat, so that the CSV has the same
columns as the JSON rows). Reports count in the API process's in-memory copy
of the call log (telephony.reports.frame), refreshed from the database before
each report; telephony.reports.scoped selects its rows and groups, and
telephony.reports.percentiles computes exact percentiles.
"""
from telephony.reports.answer_time import answer_time_report
from telephony.reports.common import GROUP_BYS, ReportError, Scope, to_csv
from telephony.reports.compliance import compliance_report
from telephony.reports.volume import volume_report

__all__ = ["GROUP_BYS", "ReportError", "Scope", "answer_time_report", "compliance_report", "to_csv",
           "volume_report"]
