"""The details the accessibility statement and the privacy notice give (one row), and the privacy notice's
sections, plain paragraphs an administrator edits."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class ComplianceStatus(models.TextChoices):
    FULL = "full", "fully compliant"
    PARTIAL = "partial", "partially compliant"
    NONE = "none", "not compliant"


class ServiceStatements(models.Model):
    """Who runs the service and how to reach them, and what the accessibility statement says. One row."""

    operator = models.CharField(
        "organisation running the service",
        max_length=200,
        default="The organisation running this service",
        help_text="Named as the website's operator and as the data controller.",
    )
    contact_email = models.EmailField(default="commissioning@example.gov.uk", help_text="For accessibility problems.")
    contact_phone = models.CharField(max_length=50, blank=True)
    response_working_days = models.PositiveSmallIntegerField(
        default=10, help_text="Working days within which you answer a report of an accessibility problem."
    )
    compliance = models.CharField(max_length=10, choices=ComplianceStatus.choices, default=ComplianceStatus.PARTIAL)
    non_accessible = models.TextField(
        "non-accessible content",
        blank=True,
        help_text="What is not accessible and why: plain paragraphs, a blank line between them; lines starting "
        '"- " make a bulleted list.',
    )
    improvements = models.TextField("what you are doing to improve accessibility", blank=True)
    tested_on = models.DateField(default=timezone.localdate, help_text="When the service was last tested.")
    tested_by = models.CharField(max_length=300, blank=True)
    prepared_on = models.DateField("statement prepared on", default=timezone.localdate)
    reviewed_on = models.DateField("statement last reviewed on", null=True, blank=True)
    data_protection_officer = models.TextField(
        "data protection officer's contact", blank=True, help_text="How to reach the data protection officer."
    )
    privacy_updated_on = models.DateField("privacy notice last updated on", default=timezone.localdate)

    class Meta:
        verbose_name = "statements and their details"
        verbose_name_plural = "statements and their details"

    def __str__(self) -> str:
        return f"Statements of {self.operator}"


class PrivacySection(models.Model):
    """One section of the privacy notice: a heading and plain paragraphs (a blank line between paragraphs)."""

    statements = models.ForeignKey(ServiceStatements, on_delete=models.CASCADE, related_name="privacy_sections")
    position = models.PositiveSmallIntegerField(default=0)
    heading = models.CharField(max_length=200)
    body = models.TextField()

    class Meta:
        verbose_name = "privacy notice section"

    def __str__(self) -> str:
        return f"Privacy notice: {self.heading}"


def blocks(text: str) -> list[tuple[str, object]]:
    """Plain text as paragraphs and bulleted lists: blocks are separated by blank lines, and a block whose lines all
    start with "- " is a list. Rendered escaped: no markup is ever taken from the text."""
    found: list[tuple[str, object]] = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if not lines:
            continue
        if all(line.startswith("- ") for line in lines):
            found.append(("list", [line[2:].strip() for line in lines]))
        else:
            found.append(("paragraph", " ".join(lines)))
    return found
