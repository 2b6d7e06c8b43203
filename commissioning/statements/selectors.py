"""The statements' details and the privacy notice's sections, as the pages show them."""

from __future__ import annotations

from .defaults import IMPROVEMENTS, NON_ACCESSIBLE, PRIVACY_SECTIONS, TESTED_BY
from .models import PrivacySection, ServiceStatements


def current_statements() -> tuple[ServiceStatements, list[PrivacySection]]:
    """The administrator's row and its sections in order; the default text while there is no row."""
    statements = ServiceStatements.objects.order_by("pk").first()
    if statements is None:
        statements = ServiceStatements(non_accessible=NON_ACCESSIBLE, improvements=IMPROVEMENTS, tested_by=TESTED_BY)
        sections = [PrivacySection(heading=heading, body=body) for heading, body in PRIVACY_SECTIONS]
        return statements, sections
    return statements, list(statements.privacy_sections.order_by("position", "pk"))
