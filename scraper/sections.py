"""The site's sections that hold news-like announcements."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    key: str
    path: str
    title: str


SECTIONS: tuple[Section, ...] = (
    Section("novosti", "/press-centr/novosti/", "Новости"),
    Section("meropriyatiya", "/press-centr/meropriyatiya/", "Мероприятия"),
    Section("dvizhenie-transporta", "/press-centr/dvizhenie-transporta/", "Движение транспорта"),
    Section(
        "vodo-i-teplosnabzhenie", "/press-centr/vodo-i-teplosnabzhenie/", "Водо- и теплоснабжение"
    ),
    Section("programma-gorod-i-my", "/press-centr/programma-gorod-i-my/", "Программа «Город и мы»"),
    Section(
        "publichnye-slushaniya",
        "/gostyam-i-zhitelyam/publichnye-slushaniya/",
        "Публичные слушания",
    ),
    Section(
        "novosti-tos",
        "/gostyam-i-zhitelyam/obschestvennoe-samoupravlenie/novosti-tos/",
        "Новости ТОС",
    ),
)

SECTIONS_BY_KEY: dict[str, Section] = {section.key: section for section in SECTIONS}


class UnknownSectionError(ValueError):
    """A section key that the site does not have."""


def select_sections(keys: list[str] | None) -> list[Section]:
    """Return the sections named by keys (all of them when keys is empty)."""
    if not keys:
        return list(SECTIONS)
    unknown = [key for key in keys if key not in SECTIONS_BY_KEY]
    if unknown:
        known = ", ".join(SECTIONS_BY_KEY)
        raise UnknownSectionError(f"unknown section {unknown[0]!r} (known: {known})")
    return [SECTIONS_BY_KEY[key] for key in dict.fromkeys(keys)]


def section_of_path(path: str) -> Section | None:
    """Return the section whose listing path is a prefix of path."""
    normalized = path.rstrip("/") + "/"
    for section in SECTIONS:
        if normalized.startswith(section.path):
            return section
    return None
