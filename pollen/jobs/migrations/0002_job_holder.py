from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="job",
            name="holder",
            field=models.CharField(
                blank=True, max_length=64, verbose_name="session qui l'a demandé"
            ),
        ),
    ]
