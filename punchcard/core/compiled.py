"""Querysets whose SQL the ORM writes once per connection: for the statements on a hot path.

Django builds and compiles a queryset again on every run. For the rule that picks a new session's
package that was 1.4 of the 1.7 ms of Python the query cost, on every session logged; for the
bearer-token check (a three-table join) 0.7 ms of every API call; for the dashboard's five
querysets ~5 ms a visit, more than running them. A compiled query builds its queryset once, with
placeholder values that no row has, notes where each placeholder landed among the SQL's
parameters, and from then on runs that SQL with the call's values. The queryset stays the one
description of the query:

- CompiledQuery gives model instances, made as the ORM's own iterator makes them (select_related
  objects included, each column converted as the ORM would);
- CompiledRows gives the tuples of values_list() querysets, and reads several of them in one
  statement (UNION ALL): one round trip, not one a queryset.

A slice's bounds are the one value Django writes into the SQL as text (`LIMIT 50 OFFSET 100`),
not as parameters. Placeholders named `offset` and `limit` (a build slices `[offset:offset +
limit]`, anywhere in the query, a subquery included) become parameters of that text instead.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from weakref import WeakKeyDictionary

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet, signals
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query import get_related_populators
from django.db.models.query_utils import DeferredAttribute

PLACEHOLDER_TYPES = (int, str, date, datetime)
SLICE = ("limit", "offset")
# What a field puts on its model's class when setting it only stores the value (DeferredAttribute
# reads a deferred field on first use; the foreign key's also forgets a cached object, none yet).
_PLAIN_ATTRIBUTES = (DeferredAttribute, ForeignKeyDeferredAttribute)
# A parameter's mark, or a literal percent sign (written twice), in the SQL a compiler wrote.
_MARKS = re.compile(r"%s|%%")


def _spelled(connection, value):
    # As lookups hand values to the database (SQLite gets dates and times as text).
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return connection.ops.adapt_datefield_value(value)
    return value


@dataclass(frozen=True)
class _Statement:
    sql: str
    # Per parameter: (name of the call's value, its type as the SQL had it, None), or
    # (None, None, a constant). PostgreSQL's integers can come typed (psycopg's Int4, an int).
    slots: list
    compiler: object  # of the (first) queryset: what its rows are and how to convert them
    converters: dict  # its get_converters() for the selected columns, worked out once


class _Compiled:
    def __init__(self, *builds: Callable[..., QuerySet], **placeholders):
        """Each `build(**values)` returns a queryset; each value must reach the SQL as a plain
        parameter (an id, a hash, a day, a time), which is checked when it is first compiled."""
        for name, value in placeholders.items():
            if type(value) not in PLACEHOLDER_TYPES:
                raise TypeError(f"{name}: only ints, strings, dates and times can be placeholders")
        sliced = [name for name in SLICE if name in placeholders]
        if sliced and (len(sliced) < 2 or min(placeholders[n] for n in SLICE) < 1):
            raise ValueError("a slice needs both `offset` and `limit`, each at least 1")
        self.builds = builds
        self.placeholders = placeholders
        # Per connection (each thread has its own): converters are the connection's methods.
        self._statements = WeakKeyDictionary()

    def _write(self, connection) -> _Statement:
        spelled = {name: _spelled(connection, v) for name, v in self.placeholders.items()}
        parts, slots, compilers = [], [], []
        for index, build in enumerate(self.builds):
            compiler = build(**self.placeholders).query.get_compiler(connection=connection)
            sql, params = compiler.as_sql()
            if "limit" in self.placeholders:
                sql, params = self._slice_as_parameters(sql, list(params))
            if len(self.builds) > 1:
                # Each row tagged with its queryset's index, in a last column.
                sql = f"SELECT t{index}.*, {index} FROM ({sql}) t{index}"
            parts.append(sql)
            compilers.append(compiler)
            for param in params:
                name = next(
                    (n for n, v in spelled.items() if isinstance(param, type(v)) and param == v),
                    None,
                )
                slots.append((name, type(param), None) if name else (None, None, param))
        missing = set(self.placeholders) - {name for name, *_ in slots}
        if missing:
            raise ValueError(f"not plain parameters of the SQL: {sorted(missing)}")
        first = compilers[0]
        converters = first.get_converters([c for c, *_ in first.select[: first.col_count]])
        return _Statement(" UNION ALL ".join(parts), slots, first, converters)

    def _slice_as_parameters(self, sql: str, params: list) -> tuple[str, list]:
        """`LIMIT <limit> OFFSET <offset>` as the placeholders' values wrote it, made parameters."""
        text = f"LIMIT {self.placeholders['limit']} OFFSET {self.placeholders['offset']}"
        at = sql.find(text)
        if at < 0 or sql.find(text, at + 1) >= 0:
            raise ValueError(f"not one slice [offset:offset + limit] in the SQL: {sql}")
        before = sum(mark == "%s" for mark in _MARKS.findall(sql, 0, at))
        params[before:before] = [self.placeholders["limit"], self.placeholders["offset"]]
        return sql[:at] + "LIMIT %s OFFSET %s" + sql[at + len(text) :], params

    def _execute(self, cursor, values: dict) -> _Statement:
        connection = cursor.db
        statement = self._statements.get(connection)
        if statement is None:
            statement = self._statements[connection] = self._write(connection)
        params = []
        for name, kind, constant in statement.slots:
            if name is None:
                params.append(constant)
            else:
                value = _spelled(connection, values[name])
                params.append(value if type(value) is kind else kind(value))
        cursor.execute(statement.sql, params)
        return statement


