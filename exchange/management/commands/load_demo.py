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
        parser.add_argument(
            "--address",
            default="127.0.0.1:8000",
            help="host:port the site is served on, for the sign-in address printed "
            "(`make run` passes its HOST and PORT).",
        )

    def handle(self, *args, password, address, **options):
        created = load_demo(password=password)
        summary = ", ".join(f"{count} {name}" for name, count in created.items())
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded (new: {summary})."))
        self.stdout.write(f"Demo logins for http://{address}/admin/ :")
        for username, _first, _last, role in USERS:
            role_name = role or "superuser"
            self.stdout.write(f"  {username:<11} / {password}   ({role_name})")
