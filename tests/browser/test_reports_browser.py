"""The SOC local profile and the strategic group pack in a real browser, on the demo borough (conftest.py).

The analyst opens the reports page from the navigation, builds the profile, reads the steps it took, opens
the HTML and downloads the PDF; its first page, turned into an image by poppler's ``pdftoppm``, is an A4
page, and its text carries the marking top and bottom and the profile's headings. The partner officer
builds the pack, whose first page is checked the same way and names no organised crime group.
"""

from __future__ import annotations

import re
import struct
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.domain import UserRole
from crimelink.store.models import OrganisedCrimeGroup

if TYPE_CHECKING:  # only for annotations: test modules do not import conftest at run time
    from conftest import DemoSite, SignIn

pytestmark = pytest.mark.browser

#: A4 (595.28 x 841.89 points) at pdftoppm's 150 dpi, to the pixel pdftoppm rounds up to.
A4_150_DPI = (1240, 1754)


def is_a4(size: tuple[int, int]) -> bool:
    return all(abs(got - want) <= 1 for got, want in zip(size, A4_150_DPI, strict=True))


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", header[16:24])
    return int(width), int(height)


def first_page(pdf: Path) -> tuple[Path, str]:
    """The PDF's first page as a PNG (pdftoppm, 150 dpi) and as text (pdftotext)."""
    stem = pdf.with_suffix("")
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(stem)],
        check=True,
    )
    text = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return stem.with_suffix(".png"), text


def build(page: Page, button: str, tmp_path: Path, name: str) -> tuple[Path, str]:
    """Open the reports page, press ``button``, check the steps, download the PDF: its first page."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Profile and board pack").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports")
    page.get_by_role("button", name=button).click()
    # A long build shows its progress page, which reloads itself until the copy is ready.
    page.wait_for_url("**/reports/built/*", timeout=120_000)
    steps = page.get_by_role("region", name="How it was built")
    expect(steps).to_contain_text("Typesetting the PDF")
    expect(steps).to_contain_text("Total")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the PDF").click()
    pdf = tmp_path / f"{name}.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert download.value.suggested_filename.endswith(".pdf")
    return first_page(pdf)


def test_the_analyst_builds_the_profile_opens_it_and_downloads_a_marked_pdf(
    sign_in: SignIn, demo_site: DemoSite, tmp_path: Path, screenshots: Path
) -> None:
    analyst = sign_in(UserRole.ANALYST)
    image, text = build(analyst, "Build the profile", tmp_path, "profile")
    assert is_a4(png_size(image)), png_size(image)
    assert image.stat().st_size > 20_000  # a page with a title, contents and a table, not a blank one
    marking = re.findall(r"OFFICIAL(?:-SENSITIVE)?", text)
    assert len(marking) >= 2, text
    for heading in (
        "Serious and Organised Crime local profile",
        "Contents",
        "1. Introduction and scope",
        "Page 1 of",
    ):
        assert heading in text
    # the same copy as a page of its own, marked at the top and the bottom
    analyst.get_by_role("link", name="Open the HTML").click()
    expect(analyst.get_by_role("heading", level=1)).to_have_text("Serious and Organised Crime local profile")
    expect(analyst.locator(".marking-top")).to_have_text(marking[0])
    expect(analyst.locator(".marking-bottom")).to_have_text(marking[0])
    expect(analyst.get_by_role("heading", name="2. Threats by area")).to_be_visible()
    expect(analyst.get_by_role("img", name="Map of hotspots")).to_be_visible()
    analyst.screenshot(path=str(screenshots / "report-profile.png"), full_page=False)


def test_a_partner_builds_the_pack_whose_pdf_names_no_group(
    sign_in: SignIn, demo_site: DemoSite, tmp_path: Path
) -> None:
    partner = sign_in(UserRole.PARTNER_OFFICER)
    image, text = build(partner, "Build the pack", tmp_path, "pack")
    assert is_a4(png_size(image)), png_size(image)
    assert len(re.findall(r"OFFICIAL(?:-SENSITIVE)?", text)) >= 2, text
    for heading in ("Strategic group pack", "Contents", "1. Plan status"):
        assert heading in text
    with Session(demo_site.engine) as session:
        names = list(session.scalars(select(OrganisedCrimeGroup.name)))
    assert [n for n in names if n in text] == []
