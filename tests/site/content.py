"""Fake smoladmin.ru content as data, what a correct crawl must archive, and page rendering."""

import math
import re
import struct
import zlib
from urllib.parse import parse_qsl, unquote, urlsplit

from . import templates as t

HOST = "https://www.smoladmin.ru"
ACCESSIBILITY_PARAMS = frozenset({"ssv", "svsize", "svspace", "svcolor"})
MONTHS = "января февраля марта апреля мая июня июля августа сентября октября ноября декабря"
NOVOSTI = "/press-centr/novosti/"
TOS_PATH = "/gostyam-i-zhitelyam/obschestvennoe-samoupravlenie/novosti-tos/"

# "key listing-path pagination-form per-page meta|- title"; "-": articles have no meta line
SECTIONS_TEXT = f"""novosti {NOVOSTI} query 8 meta Новости
novosti-tos {TOS_PATH} path 4 meta Новости ТОС
dvizhenie-transporta /press-centr/dvizhenie-transporta/ query 20 - Движение транспорта
meropriyatiya /press-centr/meropriyatiya/ query 20 - Мероприятия
vodo-i-teplosnabzhenie /press-centr/vodo-i-teplosnabzhenie/ query 20 - Водо- и теплоснабжение
programma-gorod-i-my /press-centr/programma-gorod-i-my/ query 20 - Программа «Город и мы»
publichnye-slushaniya /gostyam-i-zhitelyam/publichnye-slushaniya/ query 20 - Публичные слушания"""
SECTIONS: dict[str, dict] = {
    key: {
        "path": path,
        "paging": paging,
        "per_page": int(per),
        "meta": meta == "meta",
        "title": title,
    }
    for key, path, paging, per, meta, title in (x.split(" ", 5) for x in SECTIONS_TEXT.splitlines())
}

NOT_FOUND_PATH = NOVOSTI + "udalennaya-novost"
FLAKY_PATH = NOVOSTI + "na-ulice-nikolaeva-otkroyut-novyj-skver"
REDIRECT_FROM = NOVOSTI + "v-shkolah-proshli-uchebnye-evakuacii"
REDIRECT_TO = NOVOSTI + "v-shkolah-goroda-proshli-uchebnye-evakuacii"
ROBOTS_DISALLOWED_PATH = NOVOSTI + "zakrytaya-novost"
CP1251_PATH = NOVOSTI + "yolochnye-bazary-otkroyutsya-k-novogodnej-yarmarke"
DUPLICATE_TITLE_PATHS = (
    NOVOSTI + "gorozhan-priglashayut-na-subbotnik",
    NOVOSTI + "gorozhan-priglashayut-na-subbotnik-1",
)
LONG_SLUG_PATH = NOVOSTI + (
    "administraciya-goroda-napominaet-zhitelyam-o-pravilah-bezopasnogo-povedeniya-na-vodoemah-"
    "v-period-ledostava-i-o-kruglosutochnyh-telefonah-ekstrennyh-sluzhb-v-vyhodnye-i-"
    "prazdnichnye-dni-dekabrya-i-yanvarya"
)
PDF_PATH = "/upload/docs/plan.pdf"
ROBOTS_TXT = f"User-agent: *\nDisallow: /search/\nDisallow: {ROBOTS_DISALLOWED_PATH}\n"

