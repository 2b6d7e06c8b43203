"""The statements a public service must publish: readable without signing in, linked from every page's footer, with
what the regulations ask for, and the privacy notice's text (and the statements' details) edited in the admin."""

import pytest
from django.urls import reverse

from commissioning.statements.models import PrivacySection, ServiceStatements

pytestmark = pytest.mark.django_db


@pytest.fixture
def statements():
    """The administrator's row, as the data migration made it (made again if a transactional test flushed it)."""
    from django.apps import apps

    from commissioning.statements import defaults

    defaults.load(apps)
    return ServiceStatements.objects.order_by("pk").first()


FOOTER = (
    'href="/accessibility/">Accessibility statement</a>',
    'href="/privacy/">Privacy</a>',
    'href="/cookies/">Cookies</a>',
)


@pytest.mark.parametrize("url", ["/", "/accounts/login/", "/forward-plan/", "/accessibility/", "/cookies/"])
def test_every_page_links_the_statements_from_its_footer_signed_out(client, url):
    page = client.get(url).text
    footer = page[page.index('<footer class="govuk-footer">') :]
    for link in FOOTER:
        assert link in footer, (url, link)


def test_the_footer_links_are_there_signed_in_too(client, world):
    client.force_login(world.officer)
    for url in ("/", "/strategies/", "/reports/"):
        footer = client.get(url).text.split('<footer class="govuk-footer">')[1]
        assert all(link in footer for link in FOOTER), url


@pytest.mark.parametrize("url", ["/accessibility/", "/privacy/", "/cookies/"])
def test_the_statements_need_no_sign_in(client, url):
    assert client.get(url).status_code == 200


def test_the_accessibility_statement_has_what_the_regulations_ask_for(client):
    page = client.get("/accessibility/").text
    for heading in (
        "How accessible this service is",
        "Feedback and contact information",
        "Reporting accessibility problems with this service",
        "Enforcement procedure",
        "Compliance status",
        "Non-accessible content",
        "Preparation of this accessibility statement",
    ):
        assert heading in page, heading
    assert "Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018" in page
    assert "Equality and Human Rights Commission" in page and "Equality Advisory and Support Service" in page
    assert "This service is partially compliant with the" in page
    assert "This statement was prepared on" in page
    assert "Swagger UI and Redoc" in page  # what is not accessible, from the default text


def test_the_accessibility_statements_details_come_from_the_admin(client, statements):
    statements.operator = "Midshire County Council"
    statements.contact_email = "accessibility@midshire.gov.uk"
    statements.compliance = "full"
    statements.non_accessible = ""
    statements.save()
    page = client.get("/accessibility/").text
    assert "It is run by Midshire County Council." in page
    assert 'href="mailto:accessibility@midshire.gov.uk"' in page
    assert "This service is fully compliant with the" in page and "due to the non-compliances" not in page
    assert "We know of no part of this service that is not accessible." in page


def test_the_privacy_notice_says_what_is_held_why_for_how_long_and_whom_to_ask(client):
    page = client.get("/privacy/").text.replace("&#x27;", "'")
    for heading in ("What we hold about you", "Why we hold it", "Who sees it", "How long we keep it", "Your rights"):
        assert f'<h2 class="govuk-heading-l">{heading}</h2>' in page
    assert "public task (UK GDPR article 6(1)(e))" in page
    assert "elected members" in page and "partner organisations' signatories" in page
    assert "Information Commissioner's Office" in page
    assert '<ul class="govuk-list govuk-list--bullet"><li>Your name, work e-mail address' in page
    assert 'id="contact"' in page


def test_the_administrator_edits_the_privacy_notice_and_no_markup_gets_through(admin_client, client, statements):
    url = reverse("admin:statements_servicestatements_change", args=[statements.pk])
    assert admin_client.get(url).status_code == 200
    section = statements.privacy_sections.order_by("position").first()
    section.body = "We keep it for 7 years.\n\n<script>alert(1)</script>"
    section.save()
    PrivacySection.objects.create(statements=statements, position=99, heading="Our retention schedule", body="See X.")

    page = client.get("/privacy/").text

    assert "We keep it for 7 years." in page
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.index("Our retention schedule") > page.index("Your rights")


def test_with_no_row_the_pages_show_the_default_text(client, statements):
    ServiceStatements.objects.all().delete()
    assert "What we hold about you" in client.get("/privacy/").text
    assert "Compliance status" in client.get("/accessibility/").text


def test_the_cookies_page_lists_the_cookies_by_the_names_and_lifetimes_in_the_settings(client, settings):
    settings.SESSION_COOKIE_NAME = "__Host-session"
    page = client.get("/cookies/").text
    assert '<code class="app-cookie-name">__Host-session</code>' in page
    assert '<code class="app-cookie-name">csrftoken</code>' in page
    assert '<code class="app-cookie-name">messages</code>' in page
    assert "or 8 hours after you sign in" in page and "1 year" in page
    assert "does not ask for your consent" in page
