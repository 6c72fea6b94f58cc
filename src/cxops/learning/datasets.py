"""Read labelled examples that people bring: CSV or JSON Lines files, and label maps.

The people who bring these files are contact-centre analysts exporting from another tool, so every
problem is reported as a `DatasetError` that names the file, the line and what is wrong, and the
first problem stops the read: a model trained on half a file is worse than no model.
"""

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import yaml

WILDCARD: Final = "*"
SUPPORTED_SUFFIXES: Final = (".csv", ".jsonl")


class DatasetError(ValueError):
    """A labelled-data or label-map file cannot be used; `line` is 1-based, None for the file."""

    def __init__(self, path: Path, problem: str, *, line: int | None = None) -> None:
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {problem}")
        self.path = path
        self.line = line
        self.problem = problem


def read_labelled(
    path: Path | str, *, text_column: str = "text", label_column: str = "label"
) -> list[tuple[str, str]]:
    """Return the (text, label) pairs of a `.csv` file (with a header) or a `.jsonl` file.

    CSV needs `text_column` and `label_column` in its header and ignores other columns; JSON Lines
    needs one object per line with those keys (blank lines are skipped). Texts and labels are
    stripped of surrounding whitespace and must not be empty. Raise `DatasetError` otherwise.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise DatasetError(
            path, f"unknown file type {suffix or '(none)'!r}; use {' or '.join(SUPPORTED_SUFFIXES)}"
        )
    content = _read_text(path)
    if suffix == ".csv":
        examples = _read_csv(path, content, text_column=text_column, label_column=label_column)
    else:
        examples = _read_jsonl(path, content, text_column=text_column, label_column=label_column)
    if not examples:
        raise DatasetError(path, "has no examples")
    return examples


@dataclass(frozen=True, slots=True)
class LabelMap:
    """How a source's labels become ours; `fallback` (from a `"*"` entry) takes the rest."""

    path: Path
    mapping: Mapping[str, str]
    fallback: str | None = None

    def apply(self, examples: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
        """Relabel `examples`; raise `DatasetError` listing every label the map does not cover."""
        unmapped = sorted({label for _, label in examples if label not in self.mapping})
        if unmapped and self.fallback is None:
            raise DatasetError(
                self.path,
                f"no mapping for {len(unmapped)} label(s): {', '.join(unmapped)} "
                f'(map them, or add "{WILDCARD}": out_of_scope to send the rest there)',
            )
        return [(text, self.mapping.get(label, self.fallback or label)) for text, label in examples]


def read_label_map(path: Path | str) -> LabelMap:
    """Read a YAML mapping of source label -> our label; `"*"` maps every other label.

    Raise `DatasetError` if the file is not such a mapping of non-empty strings.
    """
    path = Path(path)
    try:
        raw = yaml.safe_load(_read_text(path))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise DatasetError(path, f"not valid YAML ({exc})", line=line) from exc
    if not isinstance(raw, dict) or not raw:
        raise DatasetError(path, "must be a mapping of source label to our label")
    mapping: dict[str, str] = {}
    for source, target in raw.items():
        if not isinstance(source, str) or not isinstance(target, str) or not target.strip():
            raise DatasetError(
                path,
                f"{source!r}: {target!r} must map a label to a label "
                "(quote labels YAML reads as numbers or booleans)",
            )
        mapping[source.strip()] = target.strip()
    fallback = mapping.pop(WILDCARD, None)
    return LabelMap(path=path, mapping=mapping, fallback=fallback)


def _read_text(path: Path) -> str:
    """Return the file's text, or raise `DatasetError` naming the line where UTF-8 breaks."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DatasetError(path, f"cannot read ({exc.strerror or exc})") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DatasetError(path, "is not UTF-8 text", line=line) from exc


def _read_csv(
    path: Path, content: str, *, text_column: str, label_column: str
) -> list[tuple[str, str]]:
    reader = csv.DictReader(io.StringIO(content, newline=""))
    try:
        header = reader.fieldnames or []
        missing = [name for name in (text_column, label_column) if name not in header]
        if missing:
            found = ", ".join(header) if header else "nothing"
            raise DatasetError(
                path, f"missing column {', '.join(missing)} (header has {found})", line=1
            )
        examples = []
        for row in reader:
            text, label = row.get(text_column), row.get(label_column)
            if text is None or label is None:
                raise DatasetError(path, "has fewer fields than the header", line=reader.line_num)
            examples.append(_example(path, reader.line_num, text=text, label=label))
    except csv.Error as exc:
        raise DatasetError(path, f"is not valid CSV ({exc})", line=reader.line_num) from exc
    return examples


def _read_jsonl(
    path: Path, content: str, *, text_column: str, label_column: str
) -> list[tuple[str, str]]:
    examples = []
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DatasetError(path, f"not valid JSON ({exc.msg})", line=number) from exc
        if not isinstance(record, dict):
            raise DatasetError(path, "each line must be a JSON object", line=number)
        for key in (text_column, label_column):
            if key not in record:
                raise DatasetError(path, f"missing key {key!r}", line=number)
            if not isinstance(record[key], str):
                raise DatasetError(path, f"{key!r} must be a string", line=number)
        examples.append(
            _example(path, number, text=record[text_column], label=record[label_column])
        )
    return examples


def _example(path: Path, line: int, *, text: str, label: str) -> tuple[str, str]:
    text, label = text.strip(), label.strip()
    if not text:
        raise DatasetError(path, "empty text", line=line)
    if not label:
        raise DatasetError(path, "empty label", line=line)
    return text, label
