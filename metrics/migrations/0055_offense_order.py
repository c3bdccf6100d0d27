"""Order the offense rows as the vocabulary lists them (metrics/offenses.py): violent crime,
gun violence, then the other offenses. 0002 created them in another order, which lists and
admin pages followed while the engine and dashboards used this one."""

from django.db import migrations

# Frozen copy of the vocabulary's order at the time of this migration.
ORDER = [
    "violent_crime",
    "homicide",
    "nonfatal_shooting_victims",
    "nonfatal_shooting_incidents",
    "fatal_shooting_incidents",
    "shots_fired",
    "robbery",
    "aggravated_assault",
    "rape",
    "burglary",
    "larceny",
    "motor_vehicle_theft",
]
# 0002's order, to go back.
PREVIOUS = [
    "homicide",
    "rape",
    "robbery",
    "aggravated_assault",
    "violent_crime",
    "nonfatal_shooting_victims",
    "nonfatal_shooting_incidents",
    "fatal_shooting_incidents",
    "shots_fired",
    "burglary",
    "larceny",
    "motor_vehicle_theft",
]


def _order(codes):
    def run(apps, schema_editor):
        Offense = apps.get_model("metrics", "Offense")
        for order, code in enumerate(codes, start=1):
            Offense.objects.filter(code=code).update(order=order)

    return run


# Tests that flush the database put the reference rows back with 0002's ``create`` then this.
create = _order(ORDER)


class Migration(migrations.Migration):
    dependencies = [("metrics", "0054_more_watched_tables")]
    operations = [migrations.RunPython(_order(ORDER), _order(PREVIOUS))]
