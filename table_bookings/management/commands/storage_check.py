"""`manage.py storage_check`: is the bucket there, writable under media/, and is the static manifest published?"""

from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError

from table_bookings.storages import probe_storages


class Command(BaseCommand):
    help = (
        "Check the media and static storage: bucket reachable, writable under media/, static manifest "
        "present; report the ACL mode and the cache headers seen. Exits non-zero on any problem."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-write", action="store_true", help="Do not write a probe object under media/.")

    def handle(self, **options):
        probe = probe_storages(media=storages["default"], static=storages["staticfiles"], write=not options["no_write"])
        for line in probe.lines:
            self.stdout.write(f"ok  {line}")
        if probe.problems:
            for problem in probe.problems:
                self.stderr.write(f"ERR {problem}")
            raise CommandError(f"storage check failed: {len(probe.problems)} problem(s).")
        self.stdout.write(self.style.SUCCESS("storage check passed."))
