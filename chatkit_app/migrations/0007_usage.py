from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("chatkit_app", "0006_item_text_and_thread_activity"),
    ]

    operations = [
        migrations.CreateModel(
            name="Usage",
            fields=[],
            options={
                "verbose_name": "usage",
                "verbose_name_plural": "usage",
                "proxy": True,
                "default_permissions": (),
                "indexes": [],
                "constraints": [],
            },
            bases=("chatkit_app.reply",),
        ),
    ]
