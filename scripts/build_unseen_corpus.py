"""Regenerate the PDF and Word training documents of the unseen evaluation corpus.

    .venv/bin/python scripts/build_unseen_corpus.py

The unseen corpus (``bench/eval/unseen/knowledge/``) belongs to a fictional migrant workers'
rights network, Open Shift, written in a different house style from the sample knowledge base,
so the evaluation can show whether Lines works on documents it was never shaped around. Its
Markdown and text files are written by hand; this script holds the text of the two binary
files and writes them. The generated files are committed. On purpose there is no metadata:
no front matter, no sidecars and no title in the files' properties, as a charity's own
exports often have none.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import docx
from fpdf import FPDF

TRAINING = (
    Path(__file__).resolve().parent.parent / "bench" / "eval" / "unseen" / "knowledge" / "training"
)
# Fixed so that rebuilding without a text change gives the same files.
FIXED_DATE = dt.datetime(2025, 6, 2, tzinfo=dt.UTC)

# Helvetica in fpdf2 covers Latin-1 only: straight quotes, hyphens and "£" are fine.
HANDOUT_TITLE = "Speaking up: a media handout for worker organisers"
HANDOUT_INTRO = (
    "This handout goes with the Open Shift half-day media session. It is for members who have "
    "agreed to speak to a journalist, a radio phone-in or a public meeting about their work, and "
    "for the organisers who support them. Keep it with you on the day."
)
HANDOUT = [
    (
        "Before you agree to talk",
        [
            "Find out who the journalist is, what the piece is about and who else they are "
            "interviewing. If the employer or their lawyers will be quoted, you need to know "
            "before you speak, not when the piece comes out.",
            "If you are on a sponsored visa, or your right to stay depends on your job, talk to "
            "your union rep or an adviser before you say anything public about your employer. You "
            "can still help the campaign without being named: a member with settled status, or an "
            "organiser, can speak instead.",
            "Agree with your branch who speaks for the group. One named spokesperson, with a "
            "second person ready to stand in, is better than five people giving different "
            "accounts.",
        ],
    ),
    (
        "The three-part answer",
        [
            "Most questions can be answered in three steps: what happened, why the rules allow it, "
            "and what would fix it. For example: 'We were paid £6 an hour for twelve-hour shifts. "
            "That happens because inspections are rare and our visas tie us to one employer. Give "
            "every worker the same protection and the right to change jobs, and it stops.'",
            "Use real amounts. 'Underpaid' means little to a listener; '£200 short every month' is "
            "something they can picture and repeat to a friend.",
        ],
    ),
    (
        "Naming employers",
        [
            "Only name a business when the facts are on paper: payslips, messages, a tribunal "
            "judgment or an inspection report. Say what happened, not what you think of the owner. "
            "If in doubt, describe the sector and the town instead, and let the journalist do "
            "their own checks.",
            "Never repeat an allegation made by someone else as if it were your own knowledge.",
        ],
    ),
    (
        "Hard questions",
        [
            "If you are asked 'Why didn't you just leave?', explain the tie: leaving the job meant "
            "losing the visa, the room and the money still owed. You do not have to answer "
            "questions about your immigration history or your family; 'That is not something I "
            "will talk about today' is a full answer.",
            "If you are asked whether migrants undercut local workers, answer about employers: "
            "'Bosses who break the rules undercut all of us. Enforce the rules for everyone.'",
        ],
    ),
    (
        "After the interview",
        [
            "Write down what you said and what you were asked while it is fresh, and send it to "
            "your organiser. If the piece gets something wrong, tell the organiser the same day; "
            "corrections are easier before a story is picked up by other outlets.",
            "Expect comments online. Do not read them alone, and do not reply from your personal "
            "account.",
        ],
    ),
]

WORKSHOP_TITLE = "Story circle: a two-hour workshop for worker members"
WORKSHOP_INTRO = (
    "A story circle is a small group, six to ten people, sharing stories about work in a safe "
    "room. The stories stay in the room unless the person who told one decides otherwise. This "
    "plan is for organisers running their first circle."
)
# (heading, style of the paragraphs below it, paragraphs)
WORKSHOP = [
    (
        "Before the session",
        "List Bullet",
        [
            "Book a room away from the workplace, on a day and at a time that suits shifts; "
            "evenings after a day shift rarely work for pickers or carers.",
            "Arrange interpreters for every language in the group. Interpreters are paid, and they "
            "agree to the same confidentiality as everyone else.",
            "Bring food. People often come straight from work.",
        ],
    ),
    (
        "Ground rules (10 minutes)",
        "List Number",
        [
            "What is said in the circle stays in the circle.",
            "Nobody has to speak, and nobody is asked why they passed.",
            "We do not name managers or co-workers in the circle; we describe what they did.",
            "Phones face down, no photos, no recording.",
        ],
    ),
    (
        "Exercise 1: the first shift (30 minutes)",
        "Normal",
        [
            "Each person describes their first day in the job: how they got there, who met them, "
            "what they were told about pay. Listeners only ask questions that start with 'what' or "
            "'how', never 'why', because a 'why' question can sound like blame.",
        ],
    ),
    (
        "Exercise 2: what should have happened (30 minutes)",
        "Normal",
        [
            "In pairs, people retell one moment from their working life as it should have gone: "
            "paid on time, a safe lift home, a day off when a child was ill. Each pair then picks "
            "one change that would have made the difference. These changes become the campaign "
            "asks we test with the branch.",
        ],
    ),
    (
        "Exercise 3: from the circle to the public (30 minutes)",
        "Normal",
        [
            "Only now do we talk about going public. Explain the options: no story at all, a story "
            "with no names, a first name and a changed workplace, or a named spokesperson. Use "
            "traffic-light cards: green to go ahead, amber to think about it, red to keep the "
            "story in the room. Amber always means a follow-up conversation, never a yes.",
        ],
    ),
    (
        "Closing (10 minutes)",
        "Normal",
        [
            "End with something practical: the date of the next branch meeting, or a number to "
            "call about unpaid wages. Check that everyone has a way home.",
        ],
    ),
]
FACILITATOR_NOTE = (
    " If someone discloses that they are in danger, or that they are being forced to work, stop "
    "the exercise, speak to them privately and follow your group's safeguarding procedure. The "
    "circle is not the place to solve it."
)


class Handout(FPDF):
    """A PDF with the running footer a printed handout has, so page text carries that noise."""

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("Helvetica", size=8)
        self.cell(0, 10, f"Open Shift - Speaking up - page {self.page_no()}", align="C")


def build_pdf(path: Path) -> None:
    """Write the handout: sections flow across pages and paragraphs wrap within the margins."""
    pdf = Handout()
    pdf.set_creation_date(FIXED_DATE)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 18)
    pdf.multi_cell(0, 9, HANDOUT_TITLE)
    pdf.ln(3)
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(0, 6, HANDOUT_INTRO)
    for heading, paragraphs in HANDOUT:
        pdf.ln(4)
        pdf.set_font("Helvetica", "B", 14)
        pdf.multi_cell(0, 8, heading)
        pdf.ln(1)
        pdf.set_font("Helvetica", size=11)
        for paragraph in paragraphs:
            pdf.multi_cell(0, 6, paragraph)
            pdf.ln(2)
    pdf.output(str(path))


def build_docx(path: Path) -> None:
    """Write the workshop plan with Word's own heading and list styles and a bold-led note."""
    document = docx.Document()
    properties = document.core_properties
    properties.title = ""
    properties.author = ""
    properties.last_modified_by = ""
    properties.created = FIXED_DATE.replace(tzinfo=None)
    properties.modified = FIXED_DATE.replace(tzinfo=None)
    document.add_heading(WORKSHOP_TITLE, level=1)
    document.add_paragraph(WORKSHOP_INTRO)
    for heading, style, paragraphs in WORKSHOP:
        document.add_heading(heading, level=2)
        for paragraph in paragraphs:
            document.add_paragraph(paragraph, style=style)
    note = document.add_paragraph()
    note.add_run("Facilitator note:").bold = True
    note.add_run(FACILITATOR_NOTE)
    document.save(str(path))


def main() -> None:
    TRAINING.mkdir(parents=True, exist_ok=True)
    build_pdf(TRAINING / "organisers-media-handout.pdf")
    build_docx(TRAINING / "story-circle-workshop.docx")
    print(f"wrote the unseen training documents in {TRAINING}")


if __name__ == "__main__":
    main()
