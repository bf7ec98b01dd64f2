from django.db import migrations

# The finance team's group (coprod.accounts.roles.Role.FINANCE), frozen here.
NAME = "finance"


def create_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name=NAME)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("coprod", "0023_user_buddhist_era")]

    operations = [migrations.RunPython(create_group, remove_group)]
