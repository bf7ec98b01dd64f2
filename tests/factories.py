import factory
from django.contrib.auth.models import Group

from coprod.accounts.models import Company, User
from coprod.accounts.roles import Role
from coprod.catalog.models import Title


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Studio {n}")
    kind = Company.Kind.PARTNER_STUDIO
    country = "JP"


class TitleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Title

    original_title = factory.Sequence(lambda n: f"작품 {n}")
    romanized_title = factory.Sequence(lambda n: f"Jakpum {n}")
    kind = Title.Kind.FILM
    year = 2024


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get(name=extracted))
            if extracted == Role.PARTNER_STUDIO and self.company is None:
                self.company = CompanyFactory()
            self.save()
