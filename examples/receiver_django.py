"""Receiving Exa webhooks in production with Django (a one-file project; in yours, the view
goes in views.py and the route in urls.py)."""

import os

import django
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from exa_webhooks.receiver import SQLiteDedupe, WebhookReceiver
from exa_webhooks.resources import ImportEvent

if not settings.configured:
    settings.configure(DEBUG=False, ALLOWED_HOSTS=["127.0.0.1", "localhost"], ROOT_URLCONF=__name__)
    django.setup()

# The secret Exa returned when the webhook was created. While rotating, list old and new.
SECRETS = [s.strip() for s in os.environ.get("EXA_WEBHOOK_SECRETS", "").split(",") if s.strip()]
receiver = WebhookReceiver(
    SECRETS, dedupe=SQLiteDedupe(os.environ.get("EXA_DEDUPE_DB", "exa-events.sqlite3"))
)
IMPORTS: list[str] = []


@receiver.on("import.completed")
def on_import(event: ImportEvent) -> None:
    IMPORTS.append(event.data["id"])  # your work here; raise to have Exa deliver it again


@csrf_exempt  # Exa signs its deliveries; it has no CSRF token
@require_POST
def exa_webhook(request: HttpRequest) -> HttpResponse:
    # request.body is the raw body, byte for byte.
    answer = receiver.handle(request.body, request.headers)
    return HttpResponse(answer.body, status=answer.status, headers=answer.headers)


urlpatterns = [path("hooks/exa", exa_webhook)]

if __name__ == "__main__":
    from wsgiref.simple_server import make_server

    from django.core.wsgi import get_wsgi_application

    make_server("127.0.0.1", 8000, get_wsgi_application()).serve_forever()