# "@section slug when views|- [key=value ...]", then the title, then body lines:
# "- item" (list), "| a | b" (table row, first is the header), "img SRC | caption",
# "doc HREF | link text | text before the link", anything else is a paragraph.
# era=THEME-N renders the article in an older theme (templates.ERA_VARIANTS), variant N.
ARTICLES_TEXT = """
@novosti v-smolenske-zavershili-remont-peshehodnogo-mosta 2025-11-20T16:40 734
В Смоленске завершили ремонт пешеходного моста через Днепр
Подрядчик закончил работы на пешеходном мосту у набережной на две недели раньше срока.
img /upload/images/news/most.png | Обновлённый пешеходный мост
Движение пешеходов по мосту открыто с сегодняшнего дня.
@novosti aleksandr-novikov-vstretilsya-s-predsedatelyami-tos 2025-11-19T11:05 512 \
updated=2025-11-19T15:30
Александр Новиков встретился с председателями ТОС Промышленного района
Председатели ТОС назвали главе города самые острые проблемы микрорайонов:
- ремонт внутриквартальных проездов;
- освещение детских площадок;
- вывоз крупногабаритного мусора.
По итогам встречи профильным комитетам даны поручения.
@novosti na-ulice-nikolaeva-otkroyut-novyj-skver 2025-11-18T09:30 388
На улице Николаева откроют новый сквер
Сквер появится на месте бывшего пустыря у дома № 14.
Проект предусматривает прогулочные дорожки, скамейки и площадку для настольных игр.
@novosti utverzhden-plan-blagoustrojstva-na-2026-god 2025-11-17T14:00 1207 updated=2025-11-18T10:02
Утверждён план благоустройства на 2026 год
В план вошли 46 дворов и 12 общественных пространств во всех районах города.
doc /upload/docs/plan.pdf | План благоустройства на 2026 год | Перечень объектов — в документе:
Предложения по плану принимаются в приёмной Администрации до конца декабря.
@novosti gorozhan-priglashayut-na-subbotnik 2025-11-15T10:20 455
Горожан приглашают на субботник
В субботу, 22 ноября, в городе пройдёт осенний субботник.
Инвентарь и мешки выдадут на местах сбора у районных администраций.
@novosti yolochnye-bazary-otkroyutsya-k-novogodnej-yarmarke 2025-11-14T12:45 623 \
charset=windows-1251
Ёлочные базары откроются в Смоленске к «Новогодней ярмарке»
Ёлки и сосны начнут продавать с 15 декабря на двенадцати площадках.
Ярмарка «Новогодний Смоленск» пройдёт на площади Ленина — программа ещё утверждается.
@novosti v-shkolah-goroda-proshli-uchebnye-evakuacii 2025-11-13T15:10 301 \
listed_as=v-shkolah-proshli-uchebnye-evakuacii
В школах города прошли учебные эвакуации
Учебные тревоги провели в 38 школах вместе с сотрудниками МЧС.
Эвакуация в среднем заняла менее четырёх минут.
@novosti udalennaya-novost 2025-11-12T17:00 10 served=no
Новость, снятая с публикации
Эта новость больше недоступна.
@novosti administraciya-goroda-napominaet-zhitelyam-o-pravilah-bezopasnogo-povedeniya-na-\
vodoemah-v-period-ledostava-i-o-kruglosutochnyh-telefonah-ekstrennyh-sluzhb-v-vyhodnye-i-\
prazdnichnye-dni-dekabrya-i-yanvarya 2025-11-12T09:00 980
Администрация города напоминает жителям о правилах безопасного поведения на водоёмах в \
период ледостава и о круглосуточных телефонах экстренных служб в выходные и праздничные дни \
декабря и января
Толщина льда на водоёмах пока не превышает трёх сантиметров, выходить на лёд опасно.
- не выходите на лёд в тёмное время суток;
- не проверяйте лёд ударом ноги;
- не оставляйте детей у воды без присмотра.
При происшествии звоните по единому номеру 112.
@novosti zakrytaya-novost 2025-11-11T13:00 210
Изменение графика приёма граждан в декабре
Приём граждан по личным вопросам в декабре проводится по вторникам.
@novosti startoval-priem-zayavok-na-konkurs-luchshij-dvor 2025-11-10T10:00 842
Стартовал приём заявок на конкурс «Лучший двор»
Заявки принимаются от советов многоквартирных домов до 1 марта.
Победители получат сертификаты на обустройство детских и спортивных площадок.
@novosti v-zadneprovskom-rajone-obnovyat-ulichnoe-osveschenie 2025-11-07T16:15 367
В Заднепровском районе обновят уличное освещение
Старые светильники заменят на энергосберегающие на девяти улицах района.
@novosti na-ploschadi-lenina-proshel-koncert-ko-dnyu-narodnogo-edinstva 2025-11-04T19:20 1530
На площади Ленина прошёл концерт ко Дню народного единства
На сцене выступили городские творческие коллективы.
Программу завершил общий хоровой номер.
@novosti avtobusnyj-marshrut-27-izmenit-shemu-dvizheniya 2025-11-03T08:45 2210 \
updated=2025-11-05T09:10
Автобусный маршрут № 27 изменит схему движения
С 10 ноября автобусы маршрута будут следовать в объезд центра.
Остановка «Рынок» временно переносится на 150 метров.
@novosti v-gorodskoj-biblioteke-otkrylas-vystavka-kraevedcheskih-knig 2025-11-01T12:00 276
В городской библиотеке открылась выставка краеведческих книг
В экспозицию вошли более двухсот изданий об истории города.
@novosti gorozhan-priglashayut-na-subbotnik-1 2025-10-30T09:15 390
Горожан приглашают на субботник
В ближайшую субботу пройдёт уборка прибрежного парка.
Организаторы просят приходить в удобной одежде и перчатках.
@novosti v-smolenske-nachalsya-otopitelnyj-sezon 2025-10-28T17:30 1840
В Смоленске начался отопительный сезон
Тепло подано во все школы, детские сады и больницы.
О перебоях с отоплением можно сообщить в дежурно-диспетчерскую службу.
@novosti shkolniki-posadili-lipovuyu-alleyu 2025-10-24T13:40 198
Школьники посадили липовую аллею
Сорок молодых лип высадили учащиеся у городского стадиона.
@novosti proverena-gotovnost-snegouborochnoj-tehniki 2025-10-22T11:10 433
Проверена готовность снегоуборочной техники
На смотре представили 120 единиц техники городских служб.
@novosti smolyan-priglashayut-obsudit-proekt-byudzheta 2025-10-20T15:00 689
Смолян приглашают обсудить проект бюджета
Обсуждение проекта бюджета на 2026 год продлится две недели.
doc https://pos.gosuslugi.ru/lkp/polls/000000/ | Пройти опрос | Высказаться можно на госуслугах:
@novosti sportivnaya-ploschadka-poyavitsya-na-ulice-gubenko 2025-10-16T10:30 254
Спортивная площадка появится во дворе на улице Губенко
На площадке установят тренажёры и уличные столы для тенниса.
@novosti na-ulice-bolshaya-sovetskaya-zamenyat-trotuarnuyu-plitku 2025-10-09T09:05 577
На улице Большой Советской заменят тротуарную плитку
Работы будут вестись участками, чтобы не перекрывать проход к магазинам.
@novosti luchshih-pedagogov-goroda-nagradili-gramotami 2025-10-06T14:20 512
Лучших педагогов города наградили грамотами
Грамоты вручили 25 учителям и воспитателям детских садов.
@novosti v-smolenske-proshla-akciya-chistyj-bereg 2025-10-03T16:00 347
В Смоленске прошла акция «Чистый берег»
Волонтёры собрали более трёхсот мешков мусора на берегах Днепра.
@novosti-tos tos-kiselevka-provel-prazdnik-dvora 2025-11-18T12:00 143
ТОС «Киселёвка» провёл праздник двора
Жители микрорайона устроили для детей эстафеты и конкурс рисунков.
img http://smoladmin.ru/upload/images/tos/prazdnik.png | Участники праздника двора
@novosti-tos v-tos-sosnovyj-otkryli-detskuyu-ploschadku 2025-11-12T10:40 121
В ТОС «Сосновый» открыли детскую площадку
Площадку построили на средства городского гранта.
Активисты ТОС сами покрасили ограждение и высадили кустарник.
@novosti-tos aktivisty-tos-rechnoj-ubrali-bereg-ruchya 2025-11-06T15:25 98
Активисты ТОС «Речной» убрали берег ручья
На уборку вышли более сорока жителей микрорайона.
@novosti-tos sovet-tos-obsudil-remont-dorogi-k-shkole 2025-10-29T18:00 87 updated=2025-10-30T09:00
Совет ТОС обсудил ремонт дороги к школе
Жители просят отсыпать щебнем грунтовую дорогу к школе.
Обращение направлено в управление дорожного хозяйства.
@novosti-tos v-tos-yuzhnyj-proshla-vstrecha-s-uchastkovym 2025-10-22T17:10 76
В ТОС «Южный» прошла встреча с участковым
Участковый рассказал жителям о профилактике мошенничества.
@novosti-tos tos-zapadnyj-pobedil-v-konkurse-proektov 2025-10-15T11:30 164
ТОС «Западный» победил в конкурсе проектов
Проект по обустройству зоны отдыха получил первое место.
@novosti-tos zhiteli-tos-lugovoj-vysadili-klumbu 2025-10-08T09:50 59
Жители ТОС «Луговой» высадили клумбу
Луковицы тюльпанов высадили у дома культуры.
@novosti-tos v-tos-vokzalnyj-izbrali-novogo-predsedatelya 2025-09-30T19:00 112
В ТОС «Вокзальный» избрали нового председателя
Собрание жителей прошло в помещении библиотеки.
@novosti-tos tos-gornyj-organizoval-sbor-makulatury 2025-09-24T14:15 68
ТОС «Горный» организовал сбор макулатуры
За два дня жители сдали почти тонну бумаги.
@novosti-tos dlya-predsedatelej-tos-proveli-seminar 2025-09-17T10:00 95
Для председателей ТОС провели семинар
Специалисты рассказали, как подготовить заявку на грант.
@novosti v-smolenske-otkrylsya-katok-na-stadione-spartak 2016-12-17T18:56 312 \
era=table-0 updated=2016-12-19T10:05
В Смоленске открылся каток на стадионе «Спартак»
Ледовое поле площадью около двух тысяч квадратных метров залили за четыре дня.
img /upload/images/news/katok.png | Первые посетители катка
Каток работает ежедневно с полудня до десяти вечера, прокат коньков находится у входа.
@novosti zavershen-remont-shkoly-na-ulice-kutuzova 2016-09-01T09:10 647 era=table-1
Завершён ремонт школы на улице Кутузова
Строители заменили окна, кровлю и систему отопления в здании начальной школы.
К началу учебного года в классах установили новые парты и освещение.
Родители учеников участвовали в приёмке работ вместе с комиссией управления образования.
@novosti gorodskie-parki-gotovyat-k-letnemu-sezonu 2018-04-24T11:20 905 \
era=detail-0 updated=2018-04-25T16:40
Городские парки готовят к летнему сезону
В Лопатинском саду и парке Реадовка начали ремонт дорожек и покраску скамеек.
- обновят освещение главных аллей;
- установят новые урны и информационные стенды;
- проверят все детские площадки.
Работы планируется завершить к середине мая.
@novosti prodlen-priem-predlozhenij-po-kapremontu-dvorov 2018-07-03T15:35 418 era=detail-1
Продлён приём предложений по ремонту дворов
Жители могут подать предложения по благоустройству своих дворов до конца июля.
Заявки рассматривает общественная комиссия при Администрации города.
@novosti na-naberezhnoj-dnepra-poyavilas-velodorozhka 2019-06-14T13:05 1134 \
era=portal-0 updated=2019-06-15T09:00
На набережной Днепра появилась велодорожка
Велодорожку длиной почти два километра отделили от пешеходной зоны бордюром.
Вдоль неё поставили велопарковки и указатели.
@novosti dlya-pensionerov-otkryli-kursy-kompyuternoj-gramotnosti 2019-02-11T10:30 287 \
era=portal-1
Для пенсионеров открыли курсы компьютерной грамотности
Занятия проходят в читальном зале центральной библиотеки два раза в неделю.
Слушатели учатся записываться к врачу и оплачивать услуги через интернет.
@novosti tos-solnechnyj-otremontiroval-besedku 2017-08-21T17:45 64 era=table-2
ТОС «Солнечный» отремонтировал беседку во дворе
Жители сами заменили доски настила и покрасили перила.
@novosti v-tos-zarechnyj-obsudili-ozelenenie 2018-05-16T19:15 71 \
era=detail-2 updated=2018-05-18T08:30
В ТОС «Заречный» обсудили озеленение улиц
На собрании решили высадить вдоль улицы тридцать молодых клёнов.
@novosti tos-pervomajskij-provel-turnir-po-shahmatam 2019-10-05T12:40 103 \
era=portal-2 updated=2019-10-07T14:10
ТОС «Первомайский» провёл турнир по шахматам
В турнире сыграли двадцать шесть школьников и двенадцать взрослых.
Победителям вручили шахматные часы и грамоты.
@dvizhenie-transporta ogranichenie-dvizheniya-na-ulice-kirova-15-noyabrya 2025-11-14 -
Ограничение движения на улице Кирова 15 ноября
В связи с ремонтом теплосети будет ограничено движение:
- с 08:00 до 20:00 закрыт правый ряд в сторону центра;
- остановка «Улица Кирова» переносится на 50 метров.
Просим водителей заранее планировать маршрут.
@dvizhenie-transporta perekrytie-uchastka-ulicy-lenina-13-noyabrya 2025-11-12 -
Перекрытие участка улицы Ленина 13 ноября
- с 10:00 до 14:00 движение транспорта закрыто;
- автобусы следуют в объезд по соседним улицам.
@dvizhenie-transporta izmenenie-dvizheniya-na-ploschadi-pobedy 2025-11-05 -
Изменение движения на площади Победы
На время ремонта трамвайных путей вводится одностороннее движение.
@meropriyatiya programma-meropriyatij-na-novogodnie-prazdniki 2025-11-19 -
Программа мероприятий на новогодние праздники
| Дата | Мероприятие | Место
| 31 декабря | Новогодний концерт | Площадь Ленина
| 2 января | Катание на коньках с Дедом Морозом | Городской каток
| 7 января | Рождественская ярмарка | Сквер Памяти героев
@meropriyatiya programma-prazdnovaniya-dnya-narodnogo-edinstva 2025-10-30 -
Программа празднования Дня народного единства
| Время | Мероприятие
| 11:00 | Торжественный митинг
| 13:00 | Выставка народных промыслов
| 17:00 | Праздничный концерт
"""


