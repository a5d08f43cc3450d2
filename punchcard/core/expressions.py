"""SQL expressions the selectors share."""

from django.db.models import Func, IntegerField


class RowCount(Func):
    """COUNT(*) as a plain scalar subquery's column: Count() in a subquery of values() adds a
    GROUP BY, a step per counted row (grouping a month's 40,000 sessions by their one studio cost
    PostgreSQL a quarter of the count), and a Coalesce, as no group means no row."""

    template = "COUNT(*)"
    output_field = IntegerField()
