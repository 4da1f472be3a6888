"""CLI: every command has --help; user errors are one line and a non-zero exit."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest


def crm_kg(*args, env_extra: dict | None = None, **kw):
    env = {**os.environ, **env_extra} if env_extra else None
    return subprocess.run([sys.executable, "-m", "crm_kg.cli", *args], capture_output=True,
                          text=True, timeout=300, env=env, **kw)


def assert_one_line_error(proc, needle):
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("crm-kg: error:") and needle in lines[0], lines[0]


@pytest.mark.parametrize("command", ["build", "validate", "serve", "query"])
def test_help(command):
    proc = crm_kg(command, "--help")
    assert proc.returncode == 0 and "usage: crm-kg " + command in proc.stdout


def test_missing_source_file(settings, tmp_path):
    shutil.copy(settings.sources / "manifest.yaml", tmp_path)
    for name in ("000_9d8feae2317b7bd4.txt", "001_a062f07da275960c.txt"):
        shutil.copy(settings.sources / name, tmp_path)
    out = tmp_path / "ttl"
    proc = crm_kg("build", "--sources", str(tmp_path), "--ttl-dir", str(out))
    assert_one_line_error(proc, "source file missing")
    assert not out.exists()


def test_query_file_that_does_not_parse(built, tmp_path):
    build_settings, _ = built
    bad = tmp_path / "bad.rq"
    bad.write_text("SELECT ?x WHERE { ?x ?y }\n", encoding="utf-8")
    assert_one_line_error(crm_kg("query", str(bad), "--ttl-dir", str(build_settings.ttl_dir)),
                          "SPARQL syntax error at line 1, column 25: unexpected `}` — a triple needs")


def test_unknown_saved_query(built):
    build_settings, _ = built
    assert_one_line_error(crm_kg("query", "--name", "no-such-query", "--ttl-dir", str(build_settings.ttl_dir)),
                          "no saved query named 'no-such-query'")


@pytest.mark.parametrize("param, needle", [
    ("opportunity=three", "parameter 'opportunity'"),
    ("opportunity=0", "below the minimum"),
    ("colour=red", "parameter 'colour'"),
    ("actor=mayors", "parameter 'actor': 'mayors' is not one of the allowed values"),   # closed list
    ("nonsense", "expected NAME=VALUE"),
])
def test_bad_parameter(built, param, needle):
    build_settings, _ = built
    proc = crm_kg("query", "--name", "recommendations-for-opportunity", "--param", param,
                  "--ttl-dir", str(build_settings.ttl_dir))
    assert_one_line_error(proc, needle)


def test_query_answer_as_csv(built):
    build_settings, _ = built
    proc = crm_kg("query", "--name", "recommendations-for-opportunity", "--param", "opportunity=3",
                  "--param", "actor=municipalities", "--format", "csv", "--ttl-dir", str(build_settings.ttl_dir))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert lines[0].startswith("recommendation,number,title")
    assert [line.split(",")[1] for line in lines[1:]] == ["1", "3", "5", "9", "10"]


def test_serve_without_a_built_graph(tmp_path):
    proc = crm_kg("serve", "--ttl-dir", str(tmp_path / "nothing"), "--port", "1")
    assert_one_line_error(proc, "no built graph")


def test_query_table_shows_names_and_fits_the_terminal(built):
    build_settings, _ = built
    args = ("query", "--name", "recommendations-for-opportunity", "--param", "opportunity=3",
            "--param", "actor=municipalities", "--ttl-dir", str(build_settings.ttl_dir))
    wide = crm_kg(*args, env_extra={"COLUMNS": "120"})
    assert wide.returncode == 0, wide.stderr
    lines = wide.stdout.splitlines()
    assert lines[0].split() == ["recommendation", "number", "timeFrame"]    # bound parameters left out
    assert lines[2].startswith("Regular dialogue with the region's companies") and "https://" not in wide.stdout
    narrow = crm_kg(*args, "--lang", "nl", env_extra={"COLUMNS": "50"})
    assert narrow.returncode == 0 and all(len(line) <= 50 for line in narrow.stdout.splitlines())
    assert narrow.stdout.splitlines()[2].startswith("Regelmatige dialoog") and "…" in narrow.stdout


def test_query_list_shows_types_defaults_and_allowed_values(built):
    build_settings, _ = built
    out = crm_kg("query", "--list", "--ttl-dir", str(build_settings.ttl_dir), env_extra={"COLUMNS": "100"})
    assert out.returncode == 0, out.stderr
    text = out.stdout
    block = text[text.index("recommendations-for-opportunity —"):].split("\nstatements-about")[0]
    assert "  --param report=<slug>  default nhfl-2025\n      one of: nhfl-2025, zh-2024\n" in block
    assert "  --param opportunity=<integer>  default 3  from 1  to 20\n" in block
    assert "  --param actor=<slug>  default municipalities\n      one of: eu, industry, municipalities," in block
    assert "report=<iri>" not in text and all(len(line) <= 100 for line in text.splitlines())