def _block(line: str, body: list[t.Block]) -> None:
    """Append one body line to the blocks, grouping list items and table rows."""
    kind, _, rest = line.partition(" ")
    group = {"-": "ul", "|": "table"}.get(kind)
    if group:
        item = rest.split(" | ") if group == "table" else rest
        if body and isinstance(body[-1], tuple) and body[-1][0] == group:
            body[-1][1].append(item)
        else:
            body.append((group, [item]))
    elif kind in ("img", "doc"):
        body.append((kind, *rest.split(" | ")))
    else:
        body.append(line)


def parse_articles(text: str) -> list[dict]:
    """Turn the article text format into article dicts."""
    articles: list[dict] = []
    for chunk in text.strip().split("\n@"):
        head, title, *lines = chunk.lstrip("@").splitlines()
        section, slug, when, views, *extra = head.split()
        body: list[t.Block] = []
        for line in lines:
            _block(line, body)
        articles.append(
            {
                "section": section,
                "slug": slug,
                "title": title,
                "when": when,
                "body": body,
                "views": None if views == "-" else int(views),
                **dict(x.split("=") for x in extra),
            }
        )
    return articles


ARTICLES: list[dict] = parse_articles(ARTICLES_TEXT)


def path_of(a: dict) -> str:
    """An article's path, without trailing slash."""
    return SECTIONS[a["section"]]["path"] + a["slug"]


