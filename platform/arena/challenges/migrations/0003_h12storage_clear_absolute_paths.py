"""Dataset folders are storage names now: clear the absolute folder paths of phases imported
before (they are no storage names; the phase needs its dataset imported again, which
``seed_demo`` does for the demo phases)."""

from django.db import migrations


def clear_absolute(apps, schema_editor):
    Phase = apps.get_model("challenges", "Phase")
    for phase in Phase.objects.all():
        if phase.inputs_path.startswith("/") or phase.references_path.startswith("/"):
            phase.inputs_path = phase.references_path = ""
            phase.save(update_fields=["inputs_path", "references_path"])


class Migration(migrations.Migration):
    dependencies = [("challenges", "0002_h12storage_dataset_facts")]
    operations = [migrations.RunPython(clear_absolute, migrations.RunPython.noop)]
