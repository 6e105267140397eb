import django.db.models.deletion
from django.db import migrations, models


# Statement-level triggers with transition tables: one grouped upsert per statement, so a set-based write of
# a million reports costs one aggregate, not a million row updates, and an UPDATE that changes neither status
# nor department (most do not) writes nothing. Unconfirmed reports are no one's work yet and are not counted.
COUNT_DELTAS = """
    INSERT INTO defects_queuestatuscount (department_id, status, count)
    SELECT department_id, status, sum(n) FROM ({deltas}) AS d
    GROUP BY department_id, status
    HAVING sum(n) <> 0
    ON CONFLICT (department_id, status) DO UPDATE SET count = defects_queuestatuscount.count + EXCLUDED.count
"""
ADDED = (
    "SELECT department_id, status, count(*) AS n FROM new_rows WHERE status <> 'unconfirmed' GROUP BY 1, 2"
)
REMOVED = (
    "SELECT department_id, status, -count(*) AS n FROM old_rows WHERE status <> 'unconfirmed' GROUP BY 1, 2"
)

CREATE_TRIGGERS = f"""
CREATE FUNCTION defects_queue_count_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {COUNT_DELTAS.format(deltas=ADDED)};
    RETURN NULL;
END $$;
CREATE FUNCTION defects_queue_count_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {COUNT_DELTAS.format(deltas=ADDED + " UNION ALL " + REMOVED)};
    RETURN NULL;
END $$;
CREATE FUNCTION defects_queue_count_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {COUNT_DELTAS.format(deltas=REMOVED)};
    RETURN NULL;
END $$;
CREATE FUNCTION defects_queue_count_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM defects_queuestatuscount;
    RETURN NULL;
END $$;
CREATE TRIGGER defects_queue_count_insert AFTER INSERT ON defects_report
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION defects_queue_count_insert();
CREATE TRIGGER defects_queue_count_update AFTER UPDATE ON defects_report
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION defects_queue_count_update();
CREATE TRIGGER defects_queue_count_delete AFTER DELETE ON defects_report
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION defects_queue_count_delete();
CREATE TRIGGER defects_queue_count_truncate AFTER TRUNCATE ON defects_report
    FOR EACH STATEMENT EXECUTE FUNCTION defects_queue_count_truncate();
-- The reports there are now.
INSERT INTO defects_queuestatuscount (department_id, status, count)
SELECT department_id, status, count(*) FROM defects_report WHERE status <> 'unconfirmed' GROUP BY 1, 2;
"""
DROP_TRIGGERS = """
DROP TRIGGER defects_queue_count_insert ON defects_report;
DROP TRIGGER defects_queue_count_update ON defects_report;
DROP TRIGGER defects_queue_count_delete ON defects_report;
DROP TRIGGER defects_queue_count_truncate ON defects_report;
DROP FUNCTION defects_queue_count_insert();
DROP FUNCTION defects_queue_count_update();
DROP FUNCTION defects_queue_count_delete();
DROP FUNCTION defects_queue_count_truncate();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("defects", "0003_report_created_keyset"),
        ("districts", "0003_pointofinterest"),
    ]

    operations = [
        migrations.CreateModel(
            name="QueueStatusCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("unconfirmed", "unbestätigt"),
                            ("open", "offen"),
                            ("in_progress", "in Bearbeitung"),
                            ("resolved", "erledigt"),
                            ("rejected", "nicht zuständig"),
                            ("duplicate", "bereits gemeldet"),
                            ("closed", "geschlossen"),
                            ("reopened", "wieder geöffnet"),
                        ],
                        max_length=20,
                    ),
                ),
                ("count", models.BigIntegerField(default=0)),
                (
                    "department",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="districts.department",
                    ),
                ),
            ],
            options={
                "verbose_name": "Anzahl je Status",
                "verbose_name_plural": "Anzahlen je Status",
                "constraints": [
                    models.UniqueConstraint(fields=("department", "status"), name="queue_status_count_unique")
                ],
            },
        ),
        migrations.RunSQL(CREATE_TRIGGERS, DROP_TRIGGERS),
    ]
