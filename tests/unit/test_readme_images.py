"""The pictures the README and the docs show: each one named exists, each one in
docs/screenshots is shown somewhere, and the screenshot script (docs/screenshots/take.py) is
what makes each of them, so that running it renews every picture."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "screenshots"
IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+\.png)\)")


def _shown() -> dict[Path, list[str]]:
    """Image file -> the Markdown files that show it."""
    shown: dict[Path, list[str]] = {}
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in IMAGE.findall(doc.read_text(encoding="utf-8")):
            image = (doc.parent / target).resolve()
            shown.setdefault(image, []).append(doc.name)
    return shown


def test_every_image_the_docs_name_exists() -> None:
    missing = {str(i.relative_to(ROOT)): d for i, d in _shown().items() if not i.is_file()}
    assert missing == {}
    assert len(_shown()) >= 8  # the README shows the pages (a broken pattern finds none)


def test_every_screenshot_is_shown_and_made_by_the_script() -> None:
    shots = {p.resolve() for p in SHOTS.glob("*.png")}
    assert shots - set(_shown()) == set(), "screenshots no document shows"
    script = (SHOTS / "take.py").read_text(encoding="utf-8")
    made = set(re.findall(r'"([\w-]+\.png)"', script))
    assert {p.name for p in shots} - made == set(), "screenshots take.py does not make"
