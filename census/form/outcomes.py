"""Outcome counts of the consistency rules, for the logs: a rule's id and what became of it.

Never an answer, a name or a number: "form rule asked: working_under_10" says that the question
was asked somewhere, not to whom or what was answered (UU 16/1997).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from census.form import rules

log = logging.getLogger("census.form")


def rules_checked(fired: Iterable[rules.Rule], asked: Iterable[rules.Rule]) -> None:
    """One line per rule that refused a page or asked its question."""
    for found in fired:
        if found.kind == rules.HARD:
            log.info("form rule refused: %s", found.id)
    for found in asked:
        log.info("form rule asked: %s", found.id)


def rules_confirmed(before: dict[str, Any], confirmed: dict[str, str]) -> None:
    """One line per rule confirmed on a page that is being saved."""
    for rule_id in confirmed:
        if rule_id not in before:
            log.info("form rule confirmed: %s", rule_id)


def sent_confirmations(answers: dict[str, Any]) -> None:
    """One line per confirmed rule in a household's answers as sent."""
    for member in answers.get("members", []):
        if member.get("status") != "present":
            continue
        for rule_id in sorted((member.get("details") or {}).get("confirmed") or {}):
            log.info("form sent with a confirmed rule: %s", rule_id)
