import factory

from punchcard.clients.tests.factories import ClientFactory
from punchcard.packages.models import Package, PackageType
from punchcard.studios.tests.factories import StudioFactory


class PackageTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PackageType

    studio = factory.SubFactory(StudioFactory)
    name = factory.Sequence(lambda n: f"Type {n}")
    total_sessions = 12
    total_value_cents = 120_000


class PackageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Package

    studio = factory.SubFactory(StudioFactory)
    client = factory.SubFactory(ClientFactory, studio=factory.SelfAttribute("..studio"))
    name = "Standard"
    total_value_cents = 120_000
    total_sessions = 12
