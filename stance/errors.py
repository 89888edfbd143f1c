"""One error hierarchy for everything `stance` raises on purpose.

``StanceError`` is the root; callers that want to catch "anything this library
complained about" catch it. Each message says what went wrong, with which
value, and what to do about it.
"""

from __future__ import annotations


class StanceError(Exception):
    """Base class of every error raised deliberately by `stance`."""


class ConfigError(StanceError):
    """A training/evaluation config is invalid (unknown key, wrong type, ...)."""


class InputError(StanceError):
    """User input (text, actors, files) cannot be processed as given."""


class DataError(InputError):
    """An annotated-sample record breaks the data contract.

    Attributes:
        path: file the record came from (``None`` for in-memory records).
        line: 1-based line number in that file (``None`` when unknown).
        record_id: the record's ``id`` when it could be read.
        field: the offending field, as a dotted path (``pairs[2].label``).
        problem: what is wrong.
        hint: what to do about it.
    """

    def __init__(
        self,
        problem: str,
        *,
        path: str | None = None,
        line: int | None = None,
        record_id: str | None = None,
        field: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.path = path
        self.line = line
        self.record_id = record_id
        self.field = field
        self.problem = problem
        self.hint = hint
        super().__init__(self._format())

    def _format(self) -> str:
        where = []
        if self.path is not None:
            where.append(f"{self.path}:{self.line}" if self.line is not None else self.path)
        elif self.line is not None:
            where.append(f"line {self.line}")
        if self.record_id is not None:
            where.append(f"record {self.record_id!r}")
        if self.field is not None:
            where.append(f"field {self.field}")
        msg = (", ".join(where) + ": " if where else "") + self.problem
        if self.hint:
            msg += f" ({self.hint})"
        return msg


class DataFileError(InputError):
    """One or more records of a file broke the data contract; holds them all."""

    def __init__(self, errors: list[DataError]) -> None:
        self.errors = errors
        head = "\n".join(f"  - {e}" for e in errors[:20])
        more = f"\n  ... and {len(errors) - 20} more" if len(errors) > 20 else ""
        super().__init__(f"{len(errors)} invalid record(s):\n{head}{more}")


class ModelLoadError(StanceError):
    """A model folder is missing files or holds inconsistent ones."""
