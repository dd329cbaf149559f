"""python manage.py create_api_token EMAIL --name NAME: a staff token, printed once."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pollen.accounts.models import User
from pollen.api.auth import create_token


class Command(BaseCommand):
    help = "Crée un jeton d'API pour un membre de l'équipe du programme (affiché une seule fois)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--name", default="jeton")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email=options["email"].lower()).first()
        if user is None or not user.is_programme_staff:
            raise CommandError("Aucun membre actif de l'équipe du programme avec cette adresse.")
        _, key = create_token(acting_user=None, user=user, name=options["name"])
        self.stdout.write(key)
