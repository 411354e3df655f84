"""Build the Word template ``templates/plan.docx`` with python-docx.

It also builds ``diff.docx``, the change summary between two versions. The template is an ordinary .docx a practice can open and edit in Word: real heading styles,
real tables, bullet and numbered list styles, a header and a footer with page numbers. The
docxtpl tags in it (``{{ … }}``, ``{%p … %}``, ``{%tr … %}``, ``{%tc … %}``) name the variables
listed in docs/templates.md. Run ``python scripts/build_docx_template.py`` after changing this
file; a test fails while the committed template differs from what this script builds.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, cast, overload

import yaml
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor, Twips
from docx.table import Table
from docx.text.paragraph import Paragraph

from plandoc.render.word.columns import order_table_properties
from plandoc.render.word.writer import clean_package

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
OUT = TEMPLATES / "plan.docx"
DIFF_OUT = TEMPLATES / "diff.docx"
SAFETY_PLAN_OUT = TEMPLATES / "safety-plan.docx"
PAYER_SUMMARY_OUT = TEMPLATES / "payer-summary.docx"
ACCENT = RGBColor(0x1F, 0x4E, 0x79)
ALERT = RGBColor(0xA4, 0x1E, 0x22)
# The change summary's word edits, coloured as Word colours tracked changes (and still struck
# through or underlined, for a reader who cannot tell the colours apart).
DELETED = RGBColor(0xC0, 0x00, 0x00)
INSERTED = RGBColor(0x00, 0x5A, 0x9C)
ALERT_HEX = "A41E22"
HEADER_FILL = "DCE6F0"
FONT = "Calibri"  # with a metric-compatible free twin, Carlito (see README, Fonts)
KEPT_ROWS = 8  # an orientation table this short stays on one page
TEXT_WIDTH_CM = 17.19  # US Letter less two 2.2 cm margins


LABELS = TEMPLATES / "labels" / "en-US.yaml"


@cache
def _known_labels() -> frozenset[str]:
    """The dotted keys of the built-in en-US labels: the builder names no other."""
    data = yaml.safe_load(LABELS.read_text(encoding="utf-8"))
    found: set[str] = set()

    def walk(value: Any, prefix: str) -> None:
        for key, item in value.items():
            if isinstance(item, dict):
                walk(item, f"{prefix}{key}.")
            else:
                found.add(f"{prefix}{key}")

    walk({k: v for k, v in data.items() if k not in ("based_on", "words")}, "")
    return frozenset(found)


@overload
def L(key: str) -> str: ...
@overload
def L(key: str, *keys: str) -> list[str]: ...
def L(key: str, *keys: str) -> str | list[str]:
    """The tag printing a fixed label (``labels`` in the context, docs/templates.md), or a
    list of them for a table's header; a key the labels file lacks stops the build."""
    for name in (key, *keys):
        if name not in _known_labels():
            raise SystemExit(f"build_docx_template: no label `{name}` in {LABELS}")
    tags = [f"{{{{ labels.{name} }}}}" for name in (key, *keys)]
    return tags if keys else tags[0]