def daily_views(a: dict) -> int:
    """How many views an article gains per simulated day (1 to 12, fixed per path)."""
    return 1 + zlib.crc32(path_of(a).encode()) % 12


def aged(a: dict, days: int) -> dict:
    """An article as it is after some simulated days: its view count grown."""
    if not days or a["views"] is None:
        return a
    return {**a, "views": a["views"] + days * daily_views(a)}


def allowed(a: dict) -> bool:
    """Whether a polite crawler can archive the article (served and not robots-disallowed)."""
    return a.get("served") != "no" and path_of(a) != ROBOTS_DISALLOWED_PATH


def _iso(when: str) -> str:
    """'2025-11-12T10:15' or '2025-11-12' as an ISO datetime at +03:00."""
    return (when + ":00" if "T" in when else when + "T00:00:00") + "+03:00"


def _dmy(when: str, time: bool = True) -> str:
    """'2025-11-12T10:15' as '12.11.2025 10:15' (or '12.11.2025')."""
    y, m, d = when[:10].split("-")
    return f"{d}.{m}.{y}" + (" " + when[11:] if time and "T" in when else "")


def _worded(when: str) -> str:
    """'2025-11-05...' as '5 ноября 2025'."""
    y, m, d = when[:10].split("-")
    return f"{int(d)} {MONTHS.split()[int(m) - 1]} {y}"


