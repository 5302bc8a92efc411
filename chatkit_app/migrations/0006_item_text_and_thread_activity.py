"""Messages' text in a column of its own, searchable; threads listed by last activity through an index.

The admin searches what users and the assistant said (`chatkit_app.console.search`).
The store writes `Item.text` with each item; existing messages get theirs here. On
PostgreSQL GIN indexes over the words of messages and of titles (the 'simple'
configuration, as the search uses) answer it; SQLite scans the columns.
"""

from importlib import import_module

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations, models

MESSAGES = ("user_message", "assistant_message")
BATCH = 2000


def text_index() -> GinIndex:
    # The same expression as the search's, so PostgreSQL answers the search from this index.
    return GinIndex(SearchVector("text", config="simple"), name="item_text_search")


def title_index() -> GinIndex:
    return GinIndex(SearchVector("title", config="simple"), name="thread_title_search")


def fill_text(apps, schema_editor):
    Item = apps.get_model("chatkit_app", "Item")
    last = 0
    while True:
        batch = list(Item.objects.filter(seq__gt=last, type__in=MESSAGES).order_by("seq").only("seq", "data")[:BATCH])
        if not batch:
            return
        for item in batch:
            content = item.data.get("content") or []
            item.text = "\n".join(part.get("text") or "" for part in content if isinstance(part, dict))
        Item.objects.bulk_update(batch, ["text"])
        last = batch[-1].seq


def restore_activity_trigger(apps, schema_editor):
    # A NOT NULL column makes SQLite copy the item table, and the copy has no triggers: 0005's again.
    if schema_editor.connection.vendor == "sqlite":
        trigger = import_module("chatkit_app.migrations.0005_thread_activity_trigger")
        schema_editor.execute(trigger.DROP["sqlite"])
        schema_editor.execute(trigger.SQLITE)


def add_text_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("chatkit_app", "Item"), text_index())
        schema_editor.add_index(apps.get_model("chatkit_app", "Thread"), title_index())


def remove_text_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("chatkit_app", "Item"), text_index())
        schema_editor.remove_index(apps.get_model("chatkit_app", "Thread"), title_index())


class Migration(migrations.Migration):
    dependencies = [("chatkit_app", "0005_thread_activity_trigger")]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, restore_activity_trigger),  # after removing the field
        migrations.AddField(
            model_name="item",
            name="text",
            field=models.TextField(blank=True, default="", help_text="A user or assistant message's text, for search."),
        ),
        migrations.AddIndex(
            model_name="thread",
            index=models.Index(fields=["updated_at", "seq"], name="thread_activity"),
        ),
        migrations.RunPython(restore_activity_trigger, migrations.RunPython.noop),
        migrations.RunPython(fill_text, migrations.RunPython.noop),
        migrations.RunPython(add_text_index, remove_text_index),
    ]
