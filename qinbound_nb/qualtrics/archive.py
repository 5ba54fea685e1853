"""Reading a downloaded export: every member of the zip as a stream, with zip-bomb caps.

Qualtrics zips one file named ``{Survey Name}.{format}``; big exports are said to be split
into several, so every member is read. The caps follow posthog's reader: at most 1024
members and 16 GiB unpacked, checked against the central directory first and against the
bytes actually inflated while reading (a header can lie). An uncompressed export
(``compress: false``) is yielded as the single raw file.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO

from qinbound_nb.errors import ExportError

ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"


@dataclass(frozen=True)
class ArchiveLimits:
    """Caps on what one export archive may unpack to."""

    max_members: int = 1024
    max_unpacked: int = 16 * 1024**3
    max_ratio: int = 1000  # a deflate stream cannot honestly shrink text more than this


def iter_members(
    path: Path, limits: ArchiveLimits = ArchiveLimits()
) -> Iterator[tuple[str, BinaryIO]]:
    """Yield ``(member name, binary stream)`` for every file in the export at ``path``.

    Raises:
        ExportError: the archive is cut off, corrupt, or unpacks beyond the limits.
    """
    path = Path(path)
    with path.open("rb") as probe:
        magic = probe.read(4)
    if magic not in (ZIP_MAGIC, EMPTY_ZIP_MAGIC):
        with path.open("rb") as raw:
            yield path.name, raw
        return
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ExportError(
            f"export file {path.name} is not a complete zip archive (cut off or corrupt); "
            "run the export again"
        ) from exc
    with archive:
        members = _checked_members(archive, path.name, limits)
        budget = _Budget(limits.max_unpacked, path.name)
        for info in members:
            try:
                inner = archive.open(info)
            except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
                raise _corrupt(path.name, info.filename) from exc
            guarded = _GuardedMember(inner, budget, path.name, info)
            with io.BufferedReader(guarded, buffer_size=1 << 20) as stream:
                yield info.filename, stream


def _checked_members(
    archive: zipfile.ZipFile, name: str, limits: ArchiveLimits
) -> list[zipfile.ZipInfo]:
    members = [info for info in archive.infolist() if not info.is_dir()]
    if len(members) > limits.max_members:
        raise ExportError(
            f"export file {name} holds {len(members)} files, more than the limit of "
            f"{limits.max_members}; it is not a Qualtrics export"
        )
    declared = sum(info.file_size for info in members)
    if declared > limits.max_unpacked:
        raise ExportError(
            f"export file {name} would unpack to {declared:,} bytes, more than the limit of "
            f"{limits.max_unpacked:,}; narrow the export with a date window or limit"
        )
    for info in members:
        if info.compress_size and info.file_size > limits.max_ratio * info.compress_size + 4096:
            raise ExportError(
                f"export file {name}: member {info.filename!r} claims a compression ratio "
                f"above {limits.max_ratio}:1; refusing it as a possible zip bomb"
            )
    return members


def _corrupt(archive: str, member: str) -> ExportError:
    return ExportError(
        f"export file {archive}: member {member!r} is corrupt or cut off; run the export again"
    )


class _Budget:
    """Bytes still allowed to be unpacked from one archive."""

    def __init__(self, remaining: int, archive: str) -> None:
        self.remaining, self.archive = remaining, archive

    def spend(self, count: int) -> None:
        self.remaining -= count
        if self.remaining < 0:
            raise ExportError(
                f"export file {self.archive} unpacks to more than the allowed size; refusing "
                "it as a possible zip bomb"
            )


class _GuardedMember(io.RawIOBase):
    """A member stream that counts what it inflates and turns zip errors into ExportError."""

    def __init__(
        self, inner: IO[bytes], budget: _Budget, archive: str, info: zipfile.ZipInfo
    ) -> None:
        super().__init__()
        self._inner, self._budget, self._archive, self._info = inner, budget, archive, info
        self._read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        try:
            data = self._inner.read(len(buffer))
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
            raise _corrupt(self._archive, self._info.filename) from exc
        count = len(data)
        self._read += count
        if self._read > self._info.file_size:
            raise _corrupt(self._archive, self._info.filename)
        self._budget.spend(count)
        buffer[:count] = data
        return count

    def close(self) -> None:
        if not self.closed:
            self._inner.close()
        super().close()