def _canon(url: str) -> str:
    """A site URL as https://www.smoladmin.ru/<path>."""
    return HOST + urlsplit(url).path.rstrip("/")


def _texts(block: t.Block) -> list[str]:
    """The text blocks one body block yields in an archived record."""
    if isinstance(block, str):
        return [block]
    if block[0] in ("ul", "table"):
        return [" | ".join(x) if block[0] == "table" else x for x in block[1]]
    return [block[2]] if block[0] == "img" else [f"{block[3]} {block[2]}"]


def era_of(a: dict) -> tuple[str, int] | None:
    """(older theme, its variant) an article renders in, or None for the current templates."""
    if "era" not in a:
        return None
    era, _, variant = a["era"].partition("-")
    return era, int(variant)


def shows_time(a: dict) -> bool:
    """Whether an article's page shows the time of day of its dates."""
    era = era_of(a)
    return era is None or t.era_has_time(*era)


def expected_articles(articles: list[dict], views_delta: int = 0) -> list[dict]:
    """What a correct crawl of all sections must archive, given the article data."""
    out = []
    for a in filter(allowed, articles):
        meta = SECTIONS[a["section"]]["meta"]
        timed = meta and shows_time(a)
        tuples = [b for b in a["body"] if isinstance(b, tuple) and b[0] in ("img", "doc")]
        out.append(
            {
                "url": HOST + path_of(a),
                "section": a["section"],
                "title": a["title"],
                "published_at": _iso(a["when"] if timed else a["when"][:10]),
                "published_precision": "minute" if timed else "date",
                "updated_at": (
                    _iso(a["updated"] if timed else a["updated"][:10])
                    if meta and a.get("updated")
                    else None
                ),
                "views": a["views"] + views_delta if meta else None,
                "body_paragraphs": [text for block in a["body"] for text in _texts(block)],
                "images": [_canon(b[1]) for b in tuples if b[0] == "img"],
                "attachments": [
                    {"url": _canon(b[1]), "title": b[2]}
                    for b in tuples
                    if b[0] == "doc" and b[1].endswith(".pdf")
                ],
            }
        )
    return out


