"""The tamper-evident trail: every audit event is chained by hashes to the one before it on its subject's chain.

Rows written before this migration are chained here, in id order, 2,000 at a time (memory holds one batch and one
head per chain, never the trail), with the same functions the live trail uses (`workflows.trail.hashing`), so that
`manage.py verify_audit` passes straight after upgrading. On PostgreSQL the append-only trigger is disabled for the
backfill and enabled again inside this migration's one transaction: the change is invisible to every other session
(which cannot write the table meanwhile, as ALTER TABLE holds its lock), and any failure rolls both back.
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

from workflows.trail.hashing import CONTENT_COLUMNS, GENESIS, Sealer, chain_key, content_of_row

BATCH = 2000
TRIGGER = "workflows_auditevent_append_only"  # made by 0002_append_only_on_postgresql


def chain_existing_events(apps, schema_editor):
    AuditEvent = apps.get_model("workflows", "AuditEvent")
    AuditChain = apps.get_model("workflows", "AuditChain")
    ContentType = apps.get_model("contenttypes", "ContentType")
    connection = schema_editor.connection
    if not AuditEvent.objects.exists():
        return
    postgres = connection.vendor == "postgresql"
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    labels = {pk: f"{app}.{model}" for pk, app, model in ContentType.objects.values_list("pk", "app_label", "model")}
    with connection.cursor() as cursor:
        if postgres:
            if not connection.in_atomic_block:
                raise RuntimeError("The trail must be chained inside the migration's transaction.")
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {TRIGGER}")
        sealer = Sealer()
        chain_ids: dict[str, int] = {}
        last = 0
        while True:
            rows = list(
                AuditEvent.objects.filter(pk__gt=last).order_by("pk").values_list("pk", *CONTENT_COLUMNS)[:BATCH]
            )
            if not rows:
                break
            keys = []
            new_chains = {}
            for row in rows:
                subject_type_id, subject_id = row[7], row[8]
                key = chain_key(None if subject_type_id is None else labels[subject_type_id], subject_id)
                keys.append(key)
                if key not in chain_ids and key not in new_chains:
                    general = subject_type_id is None or subject_id is None
                    new_chains[key] = AuditChain(
                        key=key,
                        subject_type_id=None if general else subject_type_id,
                        subject_id=None if general else subject_id,
                        length=0,
                        head_hash=GENESIS,
                    )
            for made in AuditChain.objects.bulk_create(new_chains.values()):
                chain_ids[made.key] = made.pk
            updates = []
            for row, key in zip(rows, keys, strict=True):
                sealed = sealer.seal(content_of_row(row[1:], labels), key)
                updates.append((row[0], chain_ids[key], sealed.position, sealed.previous_hash, sealed.content_hash))
            _write(cursor, table, updates, postgres=postgres)
            last = rows[-1][0]
            connection.queries_log.clear()  # with DEBUG on, Django would keep every batch's SQL text
        heads = [
            AuditChain(pk=chain_ids[key], length=head.position, head_hash=head.hash)
            for key, head in sealer.heads.items()
        ]
        AuditChain.objects.bulk_update(heads, ["length", "head_hash"], batch_size=BATCH)
        if postgres:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE refuses a table with checks pending
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {TRIGGER}")


def _write(cursor, table: str, updates: list[tuple], *, postgres: bool) -> None:
    if postgres:
        values = ", ".join(["(%s::bigint, %s::bigint, %s::bigint, %s::varchar, %s::varchar)"] * len(updates))
        cursor.execute(
            f"UPDATE {table} AS e SET chain_id = v.chain_id, chain_position = v.position, "  # noqa: S608 (no input)
            "previous_hash = v.previous_hash, content_hash = v.content_hash "
            f"FROM (VALUES {values}) AS v(id, chain_id, position, previous_hash, content_hash) WHERE e.id = v.id",
            [value for row in updates for value in row],
        )
    else:
        cursor.executemany(
            f"UPDATE {table} SET chain_id = %s, chain_position = %s, previous_hash = %s, content_hash = %s "  # noqa: S608
            "WHERE id = %s",
            [(chain, position, previous, own, pk) for pk, chain, position, previous, own in updates],
        )


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("workflows", "0007_notice_words_call_in_exemption_and_note"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditChain",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "key",
                    models.CharField(
                        help_text='"app.model:id" of the subject, or "general".', max_length=120, unique=True
                    ),
                ),
                ("subject_id", models.PositiveBigIntegerField(blank=True, null=True)),
                ("length", models.PositiveBigIntegerField(default=0)),
                ("head_hash", models.CharField(max_length=64)),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "subject_type",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="contenttypes.contenttype",
                    ),
                ),
            ],
        ),
        migrations.AddField(
            model_name="auditevent",
            name="chain",
            field=models.ForeignKey(
                db_index=False,
                help_text="Its subject's chain.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="events",
                to="workflows.auditchain",
            ),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="chain_position",
            field=models.PositiveBigIntegerField(
                help_text="1 for the chain's first event, then one more each.", null=True
            ),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="content_hash",
            field=models.CharField(default="", help_text="The SHA-256 of the event's content.", max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="previous_hash",
            field=models.CharField(
                default="", help_text="The hash of the event before it on its chain.", max_length=64
            ),
            preserve_default=False,
        ),
        migrations.RunPython(chain_existing_events, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name="auditevent",
            name="chain",
            field=models.ForeignKey(
                db_index=False,
                help_text="Its subject's chain.",
                on_delete=django.db.models.deletion.PROTECT,
                related_name="events",
                to="workflows.auditchain",
            ),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="chain_position",
            field=models.PositiveBigIntegerField(help_text="1 for the chain's first event, then one more each."),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(
                fields=("chain", "chain_position"), name="auditevent_one_event_per_chain_position"
            ),
        ),
    ]
