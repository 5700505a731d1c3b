"""Collected outputs are storage names now: clear absolute ``Job.predictions_path`` values of
earlier runs (local worker folders, not storage names)."""

from django.db import migrations


def clear_absolute(apps, schema_editor):
    Job = apps.get_model("execution", "Job")
    Job.objects.filter(predictions_path__startswith="/").update(predictions_path="")


class Migration(migrations.Migration):
    dependencies = [("execution", "0001_initial")]
    operations = [migrations.RunPython(clear_absolute, migrations.RunPython.noop)]