EXPECTED_ARTICLES: list[dict] = expected_articles(ARTICLES)

LINK_FORMS = (
    "{p}/",
    "{p}",
    "https://smoladmin.ru{p}/",
    "http://www.smoladmin.ru{p}",
    "https://www.smoladmin.ru.{p}/",
    "{p}/?ssv",
    "{p}?svSize=2",
    HOST + "{p}/?svColor=3",
)


def link(path: str, n: int) -> str:
    """One of eight equivalent forms of a link to a site path."""
    return LINK_FORMS[n % len(LINK_FORMS)].format(p=path)


def section_items(articles: list[dict], key: str) -> list[dict]:
    """A section's listing entries, newest first."""
    return sorted(
        (a for a in articles if a["section"] == key), key=lambda a: a["when"], reverse=True
    )


def _teaser(a: dict) -> str:
    """The first paragraph, shortened, or the title."""
    text = next((b for b in a["body"] if isinstance(b, str)), a["title"])
    return text if len(text) <= 60 else text[:60].rsplit(" ", 1)[0] + "…"


def render_listing(key: str, page: int, articles: list[dict], special: bool) -> str | None:
    """A listing page of a section, or None when the page is out of range."""
    sec = SECTIONS[key]
    items, per, style = section_items(articles, key), sec["per_page"], sec["paging"]
    pages = max(1, math.ceil(len(items) / per))
    if not 1 <= page <= pages:
        return None
    html = (
        "".join(
            t.listing_item(
                style,
                link(sec["path"] + a.get("listed_as", a["slug"]), i + page),
                a["title"],
                _worded(a["when"]) if style == "path" else _dmy(a["when"], False),
                _teaser(a),
            )
            for i, a in enumerate(items[(page - 1) * per : page * per])
        )
        or '<p class="empty">Материалов пока нет.</p>'
    )
    inner = (
        f'<main class="listing"><h1>{t.e(sec["title"])}</h1>\n<div class="list">{html}</div>\n'
        f"{t.pager(style, sec['path'], page, pages)}\n{t.BANNERS}</main>\n"
    )
    return t.document(sec["title"], inner, 2 if style == "path" else 1, special)