class CompiledRows(_Compiled):
    """values_list() querysets run as one statement; every one must have the same columns."""

    def execute(self, cursor, **values) -> Callable[[list], list]:
        """Run the statement on `cursor` (a plain or a chunked one); returns the function that
        converts rows fetched from it as values_list() would."""
        statement = self._execute(cursor, values)
        compiler, converters = statement.compiler, statement.converters
        if not converters:
            return lambda rows: rows
        return lambda rows: list(compiler.apply_converters(rows, converters))

    def rows(self, *, using: str = DEFAULT_DB_ALIAS, **values) -> list:
        with connections[using].cursor() as cursor:
            convert = self.execute(cursor, **values)
            return convert(cursor.fetchall())

    def parts(self, **values) -> list[list]:
        """The rows of each queryset, in the order of the builds (the tag column dropped).

        A subquery's ORDER BY need not survive UNION ALL: sort each part again if it matters.
        """
        found = [[] for _ in self.builds]
        for row in self.rows(**values):
            found[row[-1]].append(row[:-1])
        return found


def _plain_from_db(model, alias: str, attnames: list):
    """model.from_db(alias, attnames, values) without Model.__init__, for a model where that
    changes nothing: no __init__ or from_db of its own, no init signals, plain field attributes.

    __init__ sends two signals and sets each field through its descriptor, which for a row read
    from the database only stores the value: a third of the time a page of 50 packages took to
    become instances. None when the model does anything more.
    """
    plain = (
        model.__init__ is Model.__init__
        and model.from_db.__func__ is Model.from_db.__func__
        and not signals.pre_init.has_listeners(model)
        and not signals.post_init.has_listeners(model)
        and all(type(getattr(model, name, None)) in _PLAIN_ATTRIBUTES for name in attnames)
    )
    if not plain:
        return None

    def from_db(values) -> Model:
        instance = model.__new__(model)
        instance.__dict__.update(zip(attnames, values, strict=True))
        state = instance._state = ModelState()
        state.adding, state.db = False, alias
        return instance

    return from_db


class CompiledQuery(_Compiled):
    """One queryset whose rows come back as model instances."""

    def __init__(self, build: Callable[..., QuerySet], **placeholders):
        super().__init__(build, **placeholders)
        self._makers = WeakKeyDictionary()

    def _maker(self, statement: _Statement, alias: str):
        # What ModelIterable works out from the compiler before it reads a row.
        compiler = statement.compiler
        select, klass_info = compiler.select, compiler.klass_info
        own = klass_info["select_fields"]
        fields = slice(own[0], own[-1] + 1)
        init_list = [column.target.attname for column, *_ in select[fields]]
        populators = get_related_populators(klass_info, select, alias)
        annotations = dict(compiler.annotation_col_map or {})
        converters = [(pos, convs, expr) for pos, (convs, expr) in statement.converters.items()]
        model, connection = klass_info["model"], compiler.connection
        from_db = _plain_from_db(model, alias, init_list) or partial(
            model.from_db, alias, init_list
        )

        def make(row) -> Model:
            row = list(row)
            for pos, convs, expression in converters:
                value = row[pos]
                for convert in convs:
                    value = convert(value, expression, connection)
                row[pos] = value
            instance = from_db(row[fields])
            for populator in populators:
                populator.populate(row, instance)
            for name, pos in annotations.items():
                setattr(instance, name, row[pos])
            return instance

        return make

    def all(self, *, using: str = DEFAULT_DB_ALIAS, **values) -> list[Model]:
        """The rows of the queryset built with `values`, as model instances."""
        connection = connections[using]
        with connection.cursor() as cursor:
            statement = self._execute(cursor, values)
            rows = cursor.fetchall()
        make = self._makers.get(connection)
        if make is None:
            make = self._makers[connection] = self._maker(statement, using)
        return [make(row) for row in rows]

    def first(self, *, using: str = DEFAULT_DB_ALIAS, **values) -> Model | None:
        """The first row of the queryset built with `values` (slice it: `[:1]`), or None."""
        found = self.all(using=using, **values)
        return found[0] if found else None
