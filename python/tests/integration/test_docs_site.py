"""The API reference (``mkdocs.yml``, ``docs/``) covers the whole public API and
the whole gallery, so a new scheduler cannot be left out of it. The build
itself, with ``--strict``, is CI's ``.ci/docs`` stage."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from swiftlr import schedules
from swiftlr.cli import schedulers
from swiftlr.optim import lr_scheduler, swa_utils

ROOT = Path(__file__).resolve().parents[3]
DOCS = ROOT / "docs"


def documented(page: str) -> set[str]:
    """The objects a page renders with mkdocstrings (``::: dotted.name``)."""
    return set(re.findall(r"^::: ([\w.]+)$", (DOCS / page).read_text(), flags=re.M))


def test_every_public_scheduler_has_its_entry() -> None:
    public = {
        f"swiftlr.optim.lr_scheduler.{n}" for n in lr_scheduler.__all__ if inspect.isclass(getattr(lr_scheduler, n))
    }
    assert public - documented("api/lr_scheduler.md") == set()
    assert {f"swiftlr.optim.swa_utils.{n}" for n in swa_utils.__all__} <= documented("api/swa_utils.md")


def test_the_schedules_module_is_rendered_whole() -> None:
    assert schedules.__all__ and "swiftlr.schedules" in documented("api/schedules.md")


def test_every_page_is_in_the_navigation_and_every_entry_exists() -> None:
    nav = set(re.findall(r":\s*([\w/]+\.md)\s*$", (ROOT / "mkdocs.yml").read_text(), flags=re.M))
    pages = {str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md")}
    assert nav == pages


def test_the_gallery_shows_every_drawn_scheduler_and_each_has_a_picture() -> None:
    drawn = set(re.findall(r"^plot (\w+) ", (DOCS / "gallery" / "make.sh").read_text(), flags=re.M))
    shown = set(re.findall(r"!\[\w+\]\(gallery/(\w+)\.png\)", (DOCS / "gallery.md").read_text()))
    assert drawn == shown == set(schedulers())
    assert all((DOCS / "gallery" / f"{name}.png").is_file() for name in shown)


def test_the_docs_stage_builds_strict_with_pinned_tools() -> None:
    stage = (ROOT / ".ci" / "docs").read_text()
    assert 'mkdocs" build --strict' in stage and "-r docs/requirements.txt" in stage
    pins = [line for line in (DOCS / "requirements.txt").read_text().splitlines() if line and not line.startswith("#")]
    assert pins and all(re.fullmatch(r"[\w.-]+==[\w.]+", line) for line in pins), pins
    assert {"mkdocs", "mkdocstrings", "mkdocstrings-python"} <= {line.split("==")[0] for line in pins}
