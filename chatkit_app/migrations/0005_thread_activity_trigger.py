"""A thread's `updated_at` moves with every new item: a database trigger, so no write costs a round trip more.

Items are written by the store one statement each (`store.rows`); the trigger
stamps their thread in the same statement's transaction, on SQLite and
PostgreSQL alike. Sorting threads by `updated_at` then shows recent activity.
"""

from django.db import migrations

SQLITE = """
CREATE TRIGGER chatkit_item_touches_thread AFTER INSERT ON chatkit_app_item
BEGIN
    UPDATE chatkit_app_thread SET updated_at = strftime('%Y-%m-%d %H:%M:%f', 'now')
    WHERE thread_id = NEW.thread_id;
END;
"""

POSTGRESQL = """
CREATE FUNCTION chatkit_item_touches_thread() RETURNS trigger AS $$
BEGIN
    UPDATE chatkit_app_thread SET updated_at = now() WHERE thread_id = NEW.thread_id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER chatkit_item_touches_thread AFTER INSERT ON chatkit_app_item
    FOR EACH ROW EXECUTE FUNCTION chatkit_item_touches_thread();
"""

DROP = {
    "sqlite": "DROP TRIGGER IF EXISTS chatkit_item_touches_thread;",
    "postgresql": "DROP TRIGGER IF EXISTS chatkit_item_touches_thread ON chatkit_app_item;"
    " DROP FUNCTION IF EXISTS chatkit_item_touches_thread();",
}


def create(apps, schema_editor):
    sql = {"sqlite": SQLITE, "postgresql": POSTGRESQL}.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql)


def drop(apps, schema_editor):
    sql = DROP.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("chatkit_app", "0004_replies")]

    operations = [migrations.RunPython(create, drop)]
