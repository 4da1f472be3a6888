"""The registry of rule kinds: importing this module registers every generic extractor.

See :mod:`.matrix`, :mod:`.lists`, :mod:`.grids`, :mod:`.listings` and
:mod:`.compare` for the kinds and their parameters; :data:`.profile.KINDS`
maps each kind's name to its parameter dataclass and reader.
"""

from __future__ import annotations

from . import compare, grids, listings, lists, matrix
from .profile import KINDS

MODULES = (matrix, lists, grids, listings, compare)

__all__ = ["KINDS", "MODULES"]
