"""Main-window pages. Each module registers itself in :data:`registry.REGISTRY` on import.

A new page module is added to :data:`BUILTIN_PAGE_MODULES`; the main window calls
:func:`load_builtin_pages` before building its navigation.
"""

from __future__ import annotations

import importlib

BUILTIN_PAGE_MODULES: tuple[str, ...] = (
    "cstrainer.gui.pages.tasks_page",
    "cstrainer.gui.pages.exams_page",
    "cstrainer.gui.pages.roleplay_page",
    "cstrainer.gui.pages.roleplay_history_page",
    "cstrainer.gui.pages.handbook_page",
    "cstrainer.gui.pages.handbook_study_page",
    "cstrainer.gui.pages.phrases_page",
    "cstrainer.gui.pages.compliance_page",
    "cstrainer.gui.pages.phrase_drills_page",
    "cstrainer.gui.pages.practice_page",
    "cstrainer.gui.pages.growth_page",
    "cstrainer.gui.pages.assignments_page",
    "cstrainer.gui.pages.dashboard_page",
    "cstrainer.gui.pages.question_bank_page",
    "cstrainer.gui.pages.exam_admin_page",
    "cstrainer.gui.pages.scenario_editor_page",
    "cstrainer.gui.pages.admin_page",
    "cstrainer.gui.pages.audit_page",
    "cstrainer.gui.pages.account_page",
)


def load_builtin_pages() -> None:
    for name in BUILTIN_PAGE_MODULES:
        importlib.import_module(name)
