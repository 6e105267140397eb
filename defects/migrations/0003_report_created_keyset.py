from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    # Built concurrently: on a table of millions of reports a plain CREATE INDEX would block new reports.
    atomic = False

    dependencies = [
        ("defects", "0002_workspace"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="report",
            index=models.Index(fields=["-created_at", "-id"], name="report_created_keyset"),
        ),
    ]