class Builder:
    def __init__(self) -> None:
        self.doc = Document()
        self._page()
        self._styles()
        self._header_footer()

    # --- page, styles, header and footer ---------------------------------------------------

    def _page(self) -> None:
        section = self.doc.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Cm(21.59), Cm(27.94)  # US Letter
        for side in ("left_margin", "right_margin", "top_margin"):
            setattr(section, side, Cm(2.2))
        section.bottom_margin = Cm(2.8)  # the footer's three lines and clear space above them

    def _styles(self) -> None:
        """Calibri throughout (its metric twin Carlito lays PDFs out as Word does), also for
        the defaults the theme would otherwise fill with Cambria."""
        styles = self.doc.styles
        defaults = styles.element.find(qn("w:docDefaults"))
        fonts = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:rFonts')}")
        for theme in list(fonts.attrib):
            del fonts.attrib[theme]
        for attribute in ("w:ascii", "w:hAnsi", "w:cs"):
            fonts.set(qn(attribute), FONT)
        normal = styles["Normal"]
        normal.font.name = FONT
        normal.font.size = Pt(10.5)
        normal.paragraph_format.space_after = Pt(4)
        sizes = (
            ("Title", 20, 0),
            ("Heading 1", 14, 16),
            ("Heading 2", 12, 10),
            ("Heading 3", 11, 8),
        )
        for name, size, before in sizes:
            style = styles[name]
            style.font.name = FONT
            style.font.size = Pt(size)
            style.font.color.rgb = ACCENT
            if before:  # modest space above: at the top of a page it is white space for nothing
                style.paragraph_format.space_before = Pt(before)
        styles["Quote"].font.size = Pt(10.5)
        styles["Footer"].font.size = Pt(8)  # the page number fields too

    def _header_footer(self) -> None:
        section = self.doc.sections[0]
        header = section.header.paragraphs[0]
        header.style = self.doc.styles["Header"]
        _logo_above(header)
        _right_tab_only(header)
        header.add_run("{{ plan.practice.name }}").bold = True
        header.add_run("\t")
        status = header.add_run("{{ status_mark ~ ' · ' if status_mark else '' }}")
        status.bold = True
        status.font.color.rgb = ALERT
        header.add_run(
            f"{L('footer.client')} {{{{ client.id }}}} · {{{{ plan.plan.id }}}} v{{{{ plan.plan.version }}}}"
        )
        section.footer_distance = Cm(1.0)
        notice = section.footer.paragraphs[0]
        notice.style = self.doc.styles["Footer"]
        _rule_above(notice)
        notice.add_run("{{ confidentiality }}").font.size = Pt(8)
        pages = section.footer.add_paragraph(style=self.doc.styles["Footer"])
        _right_tab_only(pages)
        pages.add_run(
            f"{{{{ plan.plan.id }}}} {L('footer.version')} {{{{ plan.plan.version }}}} · {{{{ plan.plan.status | label }}}}"
        ).font.size = Pt(8)
        _page_of(pages)

    # --- building blocks ---------------------------------------------------------------------

    def p(
        self, text: str = "", style: str | None = None, *, label: str = "", bold: bool = True
    ) -> Paragraph:
        para = self.doc.add_paragraph(style=style)
        if label:
            para.add_run(label).bold = bold
        if text:
            para.add_run(text)
        else:
            para.paragraph_format.keep_with_next = True  # a label stays with what it labels
        return para

    def tag(self, text: str) -> None:
        """A paragraph holding only a structural tag (docxtpl removes the paragraph)."""
        self.doc.add_paragraph(text)

    def heading(self, text: str, level: int) -> None:
        self.doc.add_heading(text, level=level)

    def bullets(self, loop: str, item: str, style: str = "List Bullet") -> None:
        """A list, one paragraph per item. It never splits after its first item or before its
        last: those items keep with the next one (the variants are chosen as the loop runs)."""
        self.tag(f"{{%p for {loop} %}}")
        self.tag("{%p if loop.length > 1 and (loop.first or loop.revindex == 2) %}")
        self.p(item, style).paragraph_format.keep_with_next = True
        self.tag("{%p else %}")
        self.p(item, style)
        self.tag("{%p endif %}")
        self.tag("{%p endfor %}")

    def kept(self, text: str = "", style: str | None = None, *, label: str = "") -> Paragraph:
        """A paragraph that stays on the page of what follows it."""
        para = self.p(text, style, label=label)
        para.paragraph_format.keep_with_next = True
        return para

    def table(
        self,
        headers: list[str],
        cells: list[str],
        *,
        loop: str | None = None,
        widths: list[float] | None = None,
        keep: bool = False,
    ) -> Table:
        """A table with a header row and one row per item (``loop``) or one fixed row."""
        rows = [headers]
        if loop:
            rows += [
                [f"{{%tr for {loop} %}}"] + [""] * (len(headers) - 1),
                cells,
                ["{%tr endfor %}"] + [""] * (len(headers) - 1),
            ]
        else:
            rows.append(cells)
        table = self.doc.add_table(rows=len(rows), cols=len(headers))
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                cell = table.cell(r, c)
                cell.text = value
                if r == 0:
                    _shade(cell._tc, HEADER_FILL)
                    for run in cell.paragraphs[0].runs:
                        run.bold = True
        _repeat_header(table)
        _full_width(table, widths)
        _keep_with_next(table.rows if keep else table.rows[:1])
        self.doc.add_paragraph()
        return cast(Table, table)

    def fields(self, rows: list[tuple[str, str, str | None]]) -> None:
        """A two-column label/value table; a row with a condition appears only when it holds."""
        table = self.doc.add_table(rows=0, cols=2)
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER  # every table lines up with the others
        for name, value, condition in rows:
            if condition:
                self._row(table, [f"{{%tr if {condition} %}}", ""])
            cells = self._row(table, [name, value])
            _shade(cells[0]._tc, HEADER_FILL)
            cells[0].paragraphs[0].runs[0].bold = True
            if condition:
                self._row(table, ["{%tr endif %}", ""])
        _full_width(table, [5, 12.19])
        self.doc.add_paragraph()

    @staticmethod
    def _row(table: Table, values: list[str]) -> list[Any]:
        cells = table.add_row().cells  # type: ignore[no-untyped-call]
        for cell, value in zip(cells, values, strict=False):
            cell.text = value
        return list(cells)

    def facts(self, loop: str, name: str, value: str) -> None:
        """Label and value rows from data, with no header row."""
        table = self.doc.add_table(rows=3, cols=2)
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER  # every table lines up with the others
        rows = [[f"{{%tr for {loop} %}}", ""], [name, value], ["{%tr endfor %}", ""]]
        for r, values in enumerate(rows):
            for c, text in enumerate(values):
                table.cell(r, c).text = text
        _shade(table.cell(1, 0)._tc, HEADER_FILL)
        table.cell(1, 0).paragraphs[0].runs[0].bold = True
        _full_width(table, [3.6, 13.59])
        self.doc.add_paragraph()

    def dynamic_table(self, columns: str, rows: str) -> None:
        """A table whose columns come from data: ``{%tc %}`` repeats the middle cell."""
        cells = ["{%tc for cell in row %}", "{{ cell }}", "{%tc endfor %}"]
        spec = [
            [f"{{%tc for c in {columns} %}}", "{{ c }}", "{%tc endfor %}"],
            [f"{{%tr for row in {rows} %}}", "", ""],
            [f"{{%tr if {rows} | length <= {KEPT_ROWS} and not loop.last %}}", "", ""],
            cells,  # a short table (a GAS scale's five levels) is kept on one page
            ["{%tr else %}", "", ""],
            cells,
            ["{%tr endif %}", "", ""],
            ["{%tr endfor %}", "", ""],
        ]
        table = self.doc.add_table(rows=len(spec), cols=3)
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER  # every table lines up with the others
        for r, values in enumerate(spec):
            for c, value in enumerate(values):
                table.cell(r, c).text = value
        _keep_with_next([table.rows[0], table.rows[3]])
        for cell in table.rows[0].cells:
            _shade(cell._tc, HEADER_FILL)
            for run in cell.paragraphs[0].runs:
                run.bold = True
        _repeat_header(table)
        _full_width(table, None)  # no cell widths: the renderer sizes the columns from content
        self.doc.add_paragraph()

    # --- the document ----------------------------------------------------------------------

    def build(self) -> None:
        self.p("{{ title }}", "Title")
        self._banner()
        self.facts("f in facts", "{{ f.label }}", "{{ f.value }}")
        self._services()
        self._identification()
        self._diagnoses()
        self._assessment()
        self._problems()
        self._goals()
        self._progress()
        self._service_details()
        self._substance_use()
        self._orientation()
        self._safety_plan()
        self._discharge()
        self._history_and_signatures()
        self._compliance()

    def _banner(self) -> None:
        """A superseded or draft version says so at the top, in a bordered box."""
        self.tag("{%p if status_banner %}")
        para = self.doc.add_paragraph()
        run = para.add_run("{{ status_banner }}")
        run.bold = True
        run.font.color.rgb = ALERT
        _box(para, ALERT_HEX)
        self.tag("{%p endif %}")

    def _diagnoses(self) -> None:
        self.heading(L("heading.diagnoses"), 1)
        self.kept(L("text.codes_note"))
        self.table(
            L("column.code", "column.diagnosis", "column.type", "column.notes"),
            [
                "{{ d.code_text }}",
                "{{ d.text }}",
                "{{ d.kind }}{{ ' (' ~ d.person ~ ')' if d.person else '' }}",
                "{{ d.notes }}",
            ],
            loop="d in diagnoses",
            widths=[2.0, 6.2, 2.6, 6.39],
        )

    def _identification(self) -> None:
        self.heading(L("heading.identification"), 1)
        self.table(
            L("column.name", "column.role", "column.born", "column.pronouns", "column.id"),
            [
                "{{ person.name_text }}",
                "{{ person.role | label }}{{ ' (' ~ labels.label.identified_client ~ ')' if person.primary and participants | length > 1 else '' }}",
                "{{ person.born }}",
                "{{ person.pronouns }}",
                "{{ person.id }}",
            ],
            loop="person in participants",
            widths=[5, 3, 3, 3, 3.19],
        )
        self.tag("{%p if guardians %}")
        self.p(
            label="{{ labels.label.guardians if guardians | length > 1 else labels.label.guardian }}:"
        )
        self.bullets("g in guardians", "{{ g.text }}")
        self.tag("{%p endif %}")
        self.p("{{ clinician_text }}", label=L("label.clinician") + ": ")
        self.tag("{%p if supervisor_text %}")
        self.p("{{ supervisor_text }}", label=L("label.supervisor") + ": ")
        self.tag("{%p endif %}")
        self.p(
            "{{ plan.practice.name }}{{ ', ' ~ plan.practice.address if plan.practice.address else '' }}"
            "{{ ', ' ~ plan.practice.phone if plan.practice.phone else '' }}{{ '; ' ~ labels.label.group_npi ~ ' ' ~ plan.practice.npi if plan.practice.npi else '' }}",
            label=L("label.practice") + ": ",
        )
        self.tag("{%p if plan.plan.participation %}")
        self.p("{{ plan.plan.participation }}", label=L("label.participation") + ": ")
        self.tag("{%p endif %}")
        self.tag("{%p if team %}")
        self.heading(L("heading.treatment_team"), 2)
        self.table(
            L(
                "column.name",
                "column.role",
                "column.credentials",
                "column.license",
                "column.npi",
                "column.contact",
            ),
            [
                "{{ m.name }}",
                "{{ m.role }}",
                "{{ m.credentials }}",
                "{{ m.licence_text }}",
                "{{ m.npi }}",
                "{{ m.contact }}",
            ],
            loop="m in team",
            widths=[3.0, 2.5, 2.5, 3.0, 2.3, 3.89],
        )
        self.tag("{%p endif %}")

    def _assessment(self) -> None:
        self.heading(L("heading.presenting_problem"), 1)
        self.tag("{%p if plan.assessment.date %}")
        self.p(
            '{{ labels.text.assessment_completed | replace("{date}", plan.assessment.date | date) }}'
        )
        self.tag("{%p endif %}")
        self.tag("{%p if presenting_quote %}")
        self.p(
            label='{{ labels.label.in_words | replace("{name}", presenting_speaker) if presenting_speaker else labels.label.in_their_words }}:'
        )
        self.p("{{ presenting_quote }}", "Quote")
        self.tag("{%p endif %}")
        self.p(
            "{{ plan.assessment.presenting_problem.clinician_summary }}",
            label=L("label.clinician_summary") + ": ",
        )
        for key in ("strengths", "needs", "abilities", "preferences", "barriers"):
            self.tag(f"{{%p if plan.assessment.{key} %}}")
            self.heading(L(f"heading.{key}"), 2)
            self.bullets(f"item in plan.assessment.{key}", "{{ item }}")
            self.tag("{%p endif %}")
        self.tag("{%p if plan.assessment.cultural_considerations %}")
        self.p(
            "{{ plan.assessment.cultural_considerations }}",
            label=L("label.cultural_considerations") + ": ",
        )
        self.tag("{%p endif %}")
        self.heading(L("heading.risk"), 2)
        self.tag("{%p if risk.overall %}")
        self.p("{{ risk.overall }}", label=L("label.overall") + ": ")
        self.tag("{%p endif %}")
        self.tag("{%p if risk.by_domain %}")
        self.table(
            L("column.risk_of", "column.level", "column.assessed", "column.informed_by"),
            [
                "{{ r.domain_label }}",
                "{{ r.level_label }}",
                "{{ r.assessed_on }}",
                "{{ r.summary }}",
            ],
            loop="r in risk.by_domain",
            widths=[3.2, 2.2, 2.6, 9.19],
        )
        self.tag("{%p endif %}")
        self.tag("{%p if not risk.recorded %}")
        self.p(L("text.no_risk"))
        self.tag("{%p endif %}")

    def _problems(self) -> None:
        self.heading(L("heading.problems"), 1)
        self.tag("{%p for problem in plan.problems %}")
        self.heading("{{ problem.id }}. {{ problem.title }}", 2)
        self.tag("{%p if problem.description %}")
        self.p("{{ problem.description }}")
        self.tag("{%p endif %}")
        self.bullets("bd in problem.behavioural_definitions", "{{ bd.text }}")
        self.tag("{%p endfor %}")

    def _goals(self) -> None:
        self.heading(L("heading.goals"), 1)
        self.tag("{%p for goal in goals %}")
        self.heading(
            '{{ labels.heading.goal | replace("{id}", goal.id | string) }}: {{ goal.heading }}', 2
        )
        self.tag("{%p if goal.clinician_words %}")
        self.kept("{{ goal.clinician_words }}")
        self.tag("{%p endif %}")
        self.kept(
            "{{ goal.status | label }}{{ ' · ' ~ labels.label.addresses ~ ': ' ~ goal.problem_titles | join(', ') if goal.problem_titles else '' }}"
            "{{ ' · ' ~ labels.label.target_date ~ ': ' ~ goal.due_text if goal.due_text else '' }}",
            label=L("label.status") + ": ",
        )
        self.tag("{%p if goal.uses %}")
        self.kept(
            f"{{{{ goal.shared_text }}}}; {L('label.see_shared')}",
            label=L("label.whole_goal") + ": ",
        )
        self.tag("{%p endif %}")
        self.tag("{%p if goal.objectives %}")
        self.table(
            L(
                "column.objective",
                "column.measure",
                "column.target_date",
                "column.status",
                "column.progress",
            ),
            [
                "{{ o.id }}: {{ o.text }}",
                "{{ o.measure_text }}",
                "{{ o.due_text }}",
                "{{ o.status_text }}",
                "{{ o.progress.summary if o.progress else '' }}",
            ],
            loop="o in goal.objectives",
            widths=[5.6, 3.3, 2.3, 2.3, 3.69],
        )
        self.tag("{%p if goal.objectives | selectattr('interventions') | list %}")
        self.heading(L("heading.interventions"), 3)
        table = self.table(
            L(
                "column.objective",
                "column.intervention",
                "column.by",
                "column.how_often",
                "column.modality",
            ),
            [
                "{{ o.id }}",
                "{{ i.text }}",
                "{{ i.by }}",
                "{{ i.frequency }}",
                "{{ i.modality_text }}",
            ],
            loop="o in goal.objectives",
            widths=[2.6, 5.4, 2.8, 3.0, 3.39],
        )
        _nest_loop(table, "i in o.interventions")
        self.tag("{%p endif %}")
        self.tag("{%p for s in goal.shared_by_objectives %}")
        self.p(
            "{{ s.text }}", label='{{ labels.label.shared_for | replace("{ids}", s.objectives) }}: '
        )
        self.tag("{%p endfor %}")
        self.tag("{%p endif %}")
        self.tag("{%p endfor %}")
        self.tag("{%p if shared_interventions %}")
        self.heading(L("heading.shared_interventions"), 1)
        self.table(
            L(
                "column.id",
                "column.intervention",
                "column.by",
                "column.how_often",
                "column.modality",
                "column.serves",
            ),
            [
                "{{ i.id }}",
                "{{ i.text }}",
                "{{ i.by }}",
                "{{ i.frequency }}",
                "{{ i.modality_text }}",
                "{{ i.serves }}",
            ],
            loop="i in shared_interventions",
            widths=[1.6, 5.0, 2.8, 2.8, 2.4, 2.59],
        )
        self.tag("{%p endif %}")
        self.tag("{%p if instruments %}")
        self.heading(L("heading.measures"), 1)
        self.table(
            L("column.measure", "column.scale", "column.how_taken"),
            ["{{ i.name }}", "{{ i.scale }}", "{{ i.description }}"],
            loop="i in instruments",
            widths=[4.5, 4.5, 8.19],
        )
        self.tag("{%p endif %}")

    def _progress(self) -> None:
        self.tag("{%p if progress %}")
        self.heading(L("heading.progress"), 1)
        table = self.table(
            L(
                "column.measure",
                "column.first",
                "column.latest",
                "column.change",
                "column.scores",
                "column.trend",
            ),
            [
                "{{ m.label }}",
                "{{ m.first.score | num }}{{ ' (' ~ m.band_first ~ ')' if m.band_first else '' }}, {{ m.first.date or labels.text.baseline }}",
                "{{ m.latest.score | num }}{{ ' (' ~ m.band_latest ~ ')' if m.band_latest else '' }}, {{ m.latest.date }}"
                "{{ ' ' ~ labels.text.after_signing_mark if m.latest.after_signing else '' }}",
                "{{ m.change ~ ' ' if m.change else '' }}({{ m.direction }})",
                "{% for pt in m.points %}{{ pt.score | num }}{{ ', ' if not loop.last else '' }}{% endfor %}",
                "{%p if m.chart %}",
            ],
            loop="m in progress",
            # The trend column holds the chart (chart.WIDTH_MM) and the cell's two margins.
            widths=[3.1, 2.4, 2.4, 2.0, 2.3, 4.99],
        )
        self._trend_cell(table.cell(2, 5))
        self.heading(L("heading.scores"), 2)
        self.table(
            L("column.date", "column.measure", "column.score", "column.note"),
            [
                "{{ s.date }}{{ ' ' ~ labels.text.after_signing_mark if s.after_signing else '' }}",
                "{{ s.measure }}",
                "{{ s.score | num }}",
                "{{ s.note }}",
            ],
            loop="s in scores",
            widths=[2.6, 5.5, 1.6, 7.49],
        )
        self.tag('{%p if scores | selectattr("after_signing") | list %}')
        self.p(
            '{{ labels.text.after_signing_legend | replace("{mark}", labels.text.after_signing_mark)'
            ' | replace("{date}", signed_on | date) }}'
        ).runs[0].italic = True
        self.tag("{%p endif %}")
        self.tag("{%p endif %}")

    @staticmethod
    def _trend_cell(cell: Any) -> None:
        """The chart in a paragraph of its own, clear of the cell's top and bottom rules, then
        its first and latest values with their dates, and the trend in words with the target."""
        chart = cell.add_paragraph("{{ m.chart }}")
        chart.paragraph_format.space_before = Pt(3)
        chart.paragraph_format.space_after = Pt(2)
        cell.add_paragraph("{%p endif %}")
        for text in (
            "{{ m.first_text ~ ' → ' if m.chart_points | length > 1 else '' }}{{ m.last_text }}",
            "{{ m.trend_text }}{{ '; target\u00a0' ~ m.target_text if m.target_text else '' }}",
        ):
            cell.add_paragraph().add_run(text).font.size = Pt(9)
        cell.paragraphs[-1].paragraph_format.space_after = Pt(2)

    def _services(self) -> None:
        self.heading(L("heading.services"), 1)
        self.services_table("s in services", "{{ s.duration_text }}")

    def services_table(self, loop: str, dates: str) -> None:
        """The services as a payer reads them: code, service, session, frequency, dates and
        what is planned (page 1 and the payer summary)."""
        self.table(
            L(
                "column.code",
                "column.service",
                "column.session",
                "column.frequency",
                "column.dates",
                "column.planned",
            ),
            [
                "{{ s.code_text }}",
                "{{ s.description }}",
                "{{ s.amount }}",
                "{{ s.frequency_text }}",
                dates,
                "{{ s.planned }}",
            ],
            loop=loop,
            widths=[1.9, 5.0, 2.2, 2.4, 3.6, 2.09],
        )

    def _service_details(self) -> None:
        """What page 1's services table leaves out: level of care, setting, group, provider."""
        self.tag('{%p if services | selectattr("details") | list %}')
        self.heading(L("heading.service_details"), 1)
        self.bullets(
            'x in services | selectattr("details")',
            "{{ x.description }}, {{ x.code_text }}: {{ x.details }}",
        )
        self.tag("{%p endif %}")

    def _substance_use(self) -> None:
        self.tag("{%p if substance_use %}")
        self.heading(L("heading.substance_use"), 1)
        self.tag("{%p if substance_use.dimensions %}")
        self.table(
            L("column.asam_dimension", "column.asam_risk", "column.notes"),
            ["{{ x.dimension }}. {{ x.name }}", "{{ x.rating_text }}", "{{ x.notes }}"],
            loop="x in substance_use.dimensions",
            widths=[5.5, 2.6, 9.09],
        )
        self.tag("{%p endif %}")
        for key, title in (
            ("recommended_text", L("label.level_recommended") + ": "),
            ("actual_text", L("label.level_given") + ": "),
            ("difference_reason", L("label.why_differ") + ": "),
        ):
            self.tag(f"{{%p if substance_use.{key} %}}")
            self.p(f"{{{{ substance_use.{key} }}}}", label=title)
            self.tag("{%p endif %}")
        self.tag("{%p if substance_use.behaviours %}")
        self.table(
            L("column.behavior", "column.stage_of_change"),
            ["{{ b.behaviour }}", "{{ b.stage_label }}"],
            loop="b in substance_use.behaviours",
            widths=[11.19, 6.0],
        )
        self.tag("{%p endif %}")
        self.tag("{%p if substance_use.referral_rows %}")
        self.table(
            [L("column.referral"), ""],
            ["{{ r.name }}", "{{ r.value }}"],
            loop="r in substance_use.referral_rows",
            widths=[5, 12.19],
        )
        self.tag("{%p endif %}")
        self.tag("{%p if substance_use.toxicology_text %}")
        self.p("{{ substance_use.toxicology_text }}", label=L("label.toxicology") + ": ")
        self.tag("{%p endif %}")
        self.tag("{%p endif %}")

    def _orientation(self) -> None:
        self.heading("{{ orientation.label }}", 1)
        self.tag("{%p for section in orientation.sections %}")
        self.heading("{{ section.title }}", 2)
        self.tag("{%p for b in section.blocks %}")
        self.tag('{%p if b.kind == "heading" %}')
        self.heading("{{ b.text }}", 3)
        self.tag('{%p elif b.kind == "text" and b.text | length <= 240 %}')
        self.kept("{{ b.text }}", label="{{ b.label ~ ': ' if b.label else '' }}")
        self.tag('{%p elif b.kind == "text" %}')
        self.p("{{ b.text }}", label="{{ b.label ~ ': ' if b.label else '' }}")
        self.tag('{%p elif b.kind == "list" %}')
        self._block_label()
        self.tag("{%p for item in b['items'] %}")
        self.tag("{%p if b.numbered %}")
        numbered = self.p("{{ loop.index }}.\t{{ item }}")
        numbered.paragraph_format.left_indent = Cm(0.63)
        numbered.paragraph_format.first_line_indent = Cm(-0.63)
        self.tag("{%p else %}")
        self.p("{{ item }}", "List Bullet")
        self.tag("{%p endif %}")
        self.tag("{%p endfor %}")
        self.tag('{%p elif b.kind == "table" %}')
        self._block_label()
        self.dynamic_table("b.columns", "b.rows")
        self.tag('{%p elif b.kind == "fields" %}')
        self._block_label()
        table = self.doc.add_table(rows=3, cols=2)
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER  # every table lines up with the others
        for r, values in enumerate(
            [
                ["{%tr for name, value in b.rows %}", ""],
                ["{{ name }}", "{{ value }}"],
                ["{%tr endfor %}", ""],
            ]
        ):
            for c, value in enumerate(values):
                table.cell(r, c).text = value
        _shade(table.cell(1, 0)._tc, HEADER_FILL)
        table.cell(1, 0).paragraphs[0].runs[0].bold = True
        _full_width(table, [5, 12.19])
        self.doc.add_paragraph()
        self.tag("{%p endif %}")
        self.tag("{%p endfor %}")
        self.tag("{%p endfor %}")

    def _block_label(self) -> None:
        self.tag("{%p if b.label %}")
        self.p(label="{{ b.label }}")
        self.tag("{%p endif %}")

    def _safety_plan(self) -> None:
        """The safety plan in the client's voice (``safety_plan`` in the context). Its headings
        and items keep with the next paragraph, so the section moves to a new page whole
        rather than splitting, when it fits on one; a closing line ends the kept run."""
        self.heading(L("heading.safety_plan"), 1)
        self.tag("{%p if safety_plan.present %}")
        self.tag("{%p for step in safety_plan.steps %}")
        self.heading("{{ step.heading }}", 2)
        self.tag("{%p for item in step.entries %}")
        item = self.p("{{ item }}", "List Bullet")
        item.paragraph_format.keep_with_next = True
        _no_contextual_spacing(item)
        self.tag("{%p endfor %}")
        self.tag("{%p endfor %}")
        self.p("{{ safety_plan.reviewed_text }}").runs[0].italic = True
        self.tag("{%p else %}")
        self.p("{{ safety_plan.note }}")
        self.tag("{%p endif %}")
        self.tag("{%p for c in crisis_plans %}")
        self.heading('{{ labels.heading.crisis_plan | replace("{domain}", c.domain_label) }}', 1)
        self.bullets("step in c.steps", "{{ step }}", style="List Number")
        self.tag("{%p if c.contacts %}")
        self.p(label=L("label.who_to_call") + ":")
        self.bullets("x in c.contacts", "{{ x.text }}")
        self.tag("{%p endif %}")
        self.tag("{%p endfor %}")

    def _discharge(self) -> None:
        self.heading(L("heading.discharge"), 1)
        self.p(label=L("label.discharge_when") + ":")
        self.bullets("item in plan.discharge.criteria", "{{ item }}", style="List Number")
        self.tag("{%p if plan.discharge.transition %}")
        self.p("{{ plan.discharge.transition }}", label=L("label.transition") + ": ")
        self.tag("{%p endif %}")
        self.tag("{%p if plan.discharge.aftercare %}")
        self.p(label=L("label.aftercare") + ":")
        self.bullets("item in plan.discharge.aftercare", "{{ item }}")
        self.tag("{%p endif %}")
        self.tag("{%p if plan.discharge.anticipated_date %}")
        self.p(
            "{{ plan.discharge.anticipated_date }}", label=L("label.anticipated_discharge") + ": "
        )
        self.tag("{%p endif %}")

    def _history_and_signatures(self) -> None:
        self.heading(L("heading.revisions"), 1)
        self.table(
            L("column.version", "column.date", "column.reason", "column.summary", "column.by"),
            [
                "{{ r.version }}",
                "{{ r.date }}",
                "{{ r.reason | label }}",
                "{{ r.summary }}",
                "{{ r.author }}",
            ],
            loop="r in plan.revisions",
            widths=[2.2, 2.4, 2.8, 6.6, 3.19],
            keep=True,
        )
        self.tag("{%p if signatures %}")
        self.heading(L("heading.signatures"), 1)
        # Each signer's block stays on one page; the blocks do not chain to one another, so a
        # long list of signers flows over pages instead of leaving one mostly empty.
        self.tag("{%p for s in signatures %}")
        who = self.kept(
            "{{ s.printed }}{{ ' (' ~ s.team_role ~ ')' if s.team_role else '' }}",
            label="{{ s.role_text }}: ",
        )
        who.paragraph_format.space_before = Pt(12)
        self.kept("{{ s.attestation }}").runs[0].italic = True
        line = self.kept("{{ s.line }}")
        line.paragraph_format.space_before = Pt(14)
        self.tag("{%p if s.notes %}")
        self.p("{{ s.state }}. {{ s.notes }}")
        self.tag("{%p else %}")
        self.p("{{ s.state }}")
        self.tag("{%p endif %}")
        self.tag("{%p endfor %}")
        self.tag("{%p endif %}")
        self.tag("{%p if sources %}")
        self.heading(L("heading.sources"), 1)
        self.p(L("text.sources_intro"))
        self.table(
            L("column.part", "column.source", "column.item"),
            ["{{ s.what }}", "{{ s.source }}", "{{ s.item }}"],
            loop="s in sources",
            widths=[3.5, 8.69, 5.0],
        )
        self.tag("{%p endif %}")
        self.tag("{%p if extensions %}")
        self.heading(L("heading.extensions"), 1)
        self.table(
            L("column.field", "column.value"),
            ["{{ e.name }}", "{{ e.value }}"],
            loop="e in extensions",
            widths=[5, 12.19],
        )
        self.tag("{%p endif %}")

    def _compliance(self) -> None:
        """The compliance appendix, one for each ``--profile``, each on a page of its own."""
        self.tag("{%p for c in compliance %}")
        self.doc.add_heading("{{ c.heading }}", 1).paragraph_format.page_break_before = True
        self.p("{{ c.description }}")
        self.kept("{{ c.summary }}").runs[0].bold = True
        table = self.table(
            L("compliance.requirement", "compliance.status", "compliance.where"),
            ["{{ r.requirement }}", "{{ r.status if r.met else '' }}", "{{ r.where }}"],
            loop="r in c.requirements",
            widths=[5.6, 2.0, 9.59],
        )
        missing = table.cell(2, 1).paragraphs[0].add_run("{{ '' if r.met else r.status }}")
        missing.bold = True  # a requirement not met stands out
        missing.font.color.rgb = ALERT
        self.tag("{%p endfor %}")

    def save(self, path: Path) -> None:
        props = self.doc.core_properties
        props.title, props.subject, props.author = (
            "Treatment plan",
            "Psychotherapy treatment plan",
            "plandoc",
        )
        props.comments = "Template for plandoc; see docs/templates.md for the variables."
        props.keywords, props.category, props.last_modified_by = "treatment plan", "", "plandoc"
        import datetime as dt

        props.created = props.modified = dt.datetime(2026, 1, 1)
        props.revision = 1
        clean_package(self.doc.part.package)  # no thumbnail, stale styles or other program
        self.doc.save(str(path))


