"""Regenerate the sample PDF and Word training documents in knowledge/training/.

    .venv/bin/python scripts/build_sample_documents.py

The text lives here; the generated files are committed so ingestion has real PDF and .docx
input. Their metadata lives in sidecars (``<file>.meta.yaml``) beside them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import docx
from fpdf import FPDF

TRAINING = Path(__file__).resolve().parent.parent / "knowledge" / "training"
FIXED_DATE = dt.datetime(2025, 5, 1, tzinfo=dt.UTC)

HANDOUT = [
    (
        "Preparing for a media interview",
        [
            "Agree your three key messages before anything else. Write each as one short sentence that "
            "starts from a shared value, such as fairness or family.",
            "Ask the journalist who else they are speaking to, whether it is live or recorded, and how "
            "long it will last. You are allowed to ask before you say yes.",
            "Prepare one short human story you have permission to tell, and one practical solution.",
        ],
    ),
    (
        "During the interview",
        [
            "Answer the question briefly, then move to your message. You do not have to accept the "
            "words in the question: if a journalist says illegal migrants, reply about people.",
            "Slow down and pause. A short silence is better than repeating a hostile claim.",
            "If you do not know, say you will come back with the answer, and do.",
        ],
    ),
    (
        "Bridging phrases",
        [
            "Bridging phrases help you move from a difficult question back to your message: "
            "What really matters here is... / The bigger picture is... / What I hear from families is... "
            "/ Let me be clear about what would help...",
            "Use a bridge once per answer, then give your key message in plain words.",
        ],
    ),
    (
        "After the interview",
        [
            "Thank the journalist and send any facts you promised in writing the same day.",
            "Check in with any spokesperson with lived experience the next day, and again after "
            "publication.",
            "Share the coverage with your supporters with one clear action they can take.",
        ],
    ),
]

WORKSHOP = [
    (
        "Exercise 1: from numbers to people",
        [
            "Take a headline that leads with a number and rewrite it so that it leads with a person.",
            "Check that the person is not presented as deserving because of their job or talent.",
        ],
    ),
    (
        "Exercise 2: the value, problem, solution, action structure",
        [
            "In pairs, draft a four-sentence message on asylum housing: a shared value, the problem, a "
            "concrete solution and one action for the reader.",
            "Read it aloud to someone outside the sector and ask what they remember.",
        ],
    ),
    (
        "Exercise 3: answering without repeating the myth",
        [
            "Practise answering the claim that migrants take jobs without repeating it: state the "
            "positive truth in your own words instead.",
        ],
    ),
]

SIDECARS = {
    "media-interview-handout.pdf": (
        'title: "Media interview handout"\nkind: training\ndate: 2025-05-01\nstatus: current\n'
        "summary: A four-page handout for spokespeople before, during and after an interview.\n"
        "topics: [media, interviews, bridging]\n"
    ),
    "framing-workshop.docx": (
        'title: "Framing workshop: exercises"\nkind: training\ndate: 2025-03-18\nstatus: current\n'
        "summary: Exercises from the charity's half-day framing workshop for member organisations.\n"
        "topics: [framing, training, workshop]\n"
    ),
}


def build_pdf(path: Path) -> None:
    pdf = FPDF()
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_title("Media interview handout")
    for heading, paragraphs in HANDOUT:
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 16)
        pdf.multi_cell(0, 10, heading)
        pdf.ln(2)
        pdf.set_font("Helvetica", size=11)
        for paragraph in paragraphs:
            pdf.multi_cell(0, 6, paragraph)
            pdf.ln(3)
    pdf.output(str(path))


def build_docx(path: Path) -> None:
    document = docx.Document()
    document.core_properties.title = "Framing workshop: exercises"
    document.core_properties.created = FIXED_DATE.replace(tzinfo=None)
    document.add_heading("Framing workshop: exercises", level=1)
    for heading, paragraphs in WORKSHOP:
        document.add_heading(heading, level=2)
        for paragraph in paragraphs:
            document.add_paragraph(paragraph)
    document.save(str(path))


def main() -> None:
    TRAINING.mkdir(parents=True, exist_ok=True)
    build_pdf(TRAINING / "media-interview-handout.pdf")
    build_docx(TRAINING / "framing-workshop.docx")
    for name, text in SIDECARS.items():
        (TRAINING / f"{name}.meta.yaml").write_text(text, encoding="utf-8")
    print(f"wrote the training documents in {TRAINING}")


if __name__ == "__main__":
    main()
