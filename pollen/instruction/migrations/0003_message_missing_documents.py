from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("instruction", "0002_assignmentrun"),
    ]

    operations = [
        migrations.AddField(
            model_name="message",
            name="missing_documents",
            field=models.JSONField(blank=True, default=list),
        ),
    ]
