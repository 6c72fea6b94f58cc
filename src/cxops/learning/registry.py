"""Versioned model artifacts on disk, and which one is live.

Layout: `root/<kind>/<version>/` holds one artifact (whatever the model's `save` writes, plus the
`metadata.json` every artifact carries), and `root/<kind>/CURRENT` names the live version. A save
is written into a hidden temporary folder and renamed into place, and the pointer is replaced
atomically, so a crash mid-save never leaves a half-written artifact that looks real, and readers
never see a half-written pointer. Nothing here downloads anything.

The registry knows models only through `SavableModel` and a `load` function, so it serves any kind
of model without importing the capability that defines it.
"""

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Generic, Protocol, TypeVar

from cxops.domain.errors import NotFoundError

METADATA_FILE: Final = "metadata.json"
POINTER_FILE: Final = "CURRENT"
_TEMPORARY_PREFIX: Final = "."


class SavableModel(Protocol):
    """A model the registry can store: `save` writes a folder that includes metadata.json."""

    @property
    def version(self) -> str: ...

    def save(self, directory: Path) -> None: ...


M = TypeVar("M")


@dataclass(frozen=True, slots=True)
class ModelVersion:
    """One stored artifact, as read from its metadata.json."""

    version: str
    path: Path
    created_at: str | None
    active: bool
    metrics: dict[str, Any] = field(default_factory=dict)


class ModelRegistry(Generic[M]):
    """Versioned artifacts of one `kind` under `root`; `load` turns an artifact folder into M."""

    def __init__(self, root: Path, *, load: Callable[[Path], M], kind: str = "intent") -> None:
        self._folder = root / kind
        self._load = load
        self.kind = kind

    def save(self, model: SavableModel) -> str:
        """Store `model` under its version and return the version; it does not become current.

        Raise `FileExistsError` if that version is already stored (versions are immutable).
        """
        version = model.version
        _check_version_name(version)
        target = self._folder / version
        if target.exists():
            raise FileExistsError(f"{self.kind} model {version} is already stored at {target}")
        self._folder.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f"{_TEMPORARY_PREFIX}{version}-", dir=self._folder))
        try:
            model.save(staging)
            if not (staging / METADATA_FILE).is_file():
                raise ValueError(f"{type(model).__name__}.save wrote no {METADATA_FILE}")
            staging.rename(target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return version

    def activate(self, version: str) -> None:
        """Make a stored, complete `version` the current one."""
        self._path_of(version)
        self._folder.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(
            prefix=f"{_TEMPORARY_PREFIX}{POINTER_FILE}-", dir=self._folder
        )
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as pointer:
                pointer.write(version + "\n")
                pointer.flush()
                os.fsync(pointer.fileno())
            os.replace(temporary, self._folder / POINTER_FILE)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def current(self) -> str | None:
        """Return the current version, or None if none was ever activated."""
        try:
            return (self._folder / POINTER_FILE).read_text(encoding="utf-8").strip() or None
        except FileNotFoundError:
            return None

    def load(self, version: str) -> M:
        """Load a stored version; raise `NotFoundError` if it is not stored."""
        return self._load(self._path_of(version))

    def load_current(self) -> M | None:
        """Load the current version, or return None if none was activated."""
        version = self.current()
        return None if version is None else self.load(version)

    def list(self) -> list[ModelVersion]:
        """Return every stored version, oldest first (versions start with their UTC timestamp)."""
        if not self._folder.is_dir():
            return []
        current = self.current()
        versions = []
        for path in sorted(self._folder.iterdir()):
            metadata_path = path / METADATA_FILE
            if path.name.startswith(_TEMPORARY_PREFIX) or not metadata_path.is_file():
                continue
            metadata = json.loads(metadata_path.read_text(encoding="utf-8"))
            versions.append(
                ModelVersion(
                    version=path.name,
                    path=path,
                    created_at=metadata.get("created_at"),
                    active=path.name == current,
                    metrics=dict(metadata.get("metrics", {})),
                )
            )
        return versions

    def _path_of(self, version: str) -> Path:
        _check_version_name(version)
        path = self._folder / version
        if not (path / METADATA_FILE).is_file():
            raise NotFoundError(f"{self.kind} model version", version)
        return path


def _check_version_name(version: str) -> None:
    """Refuse names that would escape the folder or pass for a temporary one."""
    if not version or version.startswith(_TEMPORARY_PREFIX) or "/" in version or "\\" in version:
        raise ValueError(f"not a valid model version name: {version!r}")
