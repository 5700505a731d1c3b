"""Prediction folders are storage names now: clear absolute ``predictions_path`` values of
earlier attempts (a re-evaluation then re-validates the stored upload)."""

from django.db import migrations


def clear_absolute(apps, schema_editor):
    Submission = apps.get_model("submissions", "Submission")
    Submission.objects.filter(predictions_path__startswith="/").update(predictions_path="")


class Migration(migrations.Migration):
    dependencies = [("submissions", "0002_h12state_status_changes")]
    operations = [migrations.RunPython(clear_absolute, migrations.RunPython.noop)]
