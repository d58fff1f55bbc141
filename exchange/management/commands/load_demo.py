from django.core.management.base import BaseCommand

from exchange.demo import DEFAULT_PASSWORD, load_demo
from exchange.demo_data import USERS


class Command(BaseCommand):
    help = (
        "Load the demo data (two seed news reports) and the demo users researcher, editor and "
        "admin. Safe to run again: existing records are left as they are."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            default=DEFAULT_PASSWORD,
            help=f"Password for the demo users (default: {DEFAULT_PASSWORD}).",
        )

    def handle(self, *args, password, **options):
        created = load_demo(password=password)
        summary = ", ".join(f"{count} {name}" for name, count in created.items())
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded (new: {summary})."))
        self.stdout.write("Demo logins for http://127.0.0.1:8000/admin/ :")
        for username, _first, _last, role in USERS:
            role_name = role or "superuser"
            self.stdout.write(f"  {username:<11} / {password}   ({role_name})")
