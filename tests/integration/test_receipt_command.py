"""`kup-console receipt REG_NO`: the code the web console accepts, the page's address, and a
QR code image of it; a clear error for an unknown or malformed number or a bad image name."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from console.web.server import demo_secret
from rules.receipts import receipt_code, receipt_key
from tests.support.cli import CliRun, in_process
from tests.support.stores import new_case

SECRET = "a-long-enough-console-secret"


@pytest.fixture
def cli(monkeypatch, capsys, tmp_path, db_url, engine, redis_server) -> CliRun:  # type: ignore[no-untyped-def]
    """`kup-console` in this process on the test's store (migrated by `engine`), no secret."""
    monkeypatch.delenv("KUP_SECRET_KEY", raising=False)
    monkeypatch.delenv("KUP_RECEIPT_SECRET", raising=False)
    return in_process(
        monkeypatch, capsys, db_url=db_url, redis_url=redis_server.url, data_dir=tmp_path
    )


@pytest.fixture
def receipt_cli(cli, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("KUP_SECRET_KEY", SECRET)
    monkeypatch.setenv("KUP_PUBLIC_URL", "https://kup.example.kg/")
    return cli


def test_the_code_and_the_address_of_a_case(receipt_cli, engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    reg_no = new_case(engine)
    png, svg = tmp_path / "slip.png", tmp_path / "slip.svg"
    code, out, err = receipt_cli("receipt", reg_no.lower(), "--qr", str(png))
    assert code == 0, err
    expected = receipt_code(reg_no, receipt_key(SECRET))
    lines = out.splitlines()
    assert lines[0] == f"{reg_no}  code {expected}"
    url = urlsplit(lines[1])
    assert (url.scheme, url.netloc, url.path) == ("https", "kup.example.kg", "/receipt")
    assert parse_qs(url.query) == {"reg_no": [reg_no], "code": [expected]}
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 200
    assert receipt_cli("receipt", reg_no, "--qr", str(svg))[0] == 0
    assert svg.read_text().lstrip().startswith(("<?xml", "<svg")) and "</svg>" in svg.read_text()


def test_a_dedicated_receipt_secret_wins(receipt_cli, engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    reg_no = new_case(engine)
    monkeypatch.setenv("KUP_RECEIPT_SECRET", "another-secret")
    out = receipt_cli("receipt", reg_no)[1]
    assert receipt_code(reg_no, receipt_key("another-secret")) in out
    assert receipt_code(reg_no, receipt_key(SECRET)) not in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("KUP-41711000000000-2026-999999",), "no case KUP-41711000000000-2026-999999"),
        (("not a number",), "is not a registration number"),
        (("KUP-41711000000000-2026-000001", "--qr", "slip.jpg"), "must end in .png or .svg"),
    ],
)
def test_errors_are_clear(receipt_cli, args, message: str) -> None:  # type: ignore[no-untyped-def]
    code, out, err = receipt_cli("receipt", *args)
    assert code == 2 and out == "" and message in err and "Traceback" not in err


def test_without_a_secret_no_code_is_printed(cli, engine) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli("receipt", new_case(engine))
    assert code == 2 and "KUP_SECRET_KEY" in err and out == ""


def test_the_demo_s_kept_key_is_used(cli, engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    key = demo_secret(tmp_path)  # as `kup-console demo` keeps it in its data folder
    reg_no = new_case(engine)
    assert receipt_code(reg_no, receipt_key(key)) in cli("receipt", reg_no)[1]


def test_config_masks_the_receipt_secret(cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("KUP_RECEIPT_SECRET", "receipt-secret-value")
    code, out, _ = cli("config")
    assert code == 0 and "receipt-secret-value" not in out and "receipt_secret" in out
