"""The statements' starting text: what this service holds and does, for an administrator to check and adapt (their
organisation's retention schedule, data protection officer and contacts). A data migration loads it; the pages use it
too while the table is empty."""

from __future__ import annotations

NON_ACCESSIBLE = """\
The interactive API documentation pages (/api/v1/docs/ and /api/v1/redoc/) are made by third-party software \
(Swagger UI and Redoc) that has not been checked against WCAG 2.2 and may be hard to use with a keyboard or a screen \
reader. They are for partners' developers; the same information is in the OpenAPI schema at /api/v1/schema/, and \
nothing else in the service needs them.

E-mails sent by the service are plain text with a simple HTML copy; their layout has not been tested with every \
e-mail program."""

IMPROVEMENTS = """\
Every main page is checked with axe in a real browser whenever the service changes, and the pages work without \
JavaScript. We will replace or retest the API documentation pages, and review this statement at least once a year."""

TESTED_BY = (
    "The service team: automated checks (axe-core) on every main page in Chromium, and manual checks with a keyboard "
    "and at 400% zoom."
)

PRIVACY_SECTIONS = [
    (
        "What this notice covers",
        "This notice explains what personal information the commissioning service holds about the council's and its "
        "partners' staff, elected members and partner organisations' signatories, why, who sees it, how long it is "
        "kept and your rights.",
    ),
    (
        "What we hold about you",
        "- Your name, work e-mail address, job title and username\n"
        "- The organisations you work for and the roles you hold there, with their dates, and any deputies you name\n"
        "- What you do in the service: evidence you add, gates you submit or withdraw, decisions you make with their "
        "reasons and conditions, records of decision (including conflicts of interest declared and dispensations), "
        "call-ins, and the time of each\n"
        "- The notifications sent to you and whether they were delivered\n"
        "- Sign-in records: attempts with a password (username, network address and time), and if your organisation "
        "uses single sign-on, the identifier its sign-in service gives you and the e-mail address that first linked "
        "it (never your password there)\n"
        "- For partner organisations' systems: API tokens (kept only as a hash) and webhook addresses",
    ),
    (
        "Why we hold it",
        "The lawful basis is public task (UK GDPR article 6(1)(e)): councils and NHS bodies commission services and "
        "take decisions under their statutory powers, and this service records how those decisions are prepared, "
        "agreed and reviewed.\n\n"
        "Publishing the forward plan of key decisions and records of decision is a legal obligation (article "
        "6(1)(c)) under the Local Authorities (Executive Arrangements) (Meetings and Access to Information) "
        "(England) Regulations 2012.",
    ),
    (
        "Who sees it",
        "People in the organisations that take part in a strategy see it, its evidence, who decided what and why. "
        "The public sees the forward plan and published records of decision: the decision, the decision-maker's "
        "name and role, the reasons, the alternatives considered and any conflicts of interest declared.\n\n"
        "E-mails are sent through the organisation's mail server or GOV.UK Notify (run by the Government Digital "
        "Service). The service and its data are hosted in the United Kingdom.",
    ),
    (
        "How long we keep it",
        "- Decisions, records of decision, snapshots of what was agreed and the audit trail: as the organisation's "
        "records of decisions, for the period in its retention schedule (usually at least 6 years after the strategy "
        "ends); they cannot be changed or deleted in the service\n"
        "- Your account and roles: while you use the service; when you leave, your roles are ended and your account "
        "switched off, and your name stays on the decisions you made\n"
        "- Notifications and their delivery records, and sign-in records: removed by the administrator at least "
        "every 12 months",
    ),
    (
        "Your rights",
        "You can ask for a copy of the information held about you, ask for it to be corrected, and object to or ask "
        "to restrict its use. Because decisions must be recorded, information about decisions you took part in "
        "cannot usually be erased.\n\n"
        "If you are unhappy with how your information is used, contact the data protection officer first. You can "
        "also complain to the Information Commissioner's Office: ico.org.uk, telephone 0303 123 1113.",
    ),
]


def load(apps) -> None:
    """Create the statements' row and the privacy notice's sections, unless they exist (a data migration)."""
    statements_model = apps.get_model("statements", "ServiceStatements")
    section_model = apps.get_model("statements", "PrivacySection")
    if statements_model.objects.exists():
        return
    statements = statements_model.objects.create(
        non_accessible=NON_ACCESSIBLE, improvements=IMPROVEMENTS, tested_by=TESTED_BY
    )
    section_model.objects.bulk_create(
        section_model(statements=statements, position=index, heading=heading, body=body)
        for index, (heading, body) in enumerate(PRIVACY_SECTIONS)
    )
