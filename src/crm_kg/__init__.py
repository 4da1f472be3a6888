"""crm-kg: a knowledge graph of critical raw materials in the Dutch provinces.

Pipeline stages, one module each (see DESIGN.md):
sources → extract → facts → build → validate → store → web.
"""

__version__ = "0.1.0"


class CrmKgError(Exception):
    """An error the user can act on; the CLI prints it as one line."""
