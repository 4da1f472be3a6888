"""``crm-kg validate --input`` is bounded (issue 23): a configurable size limit, and the line
number in every parse error."""

from __future__ import annotations

import re

import pytest

from crm_kg import cli
from crm_kg.quality.rdfinput import parse
from crm_kg.yamlio import InputError

GOOD = {
    "ttl": '@prefix ex: <https://example.org/> .\nex:a ex:b "c" .\n',
    "nt": '<https://example.org/a> <https://example.org/b> "c" .\n',
    "nq": '<https://example.org/a> <https://example.org/b> "c" <https://example.org/g> .\n',
    "trig": '<https://example.org/g> {\n<https://example.org/a> <https://example.org/b> "c" .\n}\n',
    "rdf": '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"\n'
           '  xmlns:ex="https://example.org/">\n<rdf:Description rdf:about="https://example.org/a">\n'
           "<ex:b>c</ex:b>\n</rdf:Description>\n</rdf:RDF>\n",
}
# the line each spoiled file breaks on (1-based)
SPOILED = {
    "ttl": (GOOD["ttl"] + "ex:a ex:b .\n", 3),
    "nt": (GOOD["nt"] * 3 + "<https://example.org/a> junk\n", 4),
    "nq": (GOOD["nq"] + '<https://example.org/a> <https://example.org/b> "c\n', 2),
    "trig": (GOOD["trig"] + "<https://example.org/g> { junk }\n", 4),
    "rdf": (GOOD["rdf"].replace("<ex:b>c</ex:b>", "<ex:b>c"), 6),                 # well-formedness
    "xml": (GOOD["rdf"].replace('rdf:about="https://example.org/a"', 'rdf:about="https://example.org/a"'
                                ' rdf:nodeID="n"'), 4),                                    # RDF/XML rules
    "owl": ("\x00\xff junk\n", 1),
}


@pytest.mark.parametrize("ext", sorted(SPOILED))
def test_every_parse_error_names_its_line(tmp_path, ext):
    text, line = SPOILED[ext]
    path = tmp_path / f"spoiled.{ext}"
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    with pytest.raises(InputError) as caught:
        parse(path)
    message = str(caught.value)
    found = re.match(rf"^{re.escape(str(path))}:(\d+): ", message)
    assert found, message
    assert "?" not in message.split(":")[1]
    assert int(found.group(1)) == line, message


def test_junk_in_every_format_has_a_line(tmp_path):
    for ext in ("ttl", "nt", "nq", "trig", "rdf", "owl"):
        path = tmp_path / f"junk.{ext}"
        path.write_bytes(b"fine\n\x00\xff\xfe {{ << junk\n")
        with pytest.raises(InputError, match=rf"^{re.escape(str(path))}:[12]: "):
            parse(path)


@pytest.mark.parametrize("ext", sorted(GOOD))
def test_good_files_still_parse(tmp_path, ext):
    path = tmp_path / f"good.{ext}"
    path.write_text(GOOD[ext], encoding="utf-8")
    graph = parse(path)
    assert len(list(graph.quads((None, None, None, None)) if hasattr(graph, "quads") else graph)) == 1


def test_the_size_limit_refuses_unread(tmp_path):
    path = tmp_path / "big.nt"
    path.write_text(GOOD["nt"] * 1000, encoding="utf-8")
    size = path.stat().st_size
    with pytest.raises(InputError, match=f"{size:,} bytes is more than the input limit of 1,000"):
        parse(path, max_bytes=1000)
    assert len(parse(path, max_bytes=size)) == 1


def _validate(argv, capsys):
    code = cli.main(["validate", "--no-owl", *argv])
    return code, capsys.readouterr().err


def test_validate_input_is_bounded_by_the_setting_and_the_flag(tmp_path, capsys, monkeypatch):
    path = tmp_path / "big.nt"
    path.write_text(GOOD["nt"] * 40_000, encoding="utf-8")         # 2.2 MB
    code, err = _validate(["--input", str(path), "--max-input-mb", "1"], capsys)
    assert code == 1 and err.count("\n") == 1 and "more than the input limit of 1,000,000" in err
    monkeypatch.setenv("CRM_KG_MAX_INPUT_MB", "2")
    code, err = _validate(["--input", str(path)], capsys)
    assert code == 1 and "more than the input limit of 2,000,000" in err
    junk = tmp_path / "junk.nt"
    junk.write_text(GOOD["nt"] + "junk\n", encoding="utf-8")
    code, err = _validate(["--input", str(junk)], capsys)
    assert code == 1 and f"{junk}:2: cannot parse as nt" in err
