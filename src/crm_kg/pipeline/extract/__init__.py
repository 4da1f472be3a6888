"""extract: generic extractors that read a report as its profile describes it.

A report's layout is data (``data/profiles/<report>.yaml``, format in
:mod:`.profile`): per edition, the rules that read its tables and lists, each
interpreted by a generic kind (:mod:`.kinds`: recommendation matrices,
organisation tables, material lists, shares, definitions, numbered headings,
lists and outlines, activity lists, figure mentions) and yielding records of
:mod:`crm_kg.pipeline.records` that carry their source span; compare rules
check one edition against another. :func:`extract_all` runs every profile
over the documents of its report; no code here knows a particular report.

May import: :mod:`crm_kg.pipeline.sources`, :mod:`~crm_kg.pipeline.records`,
:mod:`~crm_kg.pipeline.resolve` and the root basics.
"""

from __future__ import annotations

from . import kinds  # noqa: F401  (registers the kinds before any profile is read)
from .profile import KINDS, Profile, ProfileError, Rule, load, load_report, profile_path
from .runner import Run, extract_all, rule_data, rule_parser, runs
from .tables import ExtractError

__all__ = ["KINDS", "ExtractError", "Profile", "ProfileError", "Rule", "Run", "extract_all", "load",
           "load_report", "profile_path", "rule_data", "rule_parser", "runs"]
