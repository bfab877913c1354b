"""The reader pages of the proposals app: server-rendered, complete without JavaScript."""

from .browse import (
    authority_detail,
    authority_list,
    home,
    session_detail,
    session_list,
    theme_detail,
    theme_list,
)
from .proposal_pages import proposal_by_id, proposal_detail, proposal_list
from .site_search import site_search
from .sources import source_text

__all__ = [
    "authority_detail", "authority_list", "home", "proposal_by_id", "proposal_detail", "proposal_list", "site_search",
    "source_text",
    "session_detail", "session_list", "theme_detail", "theme_list",
]
