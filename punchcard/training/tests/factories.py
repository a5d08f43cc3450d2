import factory

from punchcard.training import counts
from punchcard.training.models import TrainingSession


class TrainingSessionFactory(factory.django.DjangoModelFactory):
    """A session row; the package's counter is recounted from the rows, as an import would."""

    class Meta:
        model = TrainingSession
        skip_postgeneration_save = True

    package = None
    client = factory.LazyAttribute(lambda s: s.package.client)
    studio = factory.LazyAttribute(lambda s: s.client.studio)
    status = TrainingSession.Status.COMPLETED

    @factory.post_generation
    def recount(obj, create, extracted, **kwargs):
        if create and obj.package_id:
            counts.recount([obj.package_id])
