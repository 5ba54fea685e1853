"""iter_members: every member as a stream, raw files, and refusal of cut or hostile archives."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from qinbound_nb.errors import ExportError
from qinbound_nb.qualtrics import ArchiveLimits, iter_members

CSV = (Path(__file__).parents[1] / "fixtures/qualtrics/export_three_headers.csv").read_bytes()


def make_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


DEFAULT_LIMITS = ArchiveLimits()


def read_all(path: Path, limits: ArchiveLimits = DEFAULT_LIMITS) -> dict[str, bytes]:
    return {name: stream.read() for name, stream in iter_members(path, limits)}


def test_every_member_is_yielded_in_order(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "e.zip", {"Store visit.csv": CSV, "Store visit_2.csv": b"x"})
    assert read_all(path) == {"Store visit.csv": CSV, "Store visit_2.csv": b"x"}


def test_an_uncompressed_export_is_yielded_as_itself(tmp_path: Path) -> None:
    path = tmp_path / "export.ndjson"
    path.write_bytes(b'{"responseId":"R_1"}\n')
    assert read_all(path) == {"export.ndjson": b'{"responseId":"R_1"}\n'}


def test_streams_work_with_line_readers(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "e.zip", {"a.csv": CSV})
    for _, stream in iter_members(path):
        assert stream.readline().startswith(b"StartDate,EndDate")


def test_a_cut_off_archive_is_an_export_error(tmp_path: Path) -> None:
    whole = make_zip(tmp_path / "whole.zip", {"a.csv": CSV * 50}).read_bytes()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(ExportError, match="cut off"):
        read_all(cut)


def test_a_corrupt_member_is_an_export_error(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "e.zip", {"a.csv": CSV * 20})
    data = bytearray(path.read_bytes())
    data[60:70] = b"\x00" * 10  # inside the deflate stream
    path.write_bytes(bytes(data))
    with pytest.raises(ExportError, match="corrupt"):
        read_all(path)


def test_too_many_members_are_refused(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "e.zip", {f"{n}.csv": b"a" for n in range(5)})
    with pytest.raises(ExportError, match="limit of 4"):
        read_all(path, ArchiveLimits(max_members=4))


def test_declared_size_beyond_the_cap_is_refused(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "e.zip", {"a.csv": b"a" * 5000})
    with pytest.raises(ExportError, match="unpack to 5,000 bytes"):
        read_all(path, ArchiveLimits(max_unpacked=4000))


def test_a_bomb_ratio_is_refused(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "e.zip", {"a.csv": b"\0" * 20_000_000})
    with pytest.raises(ExportError, match="zip bomb"):
        read_all(path)


def test_a_lying_header_is_caught_while_inflating(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "e.zip", {"a.csv": CSV * 10})
    data = path.read_bytes()
    size = len(CSV * 10).to_bytes(4, "little")
    small = (100).to_bytes(4, "little")
    path.write_bytes(data.replace(size, small))  # local and central headers now say 100 bytes
    with pytest.raises(ExportError):
        read_all(path)
