from django.shortcuts import render


def home(request):
    """A landing page: what the service is and where to sign in."""
    return render(request, "home.html")
