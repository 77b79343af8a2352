"""`kup-console receipt REG_NO`: the receipt code of a registered case for the complainant's
slip, the address of its public receipt page, and (--qr) a QR code of that address as a PNG or
SVG image to print on the slip."""

from __future__ import annotations

import argparse
from pathlib import Path

import segno

from console.runtime import store_services
from console.web.receipts import slip_code, slip_url
from data.receipts import case_exists
from rules.receipts import parse_reg_no

QR_FORMATS = (".png", ".svg")
QR_SCALE = 8  # pixels (PNG) or units (SVG) per module: about 3.5 cm at 300 dpi


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "receipt",
        help="print the receipt code of a case for the complainant's slip (and its QR code)",
        description="Print the receipt code of a registered case and the address of its public "
        "receipt page (KUP_PUBLIC_URL/receipt), where the complainant sees its status. The code "
        "is derived from the number with KUP_RECEIPT_SECRET (default: from KUP_SECRET_KEY), "
        "which must be the web console's.",
    )
    p.add_argument("reg_no", metavar="REG_NO", help="the case's registration number")
    p.add_argument(
        "--qr",
        type=Path,
        metavar="FILE",
        help="also write a QR code of the page's address to FILE (.png or .svg)",
    )
    p.set_defaults(handler=cmd_receipt)


def cmd_receipt(args: argparse.Namespace) -> int:
    reg_no = parse_reg_no(args.reg_no)
    if reg_no is None:
        raise ValueError(f"{args.reg_no!r} is not a registration number (6-32 of A-Z 0-9 -)")
    if args.qr is not None and args.qr.suffix.lower() not in QR_FORMATS:
        raise ValueError(f"--qr: the file must end in {' or '.join(QR_FORMATS)}")
    services = store_services()
    with services.sessions() as session:
        if not case_exists(session, reg_no):
            raise LookupError(f"no case {reg_no} in the store")
    code = slip_code(services.settings, reg_no)
    url = slip_url(services.settings.public_url, reg_no, code)
    print(f"{reg_no}  code {code}")
    print(url)
    if args.qr is not None:
        try:
            segno.make_qr(url, error="m").save(str(args.qr), scale=QR_SCALE, border=4)
        except OSError as exc:
            raise ValueError(f"--qr: cannot write {args.qr}: {exc.strerror}") from None
        print(f"QR code written to {args.qr}")
    return 0
