"""Plain SQL for the few hot paths, built from the models' own metadata.

The ORM compiles every query anew: for a submission at a call's deadline, building its queries
cost more CPU than running them (docs/architecture.md has the figures). These helpers keep the
model as the one description of a table: the columns and the conversion of each value come from
its fields, so a new field needs no change here, and rows become ordinary model instances. They
skip what `save()` adds around its SQL (signals, parents in multi-table inheritance, choosing
between UPDATE and INSERT): use them only where none of that applies.

`together()` sends the statements of a block to PostgreSQL in one go (pipeline mode), so a
transaction's reads cost one round trip and its writes another, not one each.
"""

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from typing import Any

from django.conf import settings
from django.db import connection, models

type Converter = Callable[[Any, Any, Any], Any]
type Field = models.Field[Any, Any]  # evaluated lazily: Field is generic for the type checker only


def table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def columns(model: type[models.Model], alias: str) -> str:
    """`alias."col", …` for every concrete field, in the order `instance` reads them."""
    return ", ".join(f"{alias}.{_quoted(f)}" for f in _fields(model))


def instance[M: models.Model](model: type[M], row: Sequence[Any], start: int = 0) -> tuple[M, int]:
    """The instance held by row[start:…] (as `columns` listed it) and where the next one starts."""
    names, conversions = _reader(model, connection.vendor)
    end = start + len(names)
    values = list(row[start:end])
    for index, column, converters in conversions:
        value = values[index]
        for convert in converters:
            value = convert(value, column, connection)
        values[index] = value
    return model.from_db(connection.alias, names, values), end


# What to read when `together()` ends: each inserted row's new pk, each INSERT … SELECT's ids.
_unread: ContextVar[list[Callable[[], None]] | None] = ContextVar("unread", default=None)


@contextmanager
def together() -> Iterator[None]:
    """Send the statements run inside to PostgreSQL together: one round trip per read, not each.

    In PostgreSQL's pipeline mode a statement is sent without waiting for its answer; the first
    read of a result sends everything queued so far and waits once. So four SELECTs executed
    before any fetch cost one round trip, and so do the writes that follow. Rows inserted with
    `insert` get their pk when the block ends (do not read it inside). Errors surface at the
    next read or at the end of the block, as Django's exceptions. Elsewhere (SQLite, a libpq
    without pipelines, or POLLEN_DB_PIPELINE=0) the block runs its statements one by one.
    """
    nested = _unread.get() is not None
    if nested or connection.vendor != "postgresql" or not settings.DB_PIPELINE:
        yield
        return
    import psycopg  # only PostgreSQL has pipelines; SQLite deployments need not install it

    if not psycopg.Pipeline.is_supported():
        yield
        return
    connection.ensure_connection()
    unread: list[Callable[[], None]] = []
    token = _unread.set(unread)
    try:
        with connection.wrap_database_errors, connection.connection.pipeline():
            yield
    finally:
        _unread.reset(token)
    for read in unread:  # the block ended without error: every answer is in
        read()


def insert(obj: models.Model) -> None:
    """INSERT obj as `obj.save()` would a new row (defaults, auto_now_add) and set its pk.

    Inside `together()` the pk is set when the block ends, so the INSERT waits for nothing.
    """
    model = type(obj)
    fields = _inserted(model)
    values = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    if (unread := _unread.get()) is None:
        with connection.cursor() as cursor:
            cursor.execute(_insert_sql(model), values)
            (obj.pk,) = cursor.fetchone()
    else:
        cursor = connection.cursor()  # read, then closed, when the block ends
        cursor.execute(_insert_sql(model), values)
        unread.append(lambda: _read_pk(obj, cursor))
    obj._state.adding, obj._state.db = False, connection.alias


def _read_pk(obj: models.Model, cursor: Any) -> None:
    with cursor:
        (obj.pk,) = cursor.fetchone()


def insert_for_each(
    obj: models.Model, link: str, source: type[models.Model], where: str, params: Sequence[Any]
) -> list[int]:
    """INSERT a copy of obj for each row of `source` matching `where` (the row is named `t`),
    its foreign key `link` set to that row: `INSERT … SELECT`, one statement, no answer to wait
    for. Returns the list of the new rows' pks, filled when `together()` ends (at once
    elsewhere). Fields left None are not written (they stay NULL): PostgreSQL could not type a
    NULL parameter in the SELECT list."""
    model = type(obj)
    target = _field(model, link)
    values, names = [], [_quoted(target)]
    for field in _inserted(model):
        if field is not target:
            value = field.get_db_prep_save(field.pre_save(obj, True), connection)
            if value is not None:
                names.append(_quoted(field))
                values.append(value)
    pk = _quoted(_field(source, source._meta.pk.name))
    marks = ", ".join(["%s"] * len(values))
    returned = _quoted(_field(model, model._meta.pk.name))
    statement = (
        f"INSERT INTO {table(model)} ({', '.join(names)}) "  # noqa: S608 - names from the models
        f"SELECT t.{pk}, {marks} FROM {table(source)} t WHERE {where} RETURNING {returned}"
    )
    ids: list[int] = []

    def read(cursor: Any) -> None:
        with cursor:
            ids.extend(row[0] for row in cursor.fetchall())

    cursor = connection.cursor()
    cursor.execute(statement, [*values, *params])
    if (unread := _unread.get()) is None:
        read(cursor)
    else:
        unread.append(lambda: read(cursor))
    return ids


def update(obj: models.Model, field_names: Sequence[str]) -> None:
    """UPDATE these fields of obj's row, as `obj.save(update_fields=…)` would."""
    model = type(obj)
    fields = [_field(model, name) for name in field_names]
    values = [f.get_db_prep_save(f.pre_save(obj, False), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(_update_sql(model, tuple(field_names)), [*values, obj.pk])


@cache
def _fields(model: type[models.Model]) -> tuple[Field, ...]:
    return tuple(model._meta.concrete_fields)


def _field(model: type[models.Model], name: str) -> Field:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field) and field.concrete, name
    return field


def _quoted(field: Field) -> str:
    assert field.column is not None
    return connection.ops.quote_name(field.column)


@cache
def _reader(
    model: type[models.Model], vendor: str
) -> tuple[list[str], list[tuple[int, Any, list[Converter]]]]:
    """Field names and, per column, the converters the ORM's compiler would apply to it."""
    conversions = []
    for index, field in enumerate(_fields(model)):
        column = field.get_col(model._meta.db_table)
        converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if converters:
            conversions.append((index, column, converters))
    return [f.attname for f in _fields(model)], conversions


@cache
def _inserted(model: type[models.Model]) -> tuple[Field, ...]:
    return tuple(f for f in _fields(model) if f is not model._meta.auto_field)


@cache
def _insert_sql(model: type[models.Model]) -> str:
    names = ", ".join(_quoted(f) for f in _inserted(model))
    marks = ", ".join(["%s"] * len(_inserted(model)))
    pk = _quoted(_field(model, model._meta.pk.name))
    return f"INSERT INTO {table(model)} ({names}) VALUES ({marks}) RETURNING {pk}"  # noqa: S608 - names from the model


@cache
def _update_sql(model: type[models.Model], field_names: tuple[str, ...]) -> str:
    sets = ", ".join(f"{_quoted(_field(model, n))} = %s" for n in field_names)
    pk = _quoted(_field(model, model._meta.pk.name))
    return f"UPDATE {table(model)} SET {sets} WHERE {pk} = %s"  # noqa: S608 - names from the model
