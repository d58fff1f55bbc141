from django.core.management.base import BaseCommand

from ledger.signing import new_key


class Command(BaseCommand):
    help = "Print a new Ed25519 private key for LEDGER_SIGNING_KEY (keep it secret; set it once)."

    def handle(self, *args, **options):
        self.stdout.write(new_key())
