"""Odd bytes and odd titles in dumps, end to end: import and build of the real example."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sitegen.config import load_config
from sitegen.importer import import_dumps
from sitegen.model import WINDOWS_DEVICES, Paper, slugify
from sitegen.paper_files import new_page

FLAT = "000_58fe2e8e9ad99316.txt"
CARDS_META = "003_2e1a8a6ed9af9c8c.txt"


def sitegen(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sitegen", *args], cwd=root,
                          capture_output=True, text=True, timeout=300)


def edit_line(path: Path, line: int, old: bytes, new: bytes) -> None:
    lines = path.read_bytes().split(b"\n")
    assert old in lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    path.write_bytes(b"\n".join(lines))


def pages(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((root / "content" / "papers").glob("*.md"))}


# ---------------------------------------------------------------- stray bytes

def test_windows_1252_bytes_in_utf8_dumps_import_the_same_pages(project, _imported_example):
    """Each character below saved as its Windows-1252 byte, as a paste from a Windows
    program does. Once, each dump was read whole as Windows-1252: 'Light SchrÃ¶dinger
    Bridge' and 'From … via Å\x81ojasiewicz …' became new pages, and '• 3 authors' lost."""
    dumps = project / "content" / "dumps"
    edit_line(dumps / FLAT, 125, "ö".encode(), b"\xf6")  # Light Schrödinger Bridge
    edit_line(dumps / CARDS_META, 73, "•".encode(), b"\x95")  # • 3 authors
    report = import_dumps(load_config(project / "config.yml"))
    assert pages(project) == pages(_imported_example)
    assert [str(p) for p in report.problems] == [
        f"{FLAT}:125: not UTF-8: 0xF6; read as Windows-1252: ö (save the dump as UTF-8 "
        "to be sure)",
        f"{CARDS_META}:73: not UTF-8: 0x95; read as Windows-1252: • (save the dump as "
        "UTF-8 to be sure)"]


def test_a_stray_byte_after_an_import_never_duplicates_a_page(imported):
    """The issue's case: a dump already imported gets one stray byte elsewhere."""
    before = pages(imported)
    dump = imported / "content" / "dumps" / FLAT
    edit_line(dump, 128, b"fine-tuning", b"fine\x96tuning")  # a cp1252 en dash
    result = sitegen(imported, "import")
    assert result.returncode == 0, result.stderr
    after = pages(imported)
    assert after.keys() == before.keys()
    changed = [name for name in after if after[name] != before[name]]
    assert len(changed) == 1 and "fine–tuning" in after[changed[0]].decode()  # its abstract
    warnings = [ln for ln in result.stderr.splitlines() if ln.startswith("warning:")]
    assert warnings == [f"warning: {FLAT}:128: not UTF-8: 0x96; read as Windows-1252: – "
                        "(save the dump as UTF-8 to be sure)"]


# ---------------------------------------------------------------- control characters

# What must never reach an output: C0 and C1 controls but tab and newline (CR too, but in a
# CRLF line ending: papers.csv has them), DEL, U+2028/2029, U+FFFE/FFFF.
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff]")


def test_control_characters_in_a_dump_reach_no_output(project):
    dump = project / "content" / "dumps" / CARDS_META
    title = "Fantastic Generalization Measures are Nowhere to be Found"
    lines = dump.read_text(encoding="utf-8").split("\n")
    at = lines.index(title) + 1
    lines[at - 1] = "Fantastic\x00 Generalization\x1b Measures\x07 are\u2028Nowhere to be\x0cFound"
    lines[at + 1] = "\x85" + lines[at + 1].replace(" the ", " the\x08 \x9b\x7f", 1) + "\ufffe\x01"
    dump.write_text("\n".join(lines), encoding="utf-8")

    result = sitegen(project, "build")
    assert result.returncode == 0, result.stderr
    warnings = [ln for ln in result.stderr.splitlines() if ln.startswith("warning: 0")]
    assert warnings == [
        f"warning: {CARDS_META}:{at}: control characters removed (U+0000, U+001B, U+0007, "
        "U+2028, U+000C)",
        f"warning: {CARDS_META}:{at + 2}: control characters removed (U+0085, U+0008, U+009B, "
        "U+007F, U+FFFE, U+0001)"]
    outputs = [p for folder in ("_site", "content/papers") for p in (project / folder).rglob("*")
               if p.is_file()]
    assert len(outputs) > 300
    found = {}
    for path in outputs:
        text = path.read_bytes().decode("utf-8", errors="replace").replace("\r\n", "\n")
        if chars := set(FORBIDDEN.findall(text)):
            found[str(path.relative_to(project))] = chars
    assert found == {}
    # The paper is all there, words still apart, in every export.
    for export in ("papers.json", "papers.csv", "papers.bib", "feed.xml"):
        assert title in (project / "_site" / export).read_text(encoding="utf-8")


