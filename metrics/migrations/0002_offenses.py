"""Create the fixed offense codes."""

from django.db import migrations

OFFENSES = [
    ("homicide", "Homicide", False),
    ("rape", "Rape", False),
    ("robbery", "Robbery", False),
    ("aggravated_assault", "Aggravated assault", False),
    ("violent_crime", "Violent crime", True),
    ("nonfatal_shooting_victims", "Nonfatal shooting victims", False),
    ("nonfatal_shooting_incidents", "Nonfatal shooting incidents", False),
    ("fatal_shooting_incidents", "Fatal shooting incidents", False),
    ("shots_fired", "Shots fired", False),
    ("burglary", "Burglary", False),
    ("larceny", "Larceny", False),
    ("motor_vehicle_theft", "Motor vehicle theft", False),
]


def create(apps, schema_editor):
    Offense = apps.get_model("metrics", "Offense")
    for order, (code, name, derived) in enumerate(OFFENSES, start=1):
        Offense.objects.update_or_create(
            code=code, defaults={"name": name, "is_derived": derived, "order": order}
        )


def remove(apps, schema_editor):
    apps.get_model("metrics", "Offense").objects.filter(code__in=[c for c, *_ in OFFENSES]).delete()


class Migration(migrations.Migration):
    dependencies = [("metrics", "0001_initial")]
    operations = [migrations.RunPython(create, remove)]
