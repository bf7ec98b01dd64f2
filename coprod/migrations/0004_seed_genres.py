from django.db import migrations

GENRES = [
    ("drama", "Drama", "드라마"), ("romance", "Romance", "로맨스"),
    ("thriller", "Thriller", "스릴러"), ("crime", "Crime", "범죄"),
    ("action", "Action", "액션"), ("comedy", "Comedy", "코미디"),
    ("horror", "Horror", "공포"), ("fantasy", "Fantasy", "판타지"),
    ("historical", "Historical (sageuk)", "사극"), ("family", "Family", "가족"),
    ("sci-fi", "Science fiction", "SF"), ("documentary", "Documentary", "다큐멘터리"),
    ("animation", "Animation", "애니메이션"), ("mystery", "Mystery", "미스터리"),
]


def seed_genres(apps, schema_editor):
    Genre = apps.get_model("coprod", "Genre")
    for code, name, name_ko in GENRES:
        Genre.objects.get_or_create(code=code, defaults={"name": name, "name_ko": name_ko})


class Migration(migrations.Migration):
    dependencies = [("coprod", "0003_catalog_and_rights")]
    operations = [migrations.RunPython(seed_genres, migrations.RunPython.noop)]
