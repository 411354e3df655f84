"""The fonts a Word document asks for, and whether LibreOffice will find them for a PDF.

LibreOffice lays a document out with the fonts it asks for when they are installed, else with
their metric-compatible free twins (same width for every character, so lines and pages break
where Word breaks them): Carlito for Calibri, Caladea for Cambria, Liberation for Arial, Times
New Roman and Courier New. When neither is installed it substitutes a font of other widths
without a word, and the PDF wraps differently from the Word file; :func:`font_warnings` says so
beforehand. It asks fontconfig (``fc-list``); where fontconfig is not installed it cannot tell,
and says nothing.

A document asks for a font through the styles its text uses (followed through ``basedOn`` to
the document defaults, and through the theme), and through its runs' own fonts. Only the Latin
text fonts count; symbol fonts for bullets are LibreOffice's to map (to OpenSymbol).
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from functools import cache
from typing import Any

from lxml import etree

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
Element = Any  # lxml elements; lxml ships no type information

METRIC_TWINS = {
    "calibri": "Carlito",
    "cambria": "Caladea",
    "arial": "Liberation Sans",
    "helvetica": "Liberation Sans",
    "arial narrow": "Liberation Sans Narrow",
    "times new roman": "Liberation Serif",
    "times": "Liberation Serif",
    "courier new": "Liberation Mono",
}
PACKAGES = {
    "Carlito": "fonts-crosextra-carlito",
    "Caladea": "fonts-crosextra-caladea",
    "Liberation Sans": "fonts-liberation2",
    "Liberation Sans Narrow": "fonts-liberation",
    "Liberation Serif": "fonts-liberation2",
    "Liberation Mono": "fonts-liberation2",
}
SYMBOL_FONTS = {"symbol", "wingdings", "wingdings 2", "wingdings 3", "webdings", "opensymbol"}
_STORY = re.compile(r"word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml")


def font_warnings(docx: bytes) -> list[str]:
    """One sentence for each font the document asks for that LibreOffice would replace with
    a font of other widths; none when fontconfig cannot say what is installed."""
    installed = installed_families()
    if installed is None:
        return []
    warnings = []
    for name in requested_fonts(docx):
        twin = METRIC_TWINS.get(name.lower())
        if name.lower() in installed or name.lower() in SYMBOL_FONTS:
            continue
        if twin and twin.lower() in installed:
            continue
        remedy = (
            f"nor its metric-compatible twin {twin} (install {PACKAGES[twin]})"
            if twin
            else "and it has no metric-compatible free twin plandoc knows of (install it, or "
            "use Calibri, Cambria, Arial or Times New Roman in the template)"
        )
        warnings.append(
            f"the document asks for the font {name}, which is not installed, {remedy}; "
            "LibreOffice uses a font of other widths instead, so the PDF's lines and pages "
            "break differently from the Word file's"
        )
    return warnings


@cache
def installed_families() -> frozenset[str] | None:
    """The font families fontconfig knows (lower case), or None without fontconfig."""
    command = shutil.which("fc-list")
    if command is None:
        return None
    try:
        listing = subprocess.run(
            [command, ":", "family"], capture_output=True, text=True, timeout=20, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return frozenset(
        family.strip().lower() for line in listing.splitlines() for family in line.split(",")
    )


def requested_fonts(docx: bytes) -> list[str]:
    """The Latin text fonts the document's text asks for, in a stable order."""
    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        names = package.namelist()
        stories = [_xml(package.read(n)) for n in names if _STORY.fullmatch(n)]
        styles = _xml(package.read("word/styles.xml")) if "word/styles.xml" in names else None
        theme_name = next((n for n in names if re.fullmatch(r"word/theme/theme\d*\.xml", n)), "")
        theme = _theme_fonts(_xml(package.read(theme_name))) if theme_name else {}
    found: set[str] = set()
    for story in stories:
        for fonts in story.iter(f"{W}rFonts"):
            found.update(_latin(fonts, theme))
    if styles is not None:
        found.update(_style_fonts(styles, stories, theme))
    return sorted(f for f in found if f)


def _xml(data: bytes) -> Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    return etree.fromstring(data, parser)


def _theme_fonts(theme: Element) -> dict[str, str]:
    fonts = {}
    for kind in ("major", "minor"):
        latin = theme.find(f".//{A}{kind}Font/{A}latin")
        if latin is not None and latin.get("typeface"):
            fonts[kind] = latin.get("typeface")
    return fonts


def _latin(fonts: Element, theme: dict[str, str]) -> set[str]:
    """The fonts a w:rFonts gives Latin text: ascii and hAnsi, or their theme fonts."""
    out = set()
    for attribute in ("ascii", "hAnsi"):
        name = fonts.get(f"{W}{attribute}")
        themed = fonts.get(f"{W}{attribute}Theme")
        if themed:
            name = theme.get("major" if themed.startswith("major") else "minor", name)
        if name:
            out.add(name)
    return out


def _style_fonts(styles: Element, stories: list[Element], theme: dict[str, str]) -> set[str]:
    """The fonts of the styles the text uses, each resolved through ``basedOn`` and the
    document defaults."""
    by_id = {s.get(f"{W}styleId"): s for s in styles.findall(f"{W}style")}
    used = {
        s.get(f"{W}styleId")
        for s in by_id.values()
        if s.get(f"{W}default") in ("1", "true") and s.get(f"{W}type") in ("paragraph", "table")
    }
    for story in stories:
        for tag in ("pStyle", "rStyle", "tblStyle"):
            used.update(e.get(f"{W}val") for e in story.iter(f"{W}{tag}"))
    defaults = styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}rFonts")
    fallback = _latin(defaults, theme) if defaults is not None else set()
    found: set[str] = set()
    for style_id in used:
        found.update(_resolved(by_id, style_id, theme) or fallback)
    return found


def _resolved(by_id: dict[str, Element], style_id: str | None, theme: dict[str, str]) -> set[str]:
    seen: set[str] = set()
    while style_id and style_id in by_id and style_id not in seen:
        seen.add(style_id)
        style = by_id[style_id]
        fonts = style.find(f"{W}rPr/{W}rFonts")
        if fonts is not None and _latin(fonts, theme):
            return _latin(fonts, theme)
        based = style.find(f"{W}basedOn")
        style_id = based.get(f"{W}val") if based is not None else None
    return set()
