import factory

from punchcard.training import counts
from punchcard.training.models import TrainingSession


class TrainingSessionFactory(factory.django.DjangoModelFactory):
    """A session row; the package's counter and the studio's month tally are recounted from
    the rows, as a bulk load would."""

    class Meta:
        model = TrainingSession
        skip_postgeneration_save = True

    package = None
    client = factory.LazyAttribute(lambda s: s.package.client)
    studio = factory.LazyAttribute(lambda s: s.client.studio)
    status = TrainingSession.Status.COMPLETED

    @factory.post_generation
    def recount(obj, create, extracted, **kwargs):
        if not create:
            return
        if obj.package_id:
            counts.recount([obj.package_id])


def log_on_day(persona, package, day, *, hour: int = 10, status: str = "completed"):
    """Log a session through the service, as `persona`, at hour:00 UTC on `day`."""
    from datetime import UTC, datetime

    from punchcard.training import services

    return services.session_log(
        studio=persona.studio,
        actor=persona.user,
        client=package.client,
        package=package,
        starts_at=datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC),
        status=status,
    )
