"""Reading configuration-as-data (policies, scorecards, alert rules) from YAML into pydantic models.

Configuration is edited by people, so an error must point at the place to fix: every problem is
reported as `source:line: dotted.field.path: message`, all of them at once, and the line is the
one in the file the person edits (taken from the YAML parser's node marks, not guessed).
"""

from collections.abc import Sequence
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

Model = TypeVar("Model", bound=BaseModel)


class ConfigError(ValueError):
    """A configuration file that cannot be used; `problems` holds one line per error."""

    def __init__(self, source: str, problems: Sequence[str]) -> None:
        self.source = source
        self.problems = tuple(problems)
        super().__init__(f"{source} is not valid:\n" + "\n".join(f"  {p}" for p in problems))


def load_model(text: str, model: type[Model], *, source: str) -> Model:
    """Parse YAML `text` and validate it as `model`; raise `ConfigError` naming line and field."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(source, [f"{source}{line}: not valid YAML: {problem}"]) from exc
    if data is None:
        data = {}
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            location = tuple(error["loc"])
            where = ".".join(str(part) for part in location) or "(top level)"
            problems.append(f"{source}:{_line_of(root, location)}: {where}: {error['msg']}")
        raise ConfigError(source, problems) from exc


def _line_of(node: yaml.Node | None, location: tuple[Any, ...]) -> int:
    """Return the 1-based line of the deepest node on `location` that exists in the document.

    A missing field has no node of its own, so it is reported at its parent mapping's line.
    """
    if node is None:
        return 1
    line = node.start_mark.line + 1
    for part in location:
        child = _child(node, part)
        if child is None:
            break
        node = child
        line = node.start_mark.line + 1
    return line


def _child(node: yaml.Node, part: Any) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                return value  # type: ignore[no-any-return]
        return None
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        return node.value[part]  # type: ignore[no-any-return]
    return None
