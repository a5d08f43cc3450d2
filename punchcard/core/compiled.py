"""Querysets whose SQL the ORM writes once per connection: for the few statements on a hot path.

Django builds and compiles a queryset again on every run. For the rule that picks a new session's
package that was 1.4 of the 1.7 ms of Python the query cost, on every session logged; for the
bearer-token check (a three-table join) 0.7 of every API call's Python. A CompiledQuery builds its
queryset once, with placeholder values that no row has, notes where each placeholder landed among
the SQL's parameters, and from then on runs that SQL with the call's values. Rows become
instances the way the ORM's own iterator makes them (select_related objects included, each
column converted as the ORM would), so the queryset stays the one description of the query.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from weakref import WeakKeyDictionary

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators

PLACEHOLDER_TYPES = (int, str, date)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    slots: list  # per parameter: (name of the call's value, None) or (None, a constant)
    model: type[Model]
    fields: slice  # the model's own columns in a row
    init_list: list[str]
    populators: list  # select_related objects, as ModelIterable fills them
    converters: list  # (position, converter functions, expression)
    annotations: dict  # name -> position


class CompiledQuery:
    def __init__(self, build: Callable[..., QuerySet], **placeholders: int | str | date):
        """`build(**values)` returns the queryset. Each value must reach the SQL as a plain
        parameter (an id, a hash, a date), which is checked when it is first compiled."""
        for name, value in placeholders.items():
            if type(value) not in PLACEHOLDER_TYPES:
                raise TypeError(f"{name}: only ints, strings and dates can be placeholders")
        self.build = build
        self.placeholders = placeholders
        # Per connection (each thread has its own): the converters are the connection's methods.
        self._compiled = WeakKeyDictionary()

    def _compile(self, alias: str) -> _Compiled:
        connection = connections[alias]
        queryset = self.build(**self.placeholders)
        compiler = queryset.query.get_compiler(alias)
        sql, params = compiler.as_sql()
        # How each placeholder is spelled among the parameters (SQLite gets dates as text).
        spelled = {
            name: connection.ops.adapt_datefield_value(value) if isinstance(value, date) else value
            for name, value in self.placeholders.items()
        }
        slots = []
        for param in params:
            name = next(
                (n for n, v in spelled.items() if type(param) is type(v) and param == v), None
            )
            slots.append((name, None if name else param))
        missing = set(self.placeholders) - {name for name, _ in slots}
        if missing:
            raise ValueError(f"not plain parameters of the SQL: {sorted(missing)}")
        # as_sql() filled these in, as it does before the ORM's own iterator reads them.
        select, klass_info = compiler.select, compiler.klass_info
        own = klass_info["select_fields"]
        converters = compiler.get_converters(
            [column for column, *_ in select[: compiler.col_count]]
        )
        return _Compiled(
            sql=sql,
            slots=slots,
            model=klass_info["model"],
            fields=slice(own[0], own[-1] + 1),
            init_list=[column.target.attname for column, *_ in select[own[0] : own[-1] + 1]],
            populators=get_related_populators(klass_info, select, alias),
            converters=[(pos, convs, expr) for pos, (convs, expr) in converters.items()],
            annotations=dict(compiler.annotation_col_map or {}),
        )

    def all(self, *, using: str = DEFAULT_DB_ALIAS, **values) -> list[Model]:
        """The rows of the queryset built with `values`, as model instances."""
        connection = connections[using]
        compiled = self._compiled.get(connection)
        if compiled is None:
            compiled = self._compiled[connection] = self._compile(using)
        params = [values[name] if name else constant for name, constant in compiled.slots]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        instances = []
        for row in rows:
            row = list(row)
            for pos, convs, expression in compiled.converters:
                value = row[pos]
                for convert in convs:
                    value = convert(value, expression, connection)
                row[pos] = value
            instance = compiled.model.from_db(using, compiled.init_list, row[compiled.fields])
            for populator in compiled.populators:
                populator.populate(row, instance)
            for name, pos in compiled.annotations.items():
                setattr(instance, name, row[pos])
            instances.append(instance)
        return instances

    def first(self, *, using: str = DEFAULT_DB_ALIAS, **values) -> Model | None:
        """The first row of the queryset built with `values`, as a model instance, or None."""
        found = self.all(using=using, **values)
        return found[0] if found else None
