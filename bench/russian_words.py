"""A Russian vocabulary for the search benches: real word forms, ranked as in a news corpus.

The most frequent words are the function words and the city's news words listed here (their
dictionary forms, inflected by pymorphy3); the long tail is real dictionary words drawn from
pymorphy3's lexicon. Names (people, organisations, places) sit in the tail's upper part, so a
name is in tens of articles and a common word in thousands, as on the real site.
"""

import itertools
import random
from functools import lru_cache

import pymorphy3

FUNCTION_WORDS = "в и на по с для о к за от из у не что это как до при а также"
NEWS_LEMMAS = """
город ёлка администрация смоленск улица житель ремонт дорога работа глава год район вопрос
проект школа детский сад парк сквер мост площадь двор дом территория благоустройство
субботник праздник концерт конкурс выставка библиотека музей спорт площадка освещение
отопление сезон вода водоснабжение транспорт автобус маршрут остановка движение бюджет
программа контракт подрядчик совещание заседание депутат ветеран победа память участник
ребенок родитель учащийся образование культура мероприятие акция фестиваль ярмарка
торговля предприятие организация учреждение специалист сотрудник комиссия проверка
обращение гражданин прием помощь поддержка семья здоровье больница врач пожар
безопасность полиция снег уборка техника мусор контейнер дерево газон клумба цветок
новый городской муниципальный районный областной смоленский детский спортивный
культурный зимний летний весенний осенний отопительный новогодний праздничный
большой главный первый второй последний дорожный жилой многоквартирный
провести пройти состояться начаться завершить отремонтировать установить открыть
обсудить принять отметить поздравить наградить организовать подготовить выполнить
"""
NAMES = """
Новиков Новикова Зеленстрой Дормостстрой Смоленскводоканал Жилищник Гнездово Днепр Блонье
Заднепровский Промышленный Ленинский Кирова Николаева Губенко Ленина
"""
TAIL_PREFIXES = ("по", "пр", "ра", "за", "на", "со", "от", "ви", "ма", "ка", "де", "ст")
TAIL_LEMMAS_PER_PREFIX = 1500
NAMES_FROM_RANK = 1500
FORMS_PER_LEMMA = 8
SKIPPED_TAGS = frozenset({"Abbr", "Name", "Surn", "Patr", "Geox", "Orgn", "Infr", "Slng"})


@lru_cache(maxsize=1)
def _analyzer() -> pymorphy3.MorphAnalyzer:
    return pymorphy3.MorphAnalyzer(lang="ru")


def forms(lemma: str, rng: random.Random) -> list[str]:
    """Up to FORMS_PER_LEMMA distinct forms of a dictionary word (a name keeps its spelling)."""
    parse = _analyzer().parse(lemma)[0]
    found = list(dict.fromkeys(form.word for form in parse.lexeme if form.word.isalpha()))
    found = found or [lemma]
    chosen = found[:1] + rng.sample(found[1:], min(FORMS_PER_LEMMA - 1, len(found) - 1))
    if lemma[0].isupper():
        return [form.capitalize() for form in chosen]
    return chosen


def tail_lemmas(rng: random.Random) -> list[str]:
    """Real dictionary words (nouns, adjectives, verbs), a sample of each prefix's."""
    lemmas: list[str] = []
    for prefix in TAIL_PREFIXES:
        found = dict.fromkeys(
            parse.normal_form
            for parse in itertools.islice(_analyzer().iter_known_word_parses(prefix), 150_000)
            if parse.tag.POS in ("NOUN", "ADJF", "INFN") and not SKIPPED_TAGS & parse.tag.grammemes
        )
        lemmas.extend(rng.sample(sorted(found), min(TAIL_LEMMAS_PER_PREFIX, len(found))))
    rng.shuffle(lemmas)
    return lemmas


def ranked_lemmas(rng: random.Random) -> list[list[str]]:
    """Each lemma's forms, most frequent lemma first: function words, news words, the tail."""
    ranked = [[word] for word in FUNCTION_WORDS.split()]
    ranked += [forms(lemma, rng) for lemma in NEWS_LEMMAS.split()]
    tail = [forms(lemma, rng) for lemma in tail_lemmas(rng)]
    at = NAMES_FROM_RANK - len(ranked)
    for offset, name in enumerate(NAMES.split()):
        tail.insert(at + offset * 97, forms(name, rng))
    return ranked + tail
