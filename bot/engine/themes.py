"""The seven themes of the Manifest voor een succesvolle wijkaanpak (2022), plus "something else"."""

from __future__ import annotations

from bot.i18n import N_

THEMES: dict[str, str] = {
    "upbringing": N_("Growing up and upbringing"),
    "schooling": N_("School and learning"),
    "social": N_("Getting along and taking part"),
    "work_income": N_("Work and income"),
    "health": N_("Health"),
    "housing": N_("Housing"),
    "safety": N_("Safety and crime"),
    "other": N_("Something else"),
}
