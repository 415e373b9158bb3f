"""What every page gets through its constructor: the services, the task runner and who is logged in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from cstrainer.gui.tasks import TaskRunner
from cstrainer.services import Services
from cstrainer.services.actor import Actor


def _ignore(_text: str) -> None:
    pass


@dataclass
class PageContext:
    """Handed to each page factory; pages keep it, never a global.

    ``actor`` is the person logged in (pass it to every service call). ``request_relogin(notice)``
    ends the session and shows the login dialog with ``notice`` (after a database restore, or when
    the page learns the account changed). ``show_status(text)`` puts a transient message in the
    main window's status bar.
    """

    services: Services
    runner: TaskRunner
    actor: Actor
    request_relogin: Callable[[str], None] = field(default=_ignore)
    show_status: Callable[[str], None] = field(default=_ignore)
