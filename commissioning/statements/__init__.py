"""The statements a UK public-sector service must publish: the accessibility statement (the Public Sector Bodies
(Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018), the privacy notice (UK GDPR articles 13
and 14) and the cookies page. Their details and the privacy notice's text are data, edited in the admin; the pages
are `commissioning.web.statements`."""