def render_article(
    a: dict, articles: list[dict], views_delta: int, special: bool, broken: bool = False
) -> str:
    """An article page in template 1 or 2 (alternating within the section), in its older theme
    when it has one, or in template 3 when broken."""
    sec = SECTIONS[a["section"]]
    same = [x for x in section_items(articles, a["section"]) if allowed(x)]
    idx = same.index(a) if a in same else 0
    tpl = 3 if broken else 1 + idx % 2
    news = [x for x in section_items(articles, "novosti") if allowed(x) and x not in same]
    side = [
        (link(path_of(x), idx * 3 + j), x["title"], _dmy(x["when"], False))
        for j, x in enumerate((same[idx + 1 :] + same[:idx] + news)[:3])
    ]
    meta = (
        t.meta_html(
            tpl, _dmy(a["when"]), a.get("updated") and _dmy(a["updated"]), a["views"] + views_delta
        )
        if sec["meta"] and not broken
        else ""
    )
    root = sec["path"].split("/")[1]
    crumbs = (
        f'<a href="/">Главная</a> • <a href="/{root}/">'
        f"{'Пресс-центр' if root == 'press-centr' else 'Гостям и жителям'}</a> • "
        f'<a href="{sec["path"]}">{sec["title"]}</a>'
    )
    era = era_of(a)
    if era and sec["meta"] and not broken:
        shown = {
            "title": a["title"],
            "body": "\n".join(map(t.block_html, a["body"])),
            "published": a["when"],
            "updated": a.get("updated"),
            "views": a["views"] + views_delta,
        }
        chrome = {
            "panel": t.PANEL if special else "",
            "crumbs": f"{crumbs} • <span>{t.e(a['title'])}</span>" if idx % 2 else "",
            "side": t.era_side(side),
            "section": sec["title"],
        }
        return t.era_page(*era, shown, chrome)
    inner = t.article_main(
        tpl,
        a["title"],
        "\n".join(map(t.block_html, a["body"])),
        meta,
        t.side_block(tpl, side),
        crumbs,
    )
    title = "" if broken else a["title"]
    return t.document(title, inner, tpl, special, a.get("charset", "utf-8"))