# ---------------------------------------------------------------- Windows file names

SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.one_of(
    st.text(max_size=40),
    st.builds("{}{}{}".format, st.sampled_from(["", " ", "“", "The "]),
              st.sampled_from(sorted(WINDOWS_DEVICES) + ["CON", "Nul", "lPt9", "AUX.md"]),
              st.sampled_from(["", ".", ". ", " ", "!", ".txt", "?"]))))
@example("CON")
@example("con.md")
@example("Nul.")
@example("COM1 ")
@example("lpt¹")
def test_no_slug_is_a_windows_device_name_or_ends_in_a_dot_or_space(title):
    slug = slugify(title)
    assert SLUG.fullmatch(slug)  # so no dot or space at the end, and no extension either
    assert slug not in WINDOWS_DEVICES


@pytest.mark.parametrize(("title", "slug"), [
    ("CON", "con-1"), ("Nul", "nul-1"), ("aux.", "aux-1"), ("COM1", "com1-1"),
    ("LPT9", "lpt9-1"), ("Con.md", "con-md"), ("PRN: A Printer Study", "prn-a-printer-study"),
    ("COM10", "com10"), ("Conv", "conv")])
def test_device_names_get_a_number(title, slug):
    assert slugify(title) == slug


def test_imported_device_name_titles_get_pages_windows_can_check_out(project):
    abstract = ("We propose a method for {}. Experiments on many benchmarks show it "
                "generalizes better than the baselines we compare against.")
    titles = ["CON", "nul", "Aux.", "com1", "LPT9", "Con 1"]
    dumps = project / "content" / "dumps"
    (dumps / "004_devices.txt").write_text(
        "\n".join(f"{t}\n{abstract.format(t.lower())}" for t in titles) + "\n", encoding="utf-8")
    # A page an older sitegen wrote as con.md keeps its name: slugs never change.
    papers = project / "content" / "papers"
    (papers / "con.md").write_text(new_page(Paper("con", "CON", abstract.format("con"))),
                                   encoding="utf-8")
    import_dumps(load_config(project / "config.yml"))
    names = {p.stem for p in papers.glob("*.md")}
    assert {"con", "nul-1", "aux-1", "com1-1", "lpt9-1", "con-1"} <= names
    assert "con-1-2" not in names and "nul" not in names
    assert [n for n in names if n.split(".")[0].lower() in WINDOWS_DEVICES] == ["con"]


def test_control_characters_in_a_saved_page_reach_no_output(project):
    from tests.hf_support import item, listing

    entry = item("2509.12345", "Grokking\x00 at the\x1b Edge", summary="We study\x07 grokking.",
                 authors=("Ada\x08 Lovelace",), org={"name": "x", "fullname": "Lab\x9b One"})
    text = listing(entry)
    (project / "content" / "dumps" / "saved.html").write_text(text, encoding="utf-8")
    line = next(n for n, s in enumerate(text.splitlines(), 1) if "DailyPapers" in s)

    result = sitegen(project, "build")
    assert result.returncode == 0, result.stderr
    assert f"warning: saved.html:{line}: control characters removed (U+0000, U+001B)" in \
        result.stderr.splitlines()
    found = {}
    for path in [p for folder in ("_site", "content/papers")
                 for p in (project / folder).rglob("*") if p.is_file()]:
        text = path.read_bytes().decode("utf-8", errors="replace").replace("\r\n", "\n")
        if chars := set(FORBIDDEN.findall(text)):
            found[str(path.relative_to(project))] = chars
    assert found == {}
    page = (project / "content" / "papers" / "grokking-at-the-edge.md").read_text()
    assert "Ada Lovelace" in page and "Lab One" in page
