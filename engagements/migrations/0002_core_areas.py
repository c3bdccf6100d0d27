"""Create the eight fixed core areas."""

from django.db import migrations

CORE_AREAS = [
    ("community_engagement", "Community engagement"),
    ("constitutional_policing", "Constitutional policing"),
    ("crime_analysis", "Crime analysis"),
    ("criminal_justice_collaboration", "Criminal justice collaboration"),
    ("federal_partnerships", "Federal partnerships"),
    ("gun_violence", "Gun violence"),
    ("investigations", "Investigations"),
    ("technology", "Technology"),
]


def create(apps, schema_editor):
    CoreArea = apps.get_model("engagements", "CoreArea")
    for order, (code, name) in enumerate(CORE_AREAS, start=1):
        CoreArea.objects.update_or_create(code=code, defaults={"name": name, "order": order})


def remove(apps, schema_editor):
    apps.get_model("engagements", "CoreArea").objects.filter(
        code__in=[c for c, _ in CORE_AREAS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("engagements", "0001_initial")]
    operations = [migrations.RunPython(create, remove)]