def _keep_with_next(rows: Any) -> None:
    """The rows' paragraphs keep with what follows: a header row with the first row under it,
    a short table (the revision history) with the signatures after it."""
    for row in rows:
        for cell in row.cells:
            for para in cell.paragraphs:
                para.paragraph_format.keep_with_next = True


def _rule_above(paragraph: Paragraph) -> None:
    """A thin rule over the footer, with clear space between it and the body."""
    borders = OxmlElement("w:pBdr")
    top = OxmlElement("w:top")
    for name, value in (("val", "single"), ("sz", "4"), ("space", "6"), ("color", "8EA9C1")):
        top.set(qn(f"w:{name}"), value)
    borders.append(top)
    paragraph._p.get_or_add_pPr().append(borders)
    paragraph.paragraph_format.space_before = Pt(10)


def _box(paragraph: Paragraph, colour: str) -> None:
    """A border all round a paragraph (the status banner)."""
    borders = OxmlElement("w:pBdr")
    for side in ("top", "left", "bottom", "right"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:val"), "single")
        edge.set(qn("w:sz"), "12")
        edge.set(qn("w:space"), "4")
        edge.set(qn("w:color"), colour)
        borders.append(edge)
    paragraph._p.get_or_add_pPr().append(borders)


def _right_tab_only(paragraph: Paragraph) -> None:
    """One right-aligned tab at the margin; the Header/Footer styles' centre tab would
    otherwise centre the second text over the first."""
    stops = paragraph.paragraph_format.tab_stops
    for twips in (4680, 9360):
        stops.add_tab_stop(Twips(twips), WD_TAB_ALIGNMENT.CLEAR)
    stops.add_tab_stop(Cm(TEXT_WIDTH_CM), WD_TAB_ALIGNMENT.RIGHT)


def _page_of(paragraph: Paragraph, size: Pt | None = None) -> None:
    """``Page N of M`` at the right margin, in the document's language."""
    for text, field in ((f"\t{L('footer.page')} ", "PAGE"), (f" {L('footer.of')} ", "NUMPAGES")):
        run = paragraph.add_run(text)
        if size is not None:
            run.font.size = size
        _field(paragraph, field)


def _field(paragraph: Paragraph, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) that the reader's client fills in."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _shade(tc: object, fill: str) -> None:
    tc_pr = tc.get_or_add_tcPr()  # type: ignore[attr-defined]
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tc_pr.append(shd)


def _logo_above(line: Paragraph) -> None:
    """The practice's logo (from its practice file) on a line of its own above *line*, in
    paragraphs that go when there is no logo."""
    for text in ("{%p if logo.present %}", "{{ logo.picture }}", "{%p endif %}"):
        line.insert_paragraph_before(text, style=line.style)


def _repeat_header(table: Table) -> None:
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    tr_pr.append(header)


def _keep_rows_whole(table: Table) -> None:
    """A row never splits across pages: an objective is read as one piece."""
    for row in table._tbl.findall(qn("w:tr")):
        tr_pr = row.get_or_add_trPr()
        if tr_pr.find(qn("w:cantSplit")) is None:
            tr_pr.insert(0, OxmlElement("w:cantSplit"))


def _full_width(table: Table, widths: list[float] | None) -> None:
    """Table at the text width. With *widths* (cm) the columns are fixed; without, cells carry
    no width so that data-driven columns (``{%tc %}``) share the width evenly. Rows are kept
    whole on a page."""
    _keep_rows_whole(table)
    tbl_pr = table._tbl.tblPr
    width = OxmlElement("w:tblW")
    width.set(qn("w:type"), "pct")
    width.set(qn("w:w"), "5000")
    for old in tbl_pr.findall(qn("w:tblW")):
        tbl_pr.remove(old)
    tbl_pr.append(width)
    columns = table._tbl.tblGrid.findall(qn("w:gridCol"))
    sizes = widths or [TEXT_WIDTH_CM / len(columns)] * len(columns)
    for col, size in zip(columns, sizes, strict=False):
        col.set(qn("w:w"), str(int(Cm(size).twips)))
    for row in table._tbl.findall(qn("w:tr")):
        for tc, size in zip(row.findall(qn("w:tc")), sizes, strict=False):
            tc_pr = tc.get_or_add_tcPr()
            for tcw in tc_pr.findall(qn("w:tcW")):
                tc_pr.remove(tcw)
            if widths:
                tcw = OxmlElement("w:tcW")
                tcw.set(qn("w:type"), "dxa")
                tcw.set(qn("w:w"), str(int(Cm(size).twips)))
                tc_pr.insert(0, tcw)
    if widths:
        layout = OxmlElement("w:tblLayout")
        layout.set(qn("w:type"), "fixed")
        tbl_pr.append(layout)
    order_table_properties(tbl_pr)  # tblW and tblLayout go before tblLook, as the schema says


def _nest_loop(table: Table, inner: str) -> None:
    """Wrap the table's repeated row in a second loop (objectives → their interventions)."""
    rows = table._tbl.findall(qn("w:tr"))
    opening, closing = rows[1], rows[3]
    inner_open = _copy_row(opening, f"{{%tr for {inner} %}}")
    inner_close = _copy_row(closing, "{%tr endfor %}")
    opening.addnext(inner_open)
    closing.addprevious(inner_close)


def _copy_row(row: object, text: str) -> object:
    import copy

    clone = copy.deepcopy(row)
    texts = clone.findall(".//" + qn("w:t"))  # type: ignore[attr-defined]
    texts[0].text = text
    return clone


class DiffBuilder(Builder):
    """The Word change summary between two versions (``diff.docx``)."""

    def _header_footer(self) -> None:
        section = self.doc.sections[0]
        header = section.header.paragraphs[0]
        header.style = self.doc.styles["Header"]
        _logo_above(header)
        _right_tab_only(header)
        header.add_run('{{ labels.diff.header | replace("{plan}", plan_id) }}').bold = True
        header.add_run(
            f"\t{L('footer.client')} {{{{ client_id }}}} · {L('diff.version')} {{{{ old_version }}}} → {{{{ new_version }}}}"
        )
        footer = section.footer.paragraphs[0]
        footer.style = self.doc.styles["Footer"]
        _right_tab_only(footer)
        footer.add_run(f"{{{{ confidentiality }}}} {L('diff.key_docx')}").font.size = Pt(8)
        _page_of(footer)

    def build(self) -> None:
        self.p('{{ labels.diff.title | replace("{title}", title) }}', "Title")
        self.fields(
            [
                (L("diff.client"), "{{ client }} ({{ client_id }})", None),
                (L("diff.plan"), "{{ plan_id }}", None),
                (
                    L("diff.versions"),
                    "{{ old_version }} ({{ old_date }}) → {{ new_version }} ({{ new_date }})",
                    None,
                ),
            ]
        )
        self.tag("{%p if revision %}")
        self.p(
            "{{ revision.reason }}, {{ revision.date }}{{ ', ' ~ labels.diff.by ~ ' ' ~ revision.author if revision.author else '' }}. {{ revision.summary }}",
            label=L("diff.why") + ": ",
        )
        self.tag("{%p endif %}")
        self._key_changes()
        self.bullets("w in warnings", L("diff.warning") + ": {{ w }}")
        self.tag("{%p if progress %}")
        self.heading(L("diff.progress"), 1)
        self.table(
            [
                L("diff.measure"),
                '{{ labels.diff.version_column | replace("{version}", old_version | string) }}',
                '{{ labels.diff.version_column | replace("{version}", new_version | string) }}',
                '{{ labels.diff.change | replace("{version}", old_version | string) }}',
                L("diff.since_baseline"),
                L("column.trend"),
            ],
            [
                "{{ p.label }}",
                "{{ p.old }}",
                "{{ p.new }}",
                "{{ p.change }}",
                "{{ p.since_baseline }}",
                "{{ p.direction }}",
            ],
            loop="p in progress",
            widths=[4.4, 3, 3, 1.6, 3.2, 2],
        )
        self.tag("{%p if progress | selectattr('course') | list %}")
        self.kept(label=L("diff.course") + ":")
        self.bullets("p in progress if p.course", "{{ p.label }}: {{ p.course }}")
        self.tag("{%p endif %}")
        self.tag("{%p if new_scores %}")
        self.p(
            '{{ labels.diff.new_scores | replace("{count}", new_scores | string) | replace("{version}", old_version | string) }}'
        )
        self.tag("{%p endif %}")
        self.tag("{%p endif %}")
        self.tag("{%p if not sections %}")
        self.p(L("diff.no_changes"))
        self.tag("{%p endif %}")
        self.tag("{%p for section in sections %}")
        self.heading("{{ section.title }}", 1)
        self.tag("{%p for item in section['items'] %}")
        self.tag("{%p if item.edits %}")
        self._edits_paragraph()
        self.tag("{%p elif item.kind in ('added', 'removed') %}")
        self.p(
            "{{ labels.diff[item.kind] }}{{ ': ' ~ item.summary if item.summary else '' }}",
            "List Bullet",
            label="{{ item.label }} ",
            bold=False,
        )
        self.tag("{%p else %}")
        self.p("{{ item.detail }}", "List Bullet", label="{{ item.label }}: ", bold=False)
        self.tag("{%p endif %}")
        self.tag("{%p for d in item.details %}")
        self.p("{{ d }}", "List Bullet 2")
        self.tag("{%p endfor %}")
        self.tag("{%p endfor %}")
        self.tag("{%p endfor %}")

    def _key_changes(self) -> None:
        """What a reviewer reads first: a change of risk flagged in red and bold, then goals,
        services and diagnoses."""
        self.tag("{%p if key_changes %}")
        self.heading(L("diff.key_changes"), 1)
        self.tag("{%p for k in key_changes %}")
        self.tag("{%p if k.flag %}")
        flagged = self.doc.add_paragraph(style="List Bullet").add_run("⚠ {{ k.text }}")
        flagged.bold = True
        flagged.font.color.rgb = ALERT
        self.tag("{%p else %}")
        self.p("{{ k.text }}", "List Bullet")
        self.tag("{%p endif %}")
        self.tag("{%p endfor %}")
        self.tag("{%p endif %}")

    def _edits_paragraph(self) -> None:
        """A bullet whose runs show each word edit as Word shows its own tracked changes: struck
        through in red, underlined in blue, or plain; the label plain too, so that nothing but
        the edits stands out."""
        para = self.doc.add_paragraph(style="List Bullet")
        para.add_run("{{ item.label }}: ")
        para.add_run("{%r for e in item.edits %}")
        para.add_run("{%r if e.op == 'delete' %}")
        deleted = para.add_run("{{ e.text }}").font
        deleted.strike, deleted.color.rgb = True, DELETED
        para.add_run("{%r elif e.op == 'insert' %}")
        inserted = para.add_run("{{ e.text }}").font
        inserted.underline, inserted.color.rgb = True, INSERTED
        para.add_run("{%r else %}")
        para.add_run("{{ e.text }}")
        para.add_run("{%r endif %}")
        para.add_run("{%r endfor %}")


class SafetyPlanBuilder(Builder):
    """The client's safety-plan handout (``safety-plan.docx``): "My safety plan", the client's
    name and the review date, the 988 line, then each step in the client's voice, in large
    type. Nothing clinical: no diagnoses, codes or notes."""

    def _page(self) -> None:
        super()._page()
        section = self.doc.sections[0]
        for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
            setattr(section, side, Cm(2))

    def _styles(self) -> None:
        super()._styles()
        styles = self.doc.styles
        bullet = styles["List Bullet"].element.pPr
        for spacing in bullet.findall(qn("w:contextualSpacing")):
            bullet.remove(spacing)  # LibreOffice ignores keep-with-next beside it
        styles["Normal"].font.size = Pt(14)
        styles["Normal"].paragraph_format.space_after = Pt(3)
        styles["Footer"].font.size = Pt(9)  # the page number fields too, not the body's 14 pt
        styles["Title"].font.size = Pt(28)
        heading = styles["Heading 1"]
        heading.font.size = Pt(17)
        heading.paragraph_format.space_before = Pt(12)
        heading.paragraph_format.space_after = Pt(2)
        heading.paragraph_format.keep_with_next = True

    def _header_footer(self) -> None:
        footer = self.doc.sections[0].footer.paragraphs[0]
        footer.style = self.doc.styles["Footer"]
        stops = footer.paragraph_format.tab_stops
        for twips in (4680, 9360):
            stops.add_tab_stop(Twips(twips), WD_TAB_ALIGNMENT.CLEAR)
        stops.add_tab_stop(Cm(21.59 - 4), WD_TAB_ALIGNMENT.RIGHT)
        footer.add_run(
            f"{L('safety_plan.title')} · {{{{ safety_plan.client_name }}}} · {{{{ plan.practice.name }}}}"
        ).font.size = Pt(9)
        _page_of(footer, Pt(9))

    def build(self) -> None:
        self.tag("{%p if logo.present %}")
        self.p("{{ logo.picture }}")
        self.tag("{%p endif %}")
        self.p(L("safety_plan.title"), "Title")
        self.tag("{%p if safety_plan.banner %}")
        banner = self.p("{{ safety_plan.banner }}")
        banner.runs[0].bold = True
        banner.runs[0].font.color.rgb = ALERT
        _box(banner, ALERT_HEX)
        self.tag("{%p endif %}")
        who = self.p("{{ safety_plan.client_name }}")
        who.runs[0].bold = True
        who.add_run("{{ ' · ' ~ safety_plan.reviewed_line if safety_plan.reviewed_line else '' }}")
        _crisis_box(self.p("{{ safety_plan.crisis_line }}"))
        self.tag("{%p if not safety_plan.present %}")
        self.p("{{ safety_plan.note }}")
        self.tag("{%p endif %}")
        self.tag("{%p for step in safety_plan.steps %}")
        self.heading("{{ loop.index }}. {{ step.heading }}", 1)
        hint = self.p("{{ step.hint }}")
        hint.runs[0].italic = True
        hint.paragraph_format.keep_with_next = True
        self.tag("{%p if step.contacts %}")
        self.tag("{%p for c in step.contacts %}")
        self._kept_until_last(self._contact_line)
        self.tag("{%p endfor %}")
        self.tag("{%p else %}")
        self.tag("{%p for item in step.entries %}")
        self._kept_until_last(lambda: self.p("{{ item }}", "List Bullet"))
        self.tag("{%p endfor %}")
        self.tag("{%p endif %}")
        self.tag("{%p endfor %}")

    def _kept_until_last(self, make: Callable[[], Paragraph]) -> None:
        """A list item that keeps with the next one, but for the last: a step stays on one
        page, and the next step may start a new one."""
        self.tag("{%p if loop.last %}")
        make().paragraph_format.keep_together = True
        self.tag("{%p else %}")
        item = make()
        item.paragraph_format.keep_together = True
        item.paragraph_format.keep_with_next = True
        self.tag("{%p endif %}")

    def _contact_line(self) -> Paragraph:
        """``Name, role: phone``, the number in bold."""
        line = self.p("{{ c.label }}", "List Bullet")
        line.add_run("{{ ': ' if c.phone else '' }}")
        line.add_run("{{ c.phone }}").bold = True
        return line

    def save(self, path: Path) -> None:
        super().save(path)
        props = self.doc.core_properties
        props.title, props.subject = "My safety plan", "A client's safety plan"
        props.comments = "Template for plandoc's safety-plan handout; see docs/templates.md."
        props.keywords = "safety plan"
        self.doc.save(str(path))


class PayerSummaryBuilder(Builder):
    """The payer summary (``payer-summary.docx``): the minimum necessary to authorize care, on
    one or two pages — the plan's header and footer (so a draft or superseded version is
    marked on every page), page 1's facts, then diagnoses, measurable objectives, services and
    signatures as tables. Nothing of the formulation, the client's words or the orientation."""

    def _header_footer(self) -> None:
        """The plan's header and footer, the footer naming the document."""
        super()._header_footer()
        footer = self.doc.sections[0].footer.paragraphs[1].runs[0]
        footer.text = f"{L('payer.footer')} · {footer.text}"

    def _page(self) -> None:
        super()._page()
        section = self.doc.sections[0]
        section.top_margin, section.header_distance = Cm(1.9), Cm(0.9)  # room for signatures

    def _styles(self) -> None:
        super()._styles()
        styles = self.doc.styles
        styles["Normal"].font.size = Pt(9)
        styles["Normal"].paragraph_format.space_after = Pt(2)
        styles["Title"].font.size = Pt(16)
        styles["Heading 1"].font.size = Pt(12)
        styles["Heading 1"].paragraph_format.space_before = Pt(10)

    def build(self) -> None:
        self.p("{{ payer.title }}", "Title")
        self._banner()
        self.p("{{ payer.intro }}").runs[0].italic = True
        self.facts("f in payer.facts", "{{ f.label }}", "{{ f.value }}")
        self.heading(L("heading.diagnoses"), 1)
        self.table(
            L("column.code", "column.diagnosis", "column.type"),
            ["{{ x.code_text }}", "{{ x.text }}", "{{ x.kind }}"],
            loop="x in payer.diagnoses",
            widths=[2.2, 10.99, 4.0],
        )
        self.heading(L("payer.services"), 1)
        self.services_table("s in payer.services", "{{ s.dates }}")
        self.heading(L("payer.objectives"), 1)
        self.table(
            [
                L("column.objective"),
                L("payer.baseline_target"),
                L("payer.latest"),
                L("column.target_date"),
                L("column.status"),
            ],
            [
                "{{ o.id }} {{ o.text }}",
                "{{ o.measure }}",
                "{{ o.latest }}",
                "{{ o.due }}",
                "{{ o.status }}",
            ],
            loop="o in payer.objectives",
            widths=[5.2, 4.2, 2.5, 2.9, 2.39],
        )
        self.tag("{%p if payer.signatures %}")
        self.heading(L("payer.signatures"), 1)
        self.table(
            L("column.role", "column.name", "column.status"),
            ["{{ s.role }}", "{{ s.name }}", "{{ s.state }}"],
            loop="s in payer.signatures",
            widths=[3.6, 5.6, 7.99],
            keep=True,
        )
        self.tag("{%p endif %}")
        self._compliance()

    def save(self, path: Path) -> None:
        super().save(path)
        props = self.doc.core_properties
        props.title, props.subject = "Payer summary", "A treatment plan summary for authorization"
        props.comments = "Template for plandoc's payer summary; see docs/templates.md."
        props.keywords = "treatment plan; payer summary"
        self.doc.save(str(path))


def _no_contextual_spacing(paragraph: Paragraph) -> None:
    """Turn off the list style's contextual spacing for this paragraph: LibreOffice ignores
    keep-with-next on a paragraph that has it, and so splits what Word keeps together."""
    p_pr = paragraph._p.get_or_add_pPr()
    spacing = OxmlElement("w:contextualSpacing")
    spacing.set(qn("w:val"), "0")
    following = [qn(f"w:{n}") for n in ("mirrorIndents", "suppressOverlap", "jc", "rPr")]
    after = next((child for child in p_pr if child.tag in following), None)
    if after is None:
        p_pr.append(spacing)
    else:
        after.addprevious(spacing)


def _crisis_box(paragraph: Paragraph) -> None:
    """The 988 line, bold in a shaded box with a rule on each side."""
    paragraph.runs[0].bold = True
    p_pr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    for side in ("top", "left", "bottom", "right"):
        edge = OxmlElement(f"w:{side}")
        for key, value in (("val", "single"), ("sz", "12"), ("space", "4"), ("color", "1F4E79")):
            edge.set(qn(f"w:{key}"), value)
        borders.append(edge)
    shading = OxmlElement("w:shd")
    for key, value in (("val", "clear"), ("color", "auto"), ("fill", HEADER_FILL)):
        shading.set(qn(f"w:{key}"), value)
    p_pr.append(borders)
    p_pr.append(shading)
    paragraph.paragraph_format.space_before = Pt(6)
    paragraph.paragraph_format.space_after = Pt(10)


def main() -> None:
    """Build both templates; with a folder argument, write them there (the sync test does)."""
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else TEMPLATES
    builders = (
        (Builder(), OUT.name),
        (DiffBuilder(), DIFF_OUT.name),
        (SafetyPlanBuilder(), SAFETY_PLAN_OUT.name),
        (PayerSummaryBuilder(), PAYER_SUMMARY_OUT.name),
    )
    for builder, name in builders:
        builder.build()
        builder.save(folder / name)
        print(f"wrote {folder / name}")


if __name__ == "__main__":
    main()
