"""What every page gets through its constructor: the services, the task runner and who is logged in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cstrainer.gui.tasks import TaskRunner
from cstrainer.services import Services
from cstrainer.services.actor import Actor


def _ignore(_text: str) -> None:
    pass


def _nowhere(_key: str) -> Any:
    return None


@dataclass
class PageContext:
    """Handed to each page factory; pages keep it, never a global.

    ``actor`` is the person logged in (pass it to every service call). ``request_relogin(notice)``
    ends the session and shows the login dialog with ``notice`` (after a database restore, or when
    the page learns the account changed). ``show_status(text)`` puts a transient message in the
    main window's status bar. ``open_page(key)`` switches the main window to the page with that
    registry key and returns its widget (None when there is no such page for this person, or the
    current page refused to be left); outside a main window it does nothing.
    """

    services: Services
    runner: TaskRunner
    actor: Actor
    request_relogin: Callable[[str], None] = field(default=_ignore)
    show_status: Callable[[str], None] = field(default=_ignore)
    open_page: Callable[[str], Any] = field(default=_nowhere)
