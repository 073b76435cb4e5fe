"""Create the database cache table as part of `migrate`.

Without REDIS_URL the shared cache (login rate limits) lives in the database; a release
runs only `migrate` and `collectstatic`, so the table must come with the migrations.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = []

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop, elidable=False)]
