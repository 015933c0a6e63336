"""python manage.py open311_key NAME: a new API key for the client app NAME (made if it does not
exist, serving the top division or --division CODE). Prints only the key."""

from django.core.management.base import BaseCommand, CommandError

from open311 import services
from open311.models import ApiClient
from org.actor import SYSTEM
from org.models import Division


class Command(BaseCommand):
    help = "Make a new Open311 API key for a client app and print it (only the key)."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--division", help="the division code the client serves (default: the top division)")

    def handle(self, *args, name, division=None, **options):
        client = ApiClient.objects.filter(name=name).first()
        if client is None:
            qs = Division.objects.filter(code=division) if division else Division.objects.filter(parent=None)
            found = qs.order_by("code").first()
            if found is None:
                raise CommandError(f"no division {division or '(top)'}: load the divisions first")
            client = services.client_create(name=name, division=found)
        _key, raw = services.key_create(client=client, actor=SYSTEM)
        self.stdout.write(raw)
