"""Audits (issue 14): evidence, per stratum, that a part of the dataset is good enough.

The one place to use them from (the CLI, the window's Audits panel): the draw, status and
extend live in ``audit_core.py``, the accept and its undo in ``audit_accept.py``. The Audits
panel is built on these names; keep them.
"""

from __future__ import annotations

from irtd_annotator.services.review.audit_accept import (
    ACCEPTED,
    AcceptResult,
    accept_audit,
    accepted_label,
    refusal,
    undo_accept,
)
from irtd_annotator.services.review.audit_core import (
    DIMENSIONS,
    AuditStatus,
    StratumStatus,
    audit_filter,
    audit_statuses,
    check_audit_name,
    check_by,
    create_audit,
    extend_audit,
    find_audit,
    plan_audit,
    stratum_filter,
)

__all__ = ["ACCEPTED", "DIMENSIONS", "AcceptResult", "AuditStatus", "StratumStatus",
           "accept_audit", "accepted_label", "audit_filter", "audit_statuses",
           "check_audit_name", "check_by", "create_audit", "extend_audit", "find_audit",
           "plan_audit", "refusal", "stratum_filter", "undo_accept"]