def render_home(articles: list[dict], special: bool) -> str:
    """The home page: menus, section links and the latest news."""
    news = [a for a in section_items(articles, "novosti") if allowed(a)][:3]
    latest = "".join(
        f'<li><a href="{link(path_of(a), i)}">{t.e(a["title"])}</a></li>'
        for i, a in enumerate(news)
    )
    sections = "".join(
        f'<li><a href="{s["path"]}">{t.e(s["title"])}</a></li>' for s in SECTIONS.values()
    )
    inner = (
        f"<main><h1>Официальный сайт</h1><h2>Последние новости</h2><ul>{latest}</ul>"
        f"<h2>Разделы</h2><ul>{sections}</ul></main>\n"
    )
    return t.document("Главная", inner, 1, special)


def _png() -> bytes:
    """A 1x1 white PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff"))
        + chunk(b"IEND", b"")
    )


PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
HTML = "text/html; charset=utf-8"
Response = tuple[int, dict[str, str], bytes]


def _listing_page(path: str, query: dict[str, str]) -> tuple[str, str] | None:
    """(section key, page number text) when the path is a section listing page."""
    for key, sec in SECTIONS.items():
        base = sec["path"].rstrip("/")
        if path == base:
            return key, query.get("page", "1") if sec["paging"] == "query" else "1"
        found = re.fullmatch(re.escape(base) + r"/page/(\d+)", path)
        if found and sec["paging"] == "path":
            return key, found.group(1)
    return None


def page_path(raw: str) -> str:
    """A request target's decoded path without trailing slash ("/" for the home page)."""
    return unquote(urlsplit(raw).path).rstrip("/") or "/"


def article_at(path: str, articles: list[dict]) -> dict | None:
    """The served article at a page path, if any."""
    return next((a for a in articles if path_of(a) == path and a.get("served") != "no"), None)


def render(
    raw: str, articles: list[dict] | None = None, views_delta: int = 0, broken: bool = False
) -> Response:
    """Answer a request path (with query) from any host: status, headers, body bytes."""
    articles = ARTICLES if articles is None else articles
    path = page_path(raw)
    query = dict(parse_qsl(urlsplit(raw).query, keep_blank_values=True))
    special = any(k.lower() in ACCESSIBILITY_PARAMS for k in query)
    if path == "/robots.txt":
        return 200, {"Content-Type": "text/plain; charset=utf-8"}, ROBOTS_TXT.encode()
    if path == PDF_PATH:
        return 200, {"Content-Type": "application/pdf"}, PDF_BYTES
    if path.startswith("/upload/images/") and path.endswith(".png"):
        return 200, {"Content-Type": "image/png"}, _png()
    if path == REDIRECT_FROM:
        return 301, {"Location": REDIRECT_TO + "/", "Content-Type": HTML}, b""
    if path == "/":
        return 200, {"Content-Type": HTML}, render_home(articles, special).encode()
    listing = _listing_page(path, query)
    if listing and listing[1].isdigit():
        html = render_listing(listing[0], int(listing[1]), articles, special)
        if html:
            return 200, {"Content-Type": HTML}, html.encode()
    a = article_at(path, articles)
    if a:
        cs = a.get("charset", "utf-8")
        html = render_article(a, articles, views_delta, special, broken)
        body = html.encode(cs, "xmlcharrefreplace")
        return 200, {"Content-Type": f"text/html; charset={cs}"}, body
    html = t.document(
        "Страница не найдена",
        '<main><h1>Страница не найдена</h1><p>Ошибка 404. <a href="/">На главную</a></p></main>\n',
    )
    return 404, {"Content-Type": HTML}, html.encode()
