"""CLI: every command has --help; user errors are one line and a non-zero exit."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest


def crm_kg(*args, **kw):
    return subprocess.run([sys.executable, "-m", "crm_kg.cli", *args], capture_output=True,
                          text=True, timeout=300, **kw)


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
