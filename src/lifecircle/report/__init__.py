"""Self-contained HTML reports of an assessment and its plan (``render_report``)."""

from lifecircle.report.html import render_report

__all__ = ["render_report"]
