import factory

from punchcard.clients.models import Client
from punchcard.studios.tests.factories import StudioFactory


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    studio = factory.SubFactory(StudioFactory)
    name = factory.Faker("name")
    email = factory.LazyAttribute(lambda c: f"{c.name.lower().replace(' ', '.')}@example.com")
