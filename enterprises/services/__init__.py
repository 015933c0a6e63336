"""Writes of the register, by sub-domain: the industry classification (``industries``), the import of
register files with its row-by-row report (``imports``) and the fast load of trusted frames and the
links of enterprise users (``loading``)."""

from enterprises.services.imports import (
    COLUMNS,
    REQUIRED,
    register_import,
    register_import_queue,
    register_import_run,
)
from enterprises.services.industries import industries_load_reference
from enterprises.services.loading import enterprise_link_user, register_load_frame

__all__ = [
    "COLUMNS",
    "REQUIRED",
    "enterprise_link_user",
    "industries_load_reference",
    "register_import",
    "register_import_queue",
    "register_import_run",
    "register_load_frame",
]
