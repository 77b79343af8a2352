"""The console's words in Russian (default), Kyrgyz and English, and its numbers and counted
words in each language's own form (Babel's CLDR data: plural rules, digit grouping, decimal
sign, percent pattern).

A pure message table rather than gettext catalogs: Dash callbacks receive the page language as
an input (a browser-side store), not through a Flask request locale, and the table keeps the
three languages side by side where a reviewer can check them. A Kyrgyz label that is missing
falls back to Russian (which every Kyrgyz-speaking officer reads), an English one to the key.
A counted phrase ("1 новая регистрация", "2 новые", "5 новых") has one text per plural category
of the language (CLDR: Russian one/few/many/other, Kyrgyz and English one/other).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.numbers import format_decimal, format_percent, get_decimal_symbol, get_group_symbol

from data.reference import load_geography

LANGUAGES = ("ru", "ky", "en")
DEFAULT_LANG = "ru"
LANGUAGE_NAMES = {"ru": "Русский", "ky": "Кыргызча", "en": "English"}

# key: (ru, ky, en); an empty ky means "use the Russian text"
_TABLE: dict[str, tuple[str, str, str]] = {
    # navigation and shell
    "app.title": (
        "КУП — оперативная консоль",
        "КУП — оперативдик консоль",
        "KUP operations console",
    ),
    "app.brand": ("КУП · консоль", "КУП · консоль", "KUP console"),
    "nav.live": ("Лента", "Тасма", "Live"),
    "nav.overdue": ("Просроченные", "Мөөнөтү өткөндөр", "Overdue"),
    "nav.workload": ("Нагрузка", "Жүктөм", "Workload"),
    "nav.logout": ("Выйти", "Чыгуу", "Log out"),
    "nav.language": ("Язык", "Тил", "Language"),
    "nav.dark": ("Тёмная тема", "Караңгы тема", "Dark theme"),
    "nav.scope_country": ("вся республика", "бүт республика", "whole country"),
    # the server-rendered login and logout pages (console/web/auth.py)
    "login.submit": ("Войти", "Кирүү", "Log in"),
    "login.username": ("Имя пользователя", "Колдонуучунун аты", "Username"),
    "login.password": ("Пароль", "Сырсөз", "Password"),
    "login.refused": (
        "Неверное имя пользователя или пароль.",
        "Колдонуучунун аты же сырсөз туура эмес.",
        "Wrong username or password.",
    ),
    "login.missing": (
        "Введите имя пользователя и пароль.",
        "Колдонуучунун атын жана сырсөздү киргизиңиз.",
        "Enter your username and password.",
    ),
    "login.expired": (
        "Форма устарела; попробуйте ещё раз.",
        "Форманын мөөнөтү бүттү; кайра аракет кылыңыз.",
        "The form has expired; please try again.",
    ),
    "login.throttled": (
        "Слишком много неудачных попыток входа; подождите и попробуйте снова.",
        "Ийгиликсиз кирүү аракеттери өтө көп; бир аз күтүп, кайра аракет кылыңыз.",
        "Too many failed login attempts; wait a little and try again.",
    ),
    "login.unavailable": (
        "Вход сейчас невозможен; попробуйте через минуту.",
        "Азыр кирүү мүмкүн эмес; бир мүнөттөн кийин кайра аракет кылыңыз.",
        "Logging in is not possible right now; try again in a minute.",
    ),
    "logout.question": ("Выйти из консоли?", "Консолдон чыгасызбы?", "Log out of the console?"),
    "logout.back": ("Вернуться в консоль", "Консолго кайтуу", "Back to the console"),
    # the password change page (console/web/auth.py) and the refusals of rules.passwords
    "nav.password": ("Сменить пароль", "Сырсөздү өзгөртүү", "Change password"),
    "password.current": ("Текущий пароль", "Учурдагы сырсөз", "Current password"),
    "password.new": ("Новый пароль", "Жаңы сырсөз", "New password"),
    "password.repeat": ("Новый пароль ещё раз", "Жаңы сырсөз дагы бир жолу", "New password again"),
    "password.hint": (
        "Не короче {min} символов, не имя пользователя и не распространённый пароль. "
        "Удобна фраза из нескольких слов.",
        "Кеминде {min} белги, колдонуучунун аты эмес жана кеңири таралган сырсөз эмес. "
        "Бир нече сөздөн турган сүйлөм ыңгайлуу.",
        "At least {min} characters, not your user name and not a commonly used password. "
        "A phrase of several words works well.",
    ),
    "password.forced": (
        "Администратор потребовал сменить пароль: задайте новый, чтобы продолжить.",
        "Администратор сырсөздү өзгөртүүнү талап кылды: улантуу үчүн жаңысын коюңуз.",
        "An administrator asked you to change your password: set a new one to continue.",
    ),
    "password.changed": ("Пароль изменён.", "Сырсөз өзгөртүлдү.", "Password changed."),
    "password.too_short": (
        "Пароль должен содержать не менее {min} символов.",
        "Сырсөз кеминде {min} белгиден турушу керек.",
        "The password must have at least {min} characters.",
    ),
    "password.too_long": (
        "Пароль длиннее {max} символов.",
        "Сырсөз {max} белгиден узун.",
        "The password is longer than {max} characters.",
    ),
    "password.has_username": (
        "Пароль не должен содержать имя пользователя.",
        "Сырсөздө колдонуучунун аты болбошу керек.",
        "The password must not contain the user name.",
    ),
    "password.common": (
        "Это один из распространённых паролей; выберите другой.",
        "Бул кеңири таралган сырсөздөрдүн бири; башкасын тандаңыз.",
        "This is a commonly used password; choose another.",
    ),
    "password.wrong_current": (
        "Текущий пароль неверен.",
        "Учурдагы сырсөз туура эмес.",
        "The current password is wrong.",
    ),
    "password.same_as_before": (
        "Новый пароль совпадает с текущим.",
        "Жаңы сырсөз учурдагы менен бирдей.",
        "The new password is the same as the current one.",
    ),
    "password.mismatch": (
        "Новые пароли не совпадают.",
        "Жаңы сырсөздөр дал келбейт.",
        "The new passwords differ.",
    ),
    "password.missing": (
        "Заполните все поля.",
        "Бардык талааларды толтуруңуз.",
        "Fill in every field.",
    ),
    "conn.lost": (
        "Нет связи — данные на {time}",
        "Байланыш жок — маалымат {time} абалында",
        "No connection — data as of {time}",
    ),
    "conn.connecting": ("Подключение…", "Туташууда…", "Connecting…"),
    "conn.live": ("В эфире", "Түз эфир", "Live"),
    "health.stale": (
        "Данные устарели: не обработано записей потока — {lag}, старейшая с {since}"
        " ({minutes} мин назад)",
        "",
        "Data is stale: {lag} stream entries not stored yet, the oldest since "
        "{since} ({minutes} min ago)",
    ),
    "health.gap.trimmed": (
        "Потеряны записи потока: {lost} (с {since}) — обрезаны в потоке до чтения консолью",
        "",
        "Stream entries lost: {lost} (since {since}) — trimmed from the stream before "
        "the console read them",
    ),
    "health.gap.vanished": (
        "Потеряны записи потока: {lost} (с {since}) — поток пропал вместе с данными Redis"
        " или был удалён",
        "",
        "Stream entries lost: {lost} (since {since}) — gone with the stream (Redis lost its "
        "data or the stream was deleted)",
    ),
    "health.at_least": ("не менее {count}", "кеминде {count}", "at least {count}"),
    "health.unknown": ("неизвестно", "белгисиз", "unknown"),
    "nav.deadletters": ("Отклонённые", "Четке кагылгандар", "Dead letters"),
    "dead.title": ("Отклонённые записи потока", "", "Rejected stream entries"),
    "dead.summary": (
        "Всего: {total}, ожидают повторной отправки: {waiting}. Показаны последние "
        "{shown}. Повторная отправка: kup-console deadletters retry.",
        "",
        "Total: {total}, waiting to be re-driven: {waiting}. Newest {shown} shown. "
        "Re-drive with: kup-console deadletters retry.",
    ),
    "dead.empty": ("Отклонённых записей нет.", "", "No rejected entries."),
    "dead.forbidden": (
        "Этот список доступен только администраторам.",
        "",
        "Only administrators see this list.",
    ),
    "dead.received": ("Получено", "", "Received"),
    "dead.source_id": ("Номер записи в потоке", "", "Stream entry id"),
    "dead.field": ("Поле", "", "Field"),
    "dead.error": ("Причина", "", "Reason"),
    "dead.retried": ("Отправлено повторно", "", "Re-driven"),
    "loading": ("Загрузка данных…", "Маалымат жүктөлүүдө…", "Loading data…"),
    "not_found.title": ("Страница не найдена", "Барак табылган жок", "Page not found"),
    "not_found.body": (
        "Такой страницы нет. Вернитесь к ленте.",
        "",
        "There is no such page. Go back to the live feed.",
    ),
    # filters
    "filter.region": ("Область", "Облус", "Region"),
    "filter.district": ("Район / город", "Район / шаар", "District / city"),
    "filter.category": ("Категория", "Категория", "Category"),
    "filter.kind": ("Вид", "Түрү", "Kind"),
    "filter.unit": ("Подразделение", "Бөлүм", "Unit"),
    "filter.flagged": ("Отметка прокурора", "Прокурордун белгиси", "Prosecutor's flag"),
    "filter.flagged.yes": ("С отметкой", "Белгиси бар", "Flagged"),
    "filter.flagged.no": ("Без отметки", "Белгиси жок", "Not flagged"),
    "filter.all": ("Все", "Баары", "All"),
    "filter.measure": ("Показатель карты", "Картанын көрсөткүчү", "Map measure"),
    # live page
    "live.title": ("Оперативная лента", "Оперативдик тасма", "Live feed"),
    "live.feed": ("Новые регистрации", "Жаңы каттоолор", "New registrations"),
    "live.feed_empty": (
        "Пока нет регистраций по выбранным фильтрам.",
        "Тандалган чыпкалар боюнча каттоо азырынча жок.",
        "No registrations match the filters yet.",
    ),
    "live.map": ("Карта", "Карта", "Map"),
    "strip.open": ("В работе", "Иште", "Open"),
    "strip.overdue": ("Просрочено", "Мөөнөтү өттү", "Overdue"),
    "strip.due_soon": ("Срок истекает", "Мөөнөтү бүтүп жатат", "Due soon"),
    "measure.open": ("Материалы в работе", "Иштеги материалдар", "Open cases"),
    "measure.overdue": ("Просроченные", "Мөөнөтү өткөндөр", "Overdue cases"),
    "measure.overdue_share": ("Доля просроченных", "Мөөнөтү өткөндөрдүн үлүшү", "Overdue share"),
    "measure.received_24h": ("Поступило за 24 ч", "24 саатта келди", "Intake, last 24 h"),
    "map.points": ("Регистрации за 24 ч", "24 сааттагы каттоолор", "Registrations, 24 h"),
    "map.hint": (
        "Нажмите на район, чтобы открыть его нагрузку, на точку — чтобы открыть материал.",
        "Жүктөмүн ачуу үчүн районду, материалды ачуу үчүн чекитти басыңыз.",
        "Click a district to open its workload, a point to open its case.",
    ),
    # overdue page
    "overdue.title": ("Контроль сроков", "Мөөнөттөрдү көзөмөлдөө", "Deadline control"),
    "overdue.tab_overdue": ("Просроченные", "Мөөнөтү өткөндөр", "Overdue"),
    "overdue.tab_due_soon": ("Срок истекает", "Мөөнөтү бүтүп жатат", "Due soon"),
    "overdue.empty": (
        "Просроченных материалов нет.",
        "Мөөнөтү өткөн материалдар жок.",
        "No overdue cases.",
    ),
    "overdue.empty_soon": ("Материалов с истекающим сроком нет.", "", "No cases are due soon."),
    "overdue.shown": (
        "Показано {shown} из {total}",
        "{total} ичинен {shown} көрсөтүлдү",
        "Showing {shown} of {total}",
    ),
    "export.xlsx": ("Выгрузить в Excel", "Excel'ге жүктөп алуу", "Export to Excel"),
    "export.csv": ("в CSV", "CSV", "CSV"),
    "export.sheet": ("Выгрузка", "Жүктөө", "Export"),
    "flag.title": ("Отметка прокурора", "Прокурордун белгиси", "Prosecutor's flag"),
    "flag.select": (
        "Выберите материал в таблице.",
        "Таблицадан материалды тандаңыз.",
        "Select a case in the table.",
    ),
    "flag.selected": ("Выбран: {reg_no}", "Тандалды: {reg_no}", "Selected: {reg_no}"),
    "flag.comment": ("Комментарий", "Түшүндүрмө", "Comment"),
    "flag.button": ("Отметить", "Белгилөө", "Flag"),
    "flag.clear": ("Снять отметку", "Белгини алып салуу", "Clear flag"),
    "flag.done": ("Отметка поставлена: {reg_no}", "Белги коюлду: {reg_no}", "Flag set: {reg_no}"),
    "flag.cleared": ("Отметка снята: {reg_no}", "Белги алынды: {reg_no}", "Flag cleared: {reg_no}"),
    "flag.denied": (
        "Недостаточно прав: отмечать может только прокурор.",
        "Укук жетишсиз: прокурор гана белгилей алат.",
        "Not allowed: only prosecutors can flag.",
    ),
    "flag.need_comment": ("Напишите комментарий.", "Түшүндүрмө жазыңыз.", "Write a comment."),
    "flag.error": ("Не удалось: {error}", "Болбоду: {error}", "Failed: {error}"),
    "flag.by": ("{by}, {at}", "{by}, {at}", "{by}, {at}"),
    "flag.none": ("Отметок нет.", "Белгилер жок.", "No flags."),
    "flag.active": ("действует", "күчүндө", "active"),
    # workload page
    "workload.title": ("Нагрузка подразделений", "Бөлүмдөрдүн жүктөмү", "Workload"),
    "workload.country": ("Вся республика", "Бүт республика", "Whole country"),
    "workload.chart": (
        "Поступление и решения по дням (30 дней)",
        "Күн сайын келип түшүү жана чечимдер (30 күн)",
        "Intake and decisions per day (30 days)",
    ),
    "workload.intake": ("Поступило", "Келип түштү", "Intake"),
    "workload.decided": ("Решения", "Чечимдер", "Decisions"),
    "workload.empty": (
        "Нет данных для этого уровня.",
        "Бул деңгээл боюнча маалымат жок.",
        "No data at this level.",
    ),
    "workload.hint": (
        "Нажмите на строку, чтобы перейти на уровень ниже.",
        "Төмөнкү деңгээлге өтүү үчүн сапты басыңыз.",
        "Click a row to drill down.",
    ),
    "workload.unassigned": ("не назначено", "дайындалган эмес", "unassigned"),
    "workload.cases": ("Материалы исполнителя", "Аткаруучунун материалдары", "Officer's cases"),
    "level.region": ("Область", "Облус", "Region"),
    "level.district": ("Район / город", "Район / шаар", "District / city"),
    "level.unit": ("Подразделение", "Бөлүм", "Unit"),
    "level.officer": ("Исполнитель", "Аткаруучу", "Officer"),
    "col.open": ("В работе", "Иште", "Open"),
    "col.overdue": ("Просрочено", "Мөөнөтү өттү", "Overdue"),
    "col.due_soon": ("Срок истекает", "Мөөнөтү бүтүп жатат", "Due soon"),
    "col.age": ("Сколько дней в работе", "Канча күн иште", "Days open"),
    "col.age_0_3": ("0–3 дн.", "0–3 күн", "0–3 d"),
    "col.age_3_10": ("3–10 дн.", "3–10 күн", "3–10 d"),
    "col.age_10_30": ("10–30 дн.", "10–30 күн", "10–30 d"),
    "col.age_30_plus": (">30 дн.", ">30 күн", ">30 d"),
    "col.received": ("Поступило", "Келип түштү", "Intake"),
    "col.decided": ("Решения", "Чечимдер", "Decisions"),
    "col.7d": ("7 дн.", "7 күн", "7 d"),
    "col.30d": ("30 дн.", "30 күн", "30 d"),
    "col.late_30d": (
        "Поздняя регистрация (30 дн.)",
        "Кеч катталган (30 күн)",
        "Late registrations (30 d)",
    ),
    "col.reg_no": ("№ КУП", "КУП №", "Reg. no."),
    "col.time": ("Время", "Убакыт", "Time"),
    "col.registered_at": ("Зарегистрировано", "Катталды", "Registered"),
    "col.deadline": ("Срок", "Мөөнөт", "Deadline"),
    "col.deadline_day": (
        "Срок (до 24:00 этого дня)",
        "Мөөнөт (ушул күндүн аягына чейин)",
        "Deadline (until the end of this day)",
    ),
    "col.decision": ("Решение", "Чечим", "Decision"),
    "col.decided_at": ("Дата решения", "Чечим күнү", "Decided at"),
    "col.received_at": ("Поступило", "Келип түштү", "Received"),
    "col.flagged": ("Отметка прокурора", "Прокурордун белгиси", "Prosecutor's flag"),
    "col.flag_comment": ("Отметка: комментарий", "Белги: түшүндүрмө", "Flag: comment"),
    "col.flag_by": ("Отметка: кто поставил", "Белги: ким койду", "Flag: set by"),
    "col.flag_at": ("Отметка: когда", "Белги: качан", "Flag: set at"),
    "col.priority": ("Приоритет", "Артыкчылык", "Priority"),
    "col.late_registration": ("Поздняя регистрация", "Кеч катталган", "Late registration"),
    "col.overdue_by": ("Просрочено на", "Мөөнөтү өттү", "Overdue by"),
    "col.time_left": ("Осталось", "Калды", "Time left"),
    "col.status": ("Статус", "Абалы", "Status"),
    "col.summary": ("Фабула", "Кыскача мазмуну", "Summary"),
    "col.officer": ("Исполнитель", "Аткаруучу", "Officer"),
    "col.flag": ("Отметка", "Белги", "Flag"),
    "col.region": ("Область", "Облус", "Region"),
    "col.district": ("Район / город", "Район / шаар", "District / city"),
    "col.category": ("Категория", "Категория", "Category"),
    "col.kind": ("Вид", "Түрү", "Kind"),
    "col.unit": ("Подразделение", "Бөлүм", "Unit"),
    "col.total": ("Итого", "Жыйынтык", "Total"),
    # case page
    "case.title": ("Материал {reg_no}", "{reg_no} материалы", "Case {reg_no}"),
    "case.not_found": ("Материал не найден", "Материал табылган жок", "Case not found"),
    "case.not_found_body": (
        "Материала {reg_no} нет или он вне вашей зоны доступа.",
        "{reg_no} материалы жок же сиздин жетүү аймагыңыздан тышкары.",
        "Case {reg_no} does not exist or is outside your area.",
    ),
    "case.timeline": ("Ход рассмотрения", "Кароонун жүрүшү", "Timeline"),
    "case.deadlines": ("История сроков", "Мөөнөттөрдүн тарыхы", "Deadline history"),
    "case.flags": ("Отметки прокурора", "Прокурордун белгилери", "Prosecutor's flags"),
    "case.assignment": ("Исполнение", "Аткаруу", "Assignment"),
    "case.details": ("Сведения", "Маалымат", "Details"),
    "case.received_at": ("Поступило", "Келип түштү", "Received"),
    "case.registered_at": ("Зарегистрировано", "Катталды", "Registered"),
    "case.deadline": ("Срок рассмотрения", "Кароо мөөнөтү", "Review deadline"),
    "case.decision": ("Решение", "Чечим", "Decision"),
    "case.source": ("Источник", "Булак", "Source"),
    "case.address": ("Адрес", "Дарек", "Address"),
    "case.priority": ("Приоритет", "Артыкчылык", "Priority"),
    "case.late": ("Поздняя регистрация", "Кеч катталган", "Late registration"),
    "case.set_at": ("Установлен", "Белгиленди", "Set"),
    "case.period": ("Срок, дней", "Мөөнөт, күн", "Period, days"),
    "case.reason": ("Основание", "Негиз", "Reason"),
    "case.actor": ("Кто", "Ким", "By"),
    "case.event": ("Событие", "Окуя", "Event"),
    "case.fields": ("Сведения", "Маалымат", "Details"),
    "case.pending": ("ожидает регистрации", "каттоону күтүүдө", "waiting for registration"),
    "case.no_events": ("Событий нет.", "Окуялар жок.", "No events."),
    "case.back": ("← К ленте", "← Тасмага", "← Back to the feed"),
    # event fields on the case page
    "field.received_at": ("поступило", "келип түштү", "received"),
    "field.district": ("район", "район", "district"),
    "field.category": ("категория", "категория", "category"),
    "field.kind": ("вид", "түрү", "kind"),
    "field.source": ("источник", "булак", "source"),
    "field.priority": ("приоритет", "артыкчылык", "priority"),
    "field.article": ("статья", "берене", "article"),
    "field.address": ("адрес", "дарек", "address"),
    "field.lat": ("широта", "кеңдик", "lat"),
    "field.lon": ("долгота", "узундук", "lon"),
    "field.unit": ("подразделение", "бөлүм", "unit"),
    "field.officer": ("исполнитель", "аткаруучу", "officer"),
    "field.days": ("срок, дней", "мөөнөт, күн", "days"),
    "field.authority": ("кем продлён", "ким узартты", "authority"),
    "field.reason": ("основание", "негиз", "reason"),
    "field.decision": ("решение", "чечим", "decision"),
    "field.decided_at": ("дата решения", "чечим күнү", "decided at"),
    "field.transferred_to": ("куда передано", "кайда өткөрүлдү", "transferred to"),
    "field.schema": ("версия схемы", "схеманын версиясы", "schema version"),
    "field.type": ("тип события", "окуянын түрү", "event type"),
    "field.event_id": ("номер события", "окуянын номери", "event id"),
    "field.reg_no": ("№ КУП", "КУП №", "reg. no."),
    "field.occurred_at": ("время события", "окуянын убактысы", "occurred at"),
    "field.actor": ("кто", "ким", "actor"),
    "field.summary": ("фабула", "кыскача мазмуну", "summary"),
    "field.entry": ("запись целиком", "жазуу толугу менен", "whole entry"),
    # why an entry of the stream was refused (components.deadletters.reason_text)
    "reject.missing": (
        "обязательное поле отсутствует",
        "милдеттүү талаа жок",
        "required field is missing",
    ),
    "reject.empty": ("обязательное поле пустое", "милдеттүү талаа бош", "required field is empty"),
    "reject.too_long": (
        "длиннее {max} символов ({length})",
        "{max} белгиден узун ({length})",
        "longer than {max} characters ({length})",
    ),
    "reject.not_allowed": (
        "{value} — недопустимое значение",
        "{value} — жол берилбеген маани",
        "{value} is not an allowed value",
    ),
    "reject.event_id": (
        "{value}: нужно от 1 до 64 символов — латинские буквы, цифры, «_» и «-»",
        "{value}: 1ден 64кө чейин белги керек — латын тамгалары, сандар, «_» жана «-»",
        "{value}: must be 1 to 64 characters of Latin letters, digits, «_» and «-»",
    ),
    "reject.reg_no": (
        "{value}: нужно от 6 до 32 символов — заглавные латинские буквы, цифры и «-»",
        "{value}: 6дан 32ге чейин белги керек — латындын баш тамгалары, сандар жана «-»",
        "{value}: must be 6 to 32 characters of capital Latin letters, digits and «-»",
    ),
    "reject.integer_range": (
        "{value}: нужно целое число от {low} до {high}",
        "{value}: {low}дөн {high}гө чейинки бүтүн сан керек",
        "{value}: must be a whole number from {low} to {high}",
    ),
    "reject.integer_choice": (
        "{value}: нужно число {choices}",
        "{value}: {choices} саны керек",
        "{value}: must be {choices}",
    ),
    "reject.or": ("или", "же", "or"),
    "reject.not_datetime": (
        "{value} — не дата и время в формате ISO 8601",
        "{value} — ISO 8601 форматындагы күн жана убакыт эмес",
        "{value} is not an ISO 8601 date and time",
    ),
    "reject.no_offset": (
        "{value} — не указано смещение от UTC",
        "{value} — UTC боюнча жылыш көрсөтүлгөн эмес",
        "{value} has no offset from UTC",
    ),
    "reject.future": (
        "{value} — более чем на 5 минут в будущем",
        "{value} — 5 мүнөттөн ашык келечекте",
        "{value} is more than 5 minutes in the future",
    ),
    "reject.not_number": (
        "{value} — не десятичное число",
        "{value} — ондук сан эмес",
        "{value} is not a decimal number",
    ),
    "reject.outside": (
        "{value} — за пределами Кыргызстана ({low}–{high})",
        "{value} — Кыргызстандын чегинен тышкары ({low}–{high})",
        "{value} is outside Kyrgyzstan ({low}–{high})",
    ),
    "reject.schema": (
        "{value} — неподдерживаемая версия схемы (поддерживается 1)",
        "{value} — колдоого алынбаган схема версиясы (1 колдоого алынат)",
        "{value} is not a supported schema version (1)",
    ),
    "reject.district": (
        "{value} — неизвестный код района по СОАТЕ",
        "{value} — СОАТЕ боюнча белгисиз район коду",
        "{value} is not a known district code (SOATE)",
    ),
    "reject.lat_lon": (
        "широта и долгота указываются обе или ни одной",
        "кеңдик менен узундук экөө тең көрсөтүлөт же экөө тең көрсөтүлбөйт",
        "latitude and longitude are given both or neither",
    ),
    "reject.name_utf8": (
        "имя поля не в кодировке UTF-8",
        "талаанын аты UTF-8 коддоосунда эмес",
        "the field name is not valid UTF-8",
    ),
    "reject.value_utf8": (
        "значение не в кодировке UTF-8",
        "маани UTF-8 коддоосунда эмес",
        "the value is not valid UTF-8",
    ),
    "reject.no_fields": (
        "в записи нет полей (пустая или удалена из потока до чтения)",
        "жазууда талаалар жок (бош же окулганга чейин агымдан өчүрүлгөн)",
        "the entry has no fields (empty, or deleted from the stream before it was read)",
    ),
    "reject.store_refused": (
        "база данных не приняла запись",
        "маалымат базасы жазууну кабыл алган жок",
        "the database refused the entry",
    ),
    "reject.duplicate": (
        "материал {reg_no} уже зарегистрирован",
        "{reg_no} материалы мурда катталган",
        "case {reg_no} is already registered",
    ),
    # deadlines: the last day of the period (24:00 local time ends it)
    "deadline.day_end": (
        "до 24:00 {date}",
        "{date} күнүнүн аягына чейин",
        "until the end of {date}",
    ),
    "deadline.at": ("до {time} {date}", "{date}, саат {time}", "until {time}, {date}"),
    "authority.head": ("начальник органа", "органдын башчысы", "head of the body"),
    "authority.prosecutor": ("прокурор", "прокурор", "prosecutor"),
    # Plotly's own words (its locale dictionary: the English text is the key; Kyrgyz falls
    # back to Russian like every other word)
    "plotly.Autoscale": ("Автомасштаб", "", "Autoscale"),
    "plotly.Share chart...": ("Поделиться графиком…", "", "Share chart..."),
    "plotly.Box Select": ("Выделить прямоугольником", "", "Box Select"),
    "plotly.Compare data on hover": (
        "При наведении показывать все данные",
        "",
        "Compare data on hover",
    ),
    "plotly.Download plot as a png": ("Сохранить как картинку", "", "Download plot as a png"),
    "plotly.Download plot as a PNG": ("Сохранить как картинку", "", "Download plot as a PNG"),
    "plotly.Double-click to zoom back out": (
        "Дважды щёлкните, чтобы вернуть масштаб",
        "",
        "Double-click to zoom back out",
    ),
    "plotly.Lasso Select": ("Выделить лассо", "", "Lasso Select"),
    "plotly.Pan": ("Сдвиг", "Жылдыруу", "Pan"),
    "plotly.Reset": ("Сбросить", "Баштапкы абалга", "Reset"),
    "plotly.Reset axes": ("Сбросить оси", "", "Reset axes"),
    "plotly.Reset view": ("Исходный вид", "", "Reset view"),
    "plotly.Show closest data on hover": (
        "При наведении показывать ближайшие данные",
        "",
        "Show closest data on hover",
    ),
    "plotly.Toggle Spike Lines": ("Линии к осям", "", "Toggle Spike Lines"),
    "plotly.Toggle show closest data on hover": (
        "Показывать ближайшие данные при наведении",
        "",
        "Toggle show closest data on hover",
    ),
    "plotly.Zoom": ("Масштаб", "Масштаб", "Zoom"),
    "plotly.Zoom in": ("Увеличить", "Чоңойтуу", "Zoom in"),
    "plotly.Zoom out": ("Уменьшить", "Кичирейтүү", "Zoom out"),
    # AG Grid's own words (its localeText keys)
    "grid.filterOoo": ("Фильтр…", "Чыпка…", "Filter…"),
    "grid.contains": ("Содержит", "Камтыйт", "Contains"),
    "grid.notContains": ("Не содержит", "Камтыбайт", "Does not contain"),
    "grid.equals": ("Равно", "Барабар", "Equals"),
    "grid.notEqual": ("Не равно", "Барабар эмес", "Does not equal"),
    "grid.startsWith": ("Начинается с", "", "Begins with"),
    "grid.endsWith": ("Заканчивается на", "", "Ends with"),
    "grid.blank": ("Пусто", "Бош", "Blank"),
    "grid.notBlank": ("Не пусто", "Бош эмес", "Not blank"),
    "grid.lessThan": ("Меньше", "Аз", "Less than"),
    "grid.greaterThan": ("Больше", "Көп", "Greater than"),
    "grid.lessThanOrEqual": ("Меньше или равно", "", "Less than or equal to"),
    "grid.greaterThanOrEqual": ("Больше или равно", "", "Greater than or equal to"),
    "grid.inRange": ("В диапазоне", "", "Between"),
    "grid.andCondition": ("И", "Жана", "AND"),
    "grid.orCondition": ("ИЛИ", "Же", "OR"),
    "grid.applyFilter": ("Применить", "Колдонуу", "Apply"),
    "grid.resetFilter": ("Сбросить", "Тазалоо", "Reset"),
    "grid.clearFilter": ("Очистить", "Тазалоо", "Clear"),
    "grid.noMatches": ("Нет совпадений", "Дал келүү жок", "No matches"),
    "grid.pinColumn": ("Закрепить столбец", "", "Pin column"),
    "grid.autosizeThisColumn": ("Подогнать ширину", "", "Autosize this column"),
    "grid.resetColumns": ("Сбросить столбцы", "", "Reset columns"),
    "grid.sortAscending": ("По возрастанию", "", "Sort ascending"),
    "grid.sortDescending": ("По убыванию", "", "Sort descending"),
    "grid.sortUnSort": ("Без сортировки", "", "Clear sort"),
    "grid.noPin": ("Не закреплять", "", "No pin"),
    "grid.pinLeft": ("Закрепить слева", "", "Pin left"),
    "grid.pinRight": ("Закрепить справа", "", "Pin right"),
    "grid.autosizeAllColumns": ("Подогнать ширину всех столбцов", "", "Autosize all columns"),
    "grid.columnChooser": ("Выбрать столбцы", "", "Choose columns"),
    "grid.columnFilter": ("Фильтр столбца", "", "Column filter"),
    "grid.inRangeStart": ("От", "", "From"),
    "grid.inRangeEnd": ("До", "", "To"),
    "grid.searchOoo": ("Поиск…", "Издөө…", "Search…"),
    "grid.selectAll": ("Выбрать все", "", "Select all"),
    # statuses, kinds, categories, decisions, event types, roles
    "status.open": ("В работе", "Иште", "Open"),
    "status.due_soon": ("Срок истекает", "Мөөнөтү бүтүп жатат", "Due soon"),
    "status.overdue": ("Просрочено", "Мөөнөтү өттү", "Overdue"),
    "status.decided": ("Решение принято", "Чечим кабыл алынды", "Decided"),
    "kind.crime": ("преступление", "кылмыш", "crime"),
    "kind.misdemeanor": ("проступок", "жорук", "misdemeanour"),
    "kind.appeal": ("обращение", "кайрылуу", "citizen's appeal"),
    "category.theft": ("кража", "уурулук", "theft"),
    "category.robbery": ("грабёж", "тоноо", "robbery"),
    "category.fraud": ("мошенничество", "алдамчылык", "fraud"),
    "category.assault": ("телесные повреждения", "дене-бойго зыян келтирүү", "assault"),
    "category.homicide": ("убийство", "киши өлтүрүү", "homicide"),
    "category.sexual": ("половые преступления", "жыныстык кылмыштар", "sexual offence"),
    "category.drugs": ("наркотики", "баңгизат", "drugs"),
    "category.traffic": ("ДТП", "жол кырсыгы", "traffic"),
    "category.hooliganism": ("хулиганство", "бейбаштык", "hooliganism"),
    "category.domestic_violence": ("семейное насилие", "үй-бүлөлүк зомбулук", "domestic violence"),
    "category.corruption": ("коррупция", "коррупция", "corruption"),
    "category.extremism": ("экстремизм", "экстремизм", "extremism"),
    "category.missing_person": ("безвестное исчезновение", "дайынсыз жоголуу", "missing person"),
    "category.property_damage": (
        "повреждение имущества",
        "мүлккө зыян келтирүү",
        "property damage",
    ),
    "category.other": ("иное", "башка", "other"),
    "decision.initiated": ("возбуждено дело", "иш козголду", "case opened"),
    "decision.refused": ("отказано в возбуждении", "козгоодон баш тартылды", "opening refused"),
    "decision.transferred": ("передано по подследственности", "өткөрүлүп берилди", "transferred"),
    "decision.merged": ("приобщено к другому материалу", "башка материалга кошулду", "merged"),
    "decision.closed_other": (
        "прекращено по иным основаниям",
        "башка негизде жабылды",
        "closed (other)",
    ),
    "event.registered": ("Регистрация", "Каттоо", "Registered"),
    "event.assigned": ("Назначен исполнитель", "Аткаруучу дайындалды", "Assigned"),
    "event.extended": ("Продление срока", "Мөөнөт узартылды", "Deadline extended"),
    "event.decided": ("Принято решение", "Чечим кабыл алынды", "Decided"),
    "event.reopened": ("Возобновлено", "Кайра ачылды", "Reopened"),
    "source.statement": ("заявление", "арыз", "statement"),
    "source.self_report": ("явка с повинной", "күнөөсүн мойнуна алуу", "self-report"),
    "source.officer_report": ("рапорт", "рапорт", "officer's report"),
    "source.media": ("СМИ", "ЖМК", "media"),
    "source.other_agency": ("другой орган", "башка орган", "other agency"),
    "source.other": ("иное", "башка", "other"),
    "priority.normal": ("обычный", "кадимки", "normal"),
    "priority.high": ("высокий", "жогорку", "high"),
    "reason.registered": ("регистрация", "каттоо", "registration"),
    "reason.extended by head": ("продлён начальником", "башчы узартты", "extended by the head"),
    "reason.extended by prosecutor": (
        "продлён прокурором",
        "прокурор узартты",
        "extended by a prosecutor",
    ),
    "reason.reopened": ("возобновление", "кайра ачуу", "reopening"),
    "role.duty": ("дежурный", "кезметчи", "duty officer"),
    "role.manager": ("руководитель", "жетекчи", "manager"),
    "role.prosecutor": ("прокурор", "прокурор", "prosecutor"),
    "role.admin": ("администратор", "администратор", "administrator"),
    "role.monitor": ("мониторинг", "мониторинг", "monitoring account"),
    "unit.day": ("д", "к", "d"),
    "unit.hour": ("ч", "с", "h"),
    "unit.minute": ("мин", "мүн", "min"),
    "yes": ("да", "ооба", "yes"),
    "no": ("нет", "жок", "no"),
    # live page: the feed's new arrivals and the map's points layer
    "live.arrived": ("новая", "жаңы", "new"),
    "map.points_toggle": ("Точки регистраций", "Каттоо чекиттери", "Registration points"),
    "map.points_hidden": (
        "Точки скрыты: нажмите на любое место района, чтобы открыть его нагрузку.",
        "Чекиттер жашырылды: жүктөмүн ачуу үчүн райондун каалаган жерин басыңыз.",
        "Points hidden: click anywhere in a district to open its workload.",
    ),
    # flags: one active flag per case, its comments, clearing with a comment
    "flag.note.flag": ("отметил(а)", "белгиледи", "flagged"),
    "flag.note.comment": ("добавил(а) комментарий", "түшүндүрмө кошту", "commented"),
    "flag.note.clear": ("снял(а) отметку", "белгини алды", "cleared"),
    "flag.clear_comment": (
        "Почему отметка снимается (обязательно)",
        "Белги эмне үчүн алынат (милдеттүү)",
        "Why the flag is cleared (required)",
    ),
    "flag.need_clear_comment": (
        "Чтобы снять отметку, напишите комментарий.",
        "Белгини алуу үчүн түшүндүрмө жазыңыз.",
        "Write a comment to clear the flag.",
    ),
    "flag.commented": (
        "Комментарий добавлен к отметке: {reg_no}",
        "Түшүндүрмө белгиге кошулду: {reg_no}",
        "Comment added to the flag: {reg_no}",
    ),
    "flag.add_comment": ("Добавить комментарий", "Түшүндүрмө кошуу", "Add comment"),
    "flag.cleared_state": ("снята", "алынды", "cleared"),
    # accessibility: names of controls that show no label of their own
    "map.measure": ("Показатель карты", "Картанын көрсөткүчү", "Map measure"),
    "dropdown.search": ("Поиск", "Издөө", "Search"),
    "dropdown.clear_search": ("Очистить поиск", "Издөөнү тазалоо", "Clear search"),
    "dropdown.clear_selection": ("Сбросить выбор", "Тандоону тазалоо", "Clear selection"),
    "dropdown.no_options": ("Ничего не найдено", "Эч нерсе табылган жок", "Nothing found"),
    "dropdown.select_all": ("Выбрать все", "Баарын тандоо", "Select all"),
    "dropdown.deselect_all": ("Снять выбор", "Тандоону алып салуу", "Deselect all"),
    "dropdown.selected_count": (
        "выбрано: {num_selected}",
        "тандалды: {num_selected}",
        "{num_selected} selected",
    ),
    # pages that fit and print (the workload card's title per drill-down level, the printed
    # header)
    "workload.of_districts": (
        "Нагрузка районов и городов — {place}",
        "Райондордун жана шаарлардын жүктөмү — {place}",
        "Workload of districts and cities — {place}",
    ),
    "workload.of_units": (
        "Нагрузка подразделений — {place}",
        "Бөлүмдөрдүн жүктөмү — {place}",
        "Workload of units — {place}",
    ),
    "workload.of_officers": (
        "Нагрузка сотрудников — {place}",
        "Кызматкерлердин жүктөмү — {place}",
        "Workload of officers — {place}",
    ),
    "workload.of_cases": (
        "Материалы исполнителя {place} в работе",
        "Аткаруучунун иштеги материалдары — {place}",
        "Open cases of officer {place}",
    ),
    "print.by": (
        "Распечатано {at}, пользователь {user}",
        "Басылып чыгарылды {at}, колдонуучу {user}",
        "Printed {at} by {user}",
    ),
    # case search: the navbar's box and its list of cases found
    "search.label": ("Поиск материала", "Материалды издөө", "Find a case"),
    "search.placeholder": ("Поиск", "Издөө", "Search"),
    "search.hint": (
        "Номер, сотрудник, подразделение, адрес или слова описания",
        "Номер, кызматкер, бөлүм, дарек же баяндамадагы сөздөр",
        "Number, officer, unit, address or words of the summary",
    ),
    "search.none": ("Ничего не найдено", "Эч нерсе табылган жок", "Nothing found"),
    # deadline breaches: the case page's record, exports' columns, workload's late decisions
    "breach.title": ("Нарушения сроков", "Мөөнөттүн бузулушу", "Deadline breaches"),
    "breach.none": (
        "Сроки не нарушались.",
        "Мөөнөттөр бузулган эмес.",
        "No deadline was breached.",
    ),
    "breach.total": ("Всего просрочено", "Бардыгы мөөнөтү өткөн", "Overdue in all"),
    "breach.start": ("Просрочен с", "Мөөнөтү өткөн күн", "Overdue from"),
    "breach.end": ("По", "Чейин", "Until"),
    "breach.length": ("Длительность", "Узактыгы", "Length"),
    "breach.ended_by": ("Чем окончено", "Эмне менен бүттү", "Ended by"),
    "breach.ongoing": ("продолжается", "уланууда", "going on"),
    "breach.ended_by.decision": ("решением", "чечим менен", "a decision"),
    "breach.ended_by.extension": ("продлением срока", "мөөнөттү узартуу менен", "an extension"),
    "breach.ended_by.reopening": ("возобновлением", "кайра ачуу менен", "a reopening"),
    "col.breached": ("Срок нарушался", "Мөөнөт бузулган", "Deadline breached"),
    "col.breach_seconds": (
        "Просрочено всего, с",
        "Бардыгы мөөнөтү өткөн, сек",
        "Overdue in all, s",
    ),
    "col.decided_late": ("Решено поздно", "Кеч чечилген", "Decided late"),
    # the complainant's public receipt page (console/web/receipts.py)
    "receipt.title": (
        "Ход рассмотрения заявления",
        "Арыздын каралышы",
        "Progress of your report",
    ),
    "receipt.intro": (
        "Введите регистрационный номер и код с квитанции, выданной при подаче заявления.",
        "Арыз берүүдө берилген талондогу каттоо номерин жана кодду киргизиңиз.",
        "Enter the registration number and the code on the slip you were given with your report.",
    ),
    "receipt.reg_no": ("Регистрационный номер", "Каттоо номери", "Registration number"),
    "receipt.code": ("Код с квитанции", "Талондогу код", "Code on the slip"),
    "receipt.code_hint": (
        "10 знаков, например 7K3QX-M0A9D",
        "10 белги, мисалы 7K3QX-M0A9D",
        "10 characters, e.g. 7K3QX-M0A9D",
    ),
    "receipt.submit": ("Проверить", "Текшерүү", "Check"),
    "receipt.status": ("Состояние", "Абалы", "Status"),
    "receipt.decision": ("Решение", "Чечим", "Decision"),
    "receipt.deadline": ("Срок рассмотрения", "Кароо мөөнөтү", "Review deadline"),
    "receipt.last_step": ("Последнее действие", "Акыркы аракет", "Last step"),
    "receipt.missing": (
        "Введите номер и код.",
        "Номерди жана кодду киргизиңиз.",
        "Enter the number and the code.",
    ),
    "receipt.bad_number": (
        "Номер записан неверно: в нём латинские буквы, цифры и дефисы, "
        "например KUP-41711000000000-2026-000123.",
        "Номер туура эмес жазылды: анда латын тамгалары, сандар жана дефистер болот, "
        "мисалы KUP-41711000000000-2026-000123.",
        "The number is not written right: Latin letters, digits and dashes, "
        "e.g. KUP-41711000000000-2026-000123.",
    ),
    "receipt.bad_code": (
        "Код записан неверно: в нём 10 латинских букв и цифр, например 7K3QX-M0A9D.",
        "Код туура эмес жазылды: анда 10 латын тамгасы жана сан болот, мисалы 7K3QX-M0A9D.",
        "The code is not written right: 10 Latin letters and digits, e.g. 7K3QX-M0A9D.",
    ),
    "receipt.not_found": (
        "Материал с таким номером и кодом не найден. Проверьте номер и код на квитанции.",
        "Мындай номер жана код менен материал табылган жок. Талондогу номерди жана кодду "
        "текшериңиз.",
        "No case has this number and code. Check the number and the code on your slip.",
    ),
    "receipt.throttled": (
        "Слишком много запросов; подождите минуту и попробуйте снова.",
        "Суроолор өтө көп; бир мүнөт күтүп, кайра аракет кылыңыз.",
        "Too many requests; wait a minute and try again.",
    ),
    "receipt.unavailable": (
        "Проверка сейчас невозможна; попробуйте через минуту.",
        "Азыр текшерүү мүмкүн эмес; бир мүнөттөн кийин кайра аракет кылыңыз.",
        "Checking is not possible right now; try again in a minute.",
    ),
    # wall screen (/wall)
    "wall.open": ("Настенный экран", "Дубалдагы экран", "Wall screen"),
    "wall.title": ("Оперативная обстановка", "Оперативдик абал", "Live situation"),
    "wall.today": ("Зарегистрировано сегодня", "Бүгүн катталды", "Registered today"),
    "wall.attention": (
        "Требуют внимания · 12 ч",
        "Көңүл буруңуз · 12 саат",
        "Needing attention · 12 h",
    ),
    "wall.overdue_for": ("на {duration}", "{duration} өттү", "by {duration}"),
    "wall.kind.overdue": ("Просрочен", "Мөөнөтү өттү", "Overdue"),
    "wall.kind.flagged": ("Отметка прокурора", "Прокурордун белгиси", "Flagged"),
    "wall.kind.escalated": ("Эскалация", "Эскалация", "Escalated"),
    "wall.escalated.1": (
        "Никто не принял тревогу: доведено до руководителей области",
        "Эч ким тревоганы кабыл алган жок: облустун жетекчилерине жеткирилди",
        "Nobody acknowledged the alert: raised to the region's managers",
    ),
    "wall.escalated.2": (
        "Никто не принял тревогу: доведено до прокуроров",
        "Эч ким тревоганы кабыл алган жок: прокурорлорго жеткирилди",
        "Nobody acknowledged the alert: raised to the prosecutors",
    ),
    "wall.calm": (
        "За 12 часов новых просрочек, отметок и эскалаций нет.",
        "12 саатта жаңы мөөнөт өтүүлөр, белгилер жана эскалациялар жок.",
        "No new overdue, flagged or escalated cases in 12 hours.",
    ),
    "wall.sound": ("Звук", "Үн", "Sound"),
    "wall.leave": ("Выйти из экрана", "Экрандан чыгуу", "Leave the wall"),
    # the daily summary (components/daily_summary.py, console/reports/daily_pdf.py)
    "nav.daily": ("Сводка", "Сводка", "Summary"),
    "daily.title": ("Суточная сводка", "Суткалык сводка", "Daily summary"),
    "daily.date": ("Дата", "Күнү", "Date"),
    "date.placeholder": ("дд.мм.гггг", "кк.аа.жжжж", "m/d/yyyy"),
    "daily.region": ("Область", "Облус", "Region"),
    "daily.period": (
        "за {day}, 00:00–{time} ({tz})",
        "{day}, 00:00–{time} ({tz})",
        "for {day}, 00:00–{time} ({tz})",
    ),
    "daily.generated": ("Сформировано {at}", "Түзүлгөн {at}", "Generated {at}"),
    # the console's zone in words (components.formatting.zone_text)
    "zone.Asia/Bishkek": ("время Бишкека", "Бишкек убактысы", "Bishkek time"),
    "zone.city": ("время: {city}", "{city} убактысы", "{city} time"),
    "daily.download": ("Скачать PDF", "PDF жүктөп алуу", "Download PDF"),
    "daily.totals": ("Итоги за сутки", "Суткалык жыйынтыктар", "The day's totals"),
    "daily.by_category": (
        "Регистрации по категориям",
        "Категориялар боюнча каттоолор",
        "Registrations by category",
    ),
    "daily.by_district": ("По районам", "Райондор боюнча", "By district"),
    "daily.notable": ("Заметные материалы", "Көңүл бурарлык материалдар", "Notable cases"),
    "daily.notable_none": ("Нет", "Жок", "None"),
    "daily.total": ("Всего", "Бардыгы", "Total"),
    "daily.count": ("Количество", "Саны", "Count"),
    "daily.reason": ("Причина", "Себеп", "Reason"),
    "daily.page": (
        "Страница {page} из {pages}",
        "{pages} беттин {page}-бети",
        "Page {page} of {pages}",
    ),
    "daily.bad_date": (
        "Неверная дата: укажите дату в виде ГГГГ-ММ-ДД.",
        "Күн туура эмес: ЖЖЖЖ-АА-КК түрүндө жазыңыз.",
        "Bad date: give it as YYYY-MM-DD.",
    ),
    "daily.forbidden": (
        "Эта область вам недоступна.",
        "Бул облус сизге жеткиликсиз.",
        "You may not see this region.",
    ),
    "daily.m.registered": ("Зарегистрировано", "Катталды", "Registered"),
    "daily.m.late": ("Поздняя регистрация", "Кеч катталган", "Registered late"),
    "daily.m.decided": ("Принято решений", "Чечим кабыл алынды", "Decided"),
    "daily.m.extended": ("Продлено сроков", "Мөөнөт узартылды", "Extensions"),
    "daily.m.open_at_end": ("В работе на {time}", "{time} карата иште", "Open at {time}"),
    "daily.m.overdue_at_end": (
        "Просрочено на {time}",
        "{time} карата мөөнөтү өткөн",
        "Overdue at {time}",
    ),
    "daily.measure": ("Показатель", "Көрсөткүч", "Measure"),
    "daily.m.became_overdue": (
        "Стали просроченными",
        "Мөөнөтү өтүп кеткен",
        "Became overdue",
    ),
    "daily.m.flags": ("Отметки прокурора", "Прокурордун белгилери", "Flags raised"),
    "daily.reason.flagged": ("отмечен прокурором", "прокурор белгиледи", "flagged"),
    "daily.reason.overdue": (
        "срок истёк в эти сутки",
        "мөөнөтү ушул суткада өттү",
        "deadline passed this day",
    ),
    "daily.reason.serious": (
        "тяжкая категория или высокий приоритет",
        "оор категория же жогорку артыкчылык",
        "serious category or high priority",
    ),
    # --- the alert ladder (components/alerts.py) ---
    "alert.title": ("Тревога", "Коркунуч белгиси", "Alert"),
    "alert.none": ("Тревог нет", "Коркунуч белгилери жок", "No alerts"),
    "alert.state.open": ("открыта", "ачык", "open"),
    "alert.state.escalated": ("эскалирована", "жогору берилди", "escalated"),
    "alert.state.acknowledged": ("принята", "кабыл алынды", "acknowledged"),
    "alert.state.claimed": ("взята в работу", "иштөөгө алынды", "claimed"),
    "alert.state.closed": ("закрыта", "жабылды", "closed"),
    "alert.reason.overdue": ("срок истёк", "мөөнөтү өттү", "overdue"),
    "alert.reason.due_soon": ("срок истекает", "мөөнөтү бүтүп баратат", "due soon"),
    "alert.level": ("Уровень {level}", "{level}-деңгээл", "Level {level}"),
    "alert.level.0": ("дежурным", "кезмет башчыларына", "to duty commanders"),
    "alert.level.1": (
        "руководителям региона",
        "аймактын жетекчилерине",
        "to the region's managers",
    ),
    "alert.level.2": ("прокурорам", "прокурорлорго", "to the prosecutors"),
    "alert.assignee": ("Исполнитель", "Аткаруучу", "Assignee"),
    "alert.comment": ("Комментарий (обязательно)", "Түшүндүрмө (милдеттүү)", "Comment (required)"),
    "alert.ack": ("Принять", "Кабыл алуу", "Acknowledge"),
    "alert.claim": ("Взять в работу", "Иштөөгө алуу", "Claim"),
    "alert.close": ("Закрыть", "Жабуу", "Close"),
    "alert.need_comment": (
        "Напишите комментарий.",
        "Түшүндүрмө жазыңыз.",
        "Write a comment.",
    ),
    "alert.need_assignee": (
        "Укажите исполнителя.",
        "Аткаруучуну көрсөтүңүз.",
        "Name the assignee.",
    ),
    "alert.denied": (
        "Вам нельзя действовать по этой тревоге.",
        "Бул коркунуч белгиси боюнча аракет кылууга укугуңуз жок.",
        "You may not act on this alert.",
    ),
    "alert.refused": ("Нельзя: {error}", "Болбойт: {error}", "Not possible: {error}"),
    "alert.done.ack": ("Тревога принята.", "Коркунуч белгиси кабыл алынды.", "Alert acknowledged."),
    "alert.done.claim": (
        "Тревога взята в работу.",
        "Коркунуч белгиси иштөөгө алынды.",
        "Alert claimed.",
    ),
    "alert.done.close": ("Тревога закрыта.", "Коркунуч белгиси жабылды.", "Alert closed."),
    "alert.step.raised": ("поднята", "көтөрүлдү", "raised"),
    "alert.step.overdue": ("срок истёк", "мөөнөтү өттү", "became overdue"),
    "alert.step.escalated": ("эскалирована", "жогору берилди", "escalated"),
    "alert.step.acknowledged": ("принял(а)", "кабыл алды", "acknowledged"),
    "alert.step.claimed": ("взял(а) в работу", "иштөөгө алды", "claimed"),
    "alert.step.closed": ("закрыта", "жабылды", "closed"),
    "alert.system": ("система", "система", "system"),
    "col.flag_alert": ("Отметка, тревога", "Белги, коркунуч", "Flag, alert"),
    # integrity signals (issue #13): the /integrity page, its export
    "nav.integrity": ("Сигналы", "Белгилер", "Integrity"),
    "integrity.title": (
        "Сигналы добросовестности учёта",
        "Каттоо тактыгынын белгилери",
        "Integrity signals",
    ),
    "integrity.table": (
        "Доли и 95-процентные интервалы",
        "Үлүштөр жана 95 пайыздык интервалдар",
        "Shares and 95 % intervals",
    ),
    "integrity.note": (
        "Материалы, зарегистрированные за выбранный срок. В ячейке: число · доля (95 % "
        "интервал Уилсона); в заголовке — доля по республике или области. ▲ и цвет: интервал "
        "целиком выше неё. Строки с отметками — сверху, затем по нижней границе интервала: "
        "доля нескольких материалов не поднимает строку. Спад регистраций: последние 7 дней "
        "против 28 предыдущих (критерий Пуассона). Нажмите число, чтобы увидеть материалы.",
        "Тандалган мөөнөттө катталган материалдар. Уячада: саны · үлүшү (Уилсондун 95 % "
        "интервалы); башында — республика же облус боюнча үлүш. ▲ жана түс: интервал андан "
        "толугу менен жогору. Белгиленген саптар — жогоруда, андан кийин интервалдын төмөнкү "
        "чеги боюнча. Каттоонун азайышы: акыркы 7 күн мурунку 28 күнгө каршы (Пуассон "
        "критерийи). Материалдарды көрүү үчүн санды басыңыз.",
        "Cases registered in the chosen window. A cell: count · share (95 % Wilson interval); "
        "the header: the country's or region's share. ▲ and colour: the interval lies wholly "
        "above it. Marked rows first, then by the interval's lower bound: a share of a few "
        "cases does not lift a row. Intake drop: the last 7 days against the 28 before them "
        "(Poisson test). Click a number to see its cases.",
    ),
    "integrity.group": ("Группировка", "Топтоо", "Group by"),
    "integrity.by.district": ("По районам", "Райондор боюнча", "By district"),
    "integrity.by.unit": ("По подразделениям", "Бөлүмдөр боюнча", "By unit"),
    "integrity.by.officer": ("По сотрудникам", "Кызматкерлер боюнча", "By officer"),
    "integrity.group.district": ("Район / город", "Район / шаар", "District / city"),
    "integrity.group.unit": ("Подразделение", "Бөлүм", "Unit"),
    "integrity.group.officer": ("Сотрудник", "Кызматкер", "Officer"),
    "integrity.window": ("Период", "Мезгил", "Window"),
    "integrity.window_days": (
        "За {days} дн.",
        "{days} күндө",
        "Last {days} days",
    ),
    "integrity.cases": ("Материалов", "Материалдар", "Cases"),
    "integrity.header": (
        "{signal} (ср. {reference} %)",
        "{signal} (орт. {reference} %)",
        "{signal} (ref. {reference} %)",
    ),
    "integrity.signal.late_registration": (
        "Поздняя регистрация",
        "Кеч каттоо",
        "Late registration",
    ),
    "integrity.signal.refusal": ("Отказы", "Баш тартуулар", "Refusals"),
    "integrity.signal.extension": ("Продления", "Узартуулар", "Extensions"),
    "integrity.signal.decided_late": ("Решено поздно", "Кеч чечилген", "Decided late"),
    "integrity.signal.last_day_decision": (
        "Решено в последний день",
        "Акыркы күнү чечилген",
        "Decided on the last day",
    ),
    "integrity.signal.reopened": (
        "Отменённые отказы",
        "Жокко чыгарылган баш тартуулар",
        "Refusals overturned",
    ),
    "integrity.per_10k": (
        "На 10 тыс. жителей (ср. {reference})",
        "10 миң тургунга (орт. {reference})",
        "Per 10,000 residents (ref. {reference})",
    ),
    "integrity.per_10k_plain": (
        "На 10 тыс. жителей",
        "10 миң тургунга",
        "Per 10,000 residents",
    ),
    "integrity.drop": (
        "Спад регистраций за 7 дн.",
        "7 күндөгү каттоонун азайышы",
        "Intake drop, 7 days",
    ),
    "integrity.drop_value": (
        "{mark}{recent} из ожид. {expected} · p = {p}",
        "{mark}күтүлгөн {expected} ичинен {recent} · p = {p}",
        "{mark}{recent} of {expected} expected · p = {p}",
    ),
    "integrity.recent": ("Зарегистрировано за 7 дн.", "7 күндө катталган", "Registered in 7 days"),
    "integrity.expected": (
        "Ожидалось по 28 предыдущим дням",
        "Мурунку 28 күн боюнча күтүлгөн",
        "Expected from the 28 days before",
    ),
    "integrity.ci_low": ("нижняя граница, %", "төмөнкү чеги, %", "interval low, %"),
    "integrity.ci_high": ("верхняя граница, %", "жогорку чеги, %", "interval high, %"),
    "integrity.reference": ("средняя, %", "орточо, %", "reference, %"),
    "integrity.marked": ("выше средней", "орточодон жогору", "above the reference"),
    "integrity.summary": (
        "Отмечено строк: {marked} из {rows}; сравнение — {place}",
        "Белгиленген саптар: {rows} ичинен {marked}; салыштыруу — {place}",
        "Rows marked: {marked} of {rows}; compared with: {place}",
    ),
    "integrity.cases_of": (
        "Материалы: {what} ({count})",
        "Материалдар: {what} ({count})",
        "Cases: {what} ({count})",
    ),
    "integrity.no_cases": ("Материалов нет.", "Материалдар жок.", "No cases."),
    "integrity.empty": (
        "Нет материалов за этот период",
        "Бул мезгилде материалдар жок",
        "No cases in this window",
    ),
    "integrity.forbidden": (
        "Сигналы доступны руководителям, прокурорам и администраторам.",
        "Белгилер жетекчилерге, прокурорлорго жана администраторлорго жеткиликтүү.",
        "The integrity signals are for managers, prosecutors and admins.",
    ),
    # the audit page (/audit)
    "nav.audit": ("Аудит", "Аудит", "Audit"),
    "nav.oversight": ("Контроль", "Көзөмөл", "Oversight"),
    "audit.title": ("Журнал аудита", "Аудит журналы", "Audit log"),
    "audit.forbidden": (
        "Журнал аудита доступен только прокурорам и администраторам.",
        "Аудит журналы прокурорлорго жана администраторлорго гана жеткиликтүү.",
        "The audit log is for prosecutors and administrators only.",
    ),
    "audit.col.at": ("Время", "Убакыт", "Time"),
    "audit.col.user": ("Пользователь", "Колдонуучу", "User"),
    "audit.col.action": ("Действие", "Аракет", "Action"),
    "audit.col.object": ("Объект", "Объект", "Object"),
    "audit.col.detail": ("Подробности", "Толугураак", "Details"),
    "audit.filter.user": ("Пользователь", "Колдонуучу", "User"),
    "audit.filter.since": ("С даты", "Күндөн баштап", "From"),
    "audit.filter.until": ("По дату", "Күнгө чейин", "To"),
    "audit.none": ("Записей нет", "Жазуулар жок", "No entries"),
    "audit.summary": (
        "Показано записей: {shown} (новые сверху; не более {limit})",
        "Көрсөтүлгөн жазуулар: {shown} (жаңылары үстүндө; {limit} ашык эмес)",
        "Entries shown: {shown} (newest first; at most {limit})",
    ),
    "audit.bad_dates": (
        "Дата «с» позже даты «по»: записей нет.",
        "«Күндөн» «күнгө чейинден» кеч: жазуулар жок.",
        "The start date is after the end date: no entries.",
    ),
    "audit.verified": (
        "Цепочка журнала проверена: записи по №{entry} целы (проверено {at}).",
        "Журналдын чынжыры текшерилди: №{entry} чейинки жазуулар бүтүн ({at} текшерилди).",
        "The chain is verified: entries up to no. {entry} are intact (checked {at}).",
    ),
    "audit.anchored": (
        "Внешняя привязка подтверждает записи по №{entry}.",
        "Тышкы байлоо №{entry} чейинки жазууларды ырастайт.",
        "External anchors vouch for entries up to no. {entry}.",
    ),
    "audit.no_anchors": (
        "Внешних привязок нет: полная перезапись журнала не была бы обнаружена.",
        "Тышкы байлоолор жок: журналды толук кайра жазуу байкалбай калмак.",
        "No external anchors: a rewrite of the whole log would go unnoticed.",
    ),
    "audit.anchors_unreadable": (
        "Внешние привязки прочитать не удалось; проверена только сама цепочка.",
        "Тышкы байлоолорду окуу мүмкүн болгон жок; чынжырдын өзү гана текшерилди.",
        "The external anchors could not be read; only the chain itself was checked.",
    ),
    "audit.empty_chain": (
        "Журнал пуст (проверено {at}).",
        "Журнал бош ({at} текшерилди).",
        "The log is empty (checked {at}).",
    ),
    "audit.broken": (
        "Журнал аудита нарушен на записи №{entry}.",
        "Аудит журналы №{entry} жазууда бузулган.",
        "The audit log is broken at entry no. {entry}.",
    ),
    "audit.broken_hint": (
        "Запись изменена, удалена или цепочка переписана в базе (проверено {at}); сообщите "
        "администратору безопасности.",
        "Жазуу өзгөртүлгөн, өчүрүлгөн же чынжыр базада кайра жазылган ({at} текшерилди); "
        "коопсуздук администраторуна кабарлаңыз.",
        "An entry was edited or deleted, or the chain rewritten in the database (checked {at}); "
        "tell the security administrator.",
    ),
    "audit.action.login": ("вход", "кирүү", "login"),
    "audit.action.login_failed": ("неудачный вход", "ийгиликсиз кирүү", "failed login"),
    "audit.action.logout": ("выход", "чыгуу", "logout"),
    "audit.action.flag": ("отметка прокурора", "прокурордун белгиси", "flag"),
    "audit.action.flag_comment": (
        "комментарий к отметке",
        "белгиге комментарий",
        "comment on a flag",
    ),
    "audit.action.unflag": ("снятие отметки", "белгини алып салуу", "flag cleared"),
    "audit.action.export": ("выгрузка", "жүктөп алуу", "export"),
    "audit.action.case_view": ("просмотр материала", "материалды көрүү", "case viewed"),
    "audit.action.user_add": ("пользователь создан", "колдонуучу түзүлдү", "user added"),
    "audit.action.user_disable": (
        "пользователь отключён",
        "колдонуучу өчүрүлдү",
        "user disabled",
    ),
    "audit.action.user_enable": ("пользователь включён", "колдонуучу иштетилди", "user enabled"),
    "audit.action.user_token": (
        "выдан ключ программного интерфейса",
        "программалык интерфейстин ачкычы берилди",
        "API token issued",
    ),
    "audit.action.user_set": (
        "настройки пользователя",
        "колдонуучунун жөндөөлөрү",
        "user settings changed",
    ),
    "audit.action.user_unlock": (
        "пользователь разблокирован",
        "колдонуучу кулпудан чыгарылды",
        "user unlocked",
    ),
    "audit.action.password_change": ("смена пароля", "сырсөздү өзгөртүү", "password changed"),
    "audit.action.password_reset_forced": (
        "сброс пароля",
        "сырсөздү баштапкы абалга келтирүү",
        "password reset forced",
    ),
    "audit.detail.address": ("адрес", "дарек", "address"),
    "audit.detail.by": ("кем", "ким", "by"),
    "audit.detail.comment": ("комментарий", "комментарий", "comment"),
    "audit.detail.drill": ("раздел", "бөлүм", "drill-down"),
    "audit.detail.filter": ("фильтр", "чыпка", "filter"),
    "audit.detail.flag_id": ("№ отметки", "белгинин №", "flag no."),
    "audit.detail.forced": ("принудительно", "мажбурлап", "forced"),
    "audit.detail.format": ("формат", "формат", "format"),
    "audit.detail.idle_minutes": ("простой, мин", "бош туруу, мүн", "idle minutes"),
    "audit.detail.ip": ("IP-адрес", "IP-дарек", "IP address"),
    "audit.detail.q": ("запрос", "суроо", "query"),
    "audit.detail.reason": ("причина", "себеп", "reason"),
    "audit.detail.region": ("регион", "аймак", "region"),
    "audit.detail.role": ("роль", "ролу", "role"),
    "audit.detail.rows": ("строк", "саптар", "rows"),
    "audit.detail.status": ("статус", "статус", "status"),
    "audit.detail.total": ("всего", "бардыгы", "total"),
    "audit.detail.via": ("через", "аркылуу", "via"),
    "audit.action.audit_view": (
        "просмотр журнала аудита",
        "аудит журналын көрүү",
        "audit log read",
    ),
    # the audit page's recorded values in words (components/audit.py): actions, detail names,
    # objects, and the codes recorded as values
    "audit.action.alert_raise": ("тревога поднята", "коңгуроо көтөрүлдү", "alert raised"),
    "audit.action.alert_overdue": (
        "тревога: срок истёк",
        "коңгуроо: мөөнөтү өттү",
        "alert overdue",
    ),
    "audit.action.alert_escalate": (
        "тревога эскалирована",
        "коңгуроо жогору берилди",
        "alert escalated",
    ),
    "audit.action.alert_ack": ("тревога принята", "коңгуроо кабыл алынды", "alert acknowledged"),
    "audit.action.alert_claim": (
        "тревога взята в работу",
        "коңгуроо иштөөгө алынды",
        "alert claimed",
    ),
    "audit.action.alert_close": ("тревога закрыта", "коңгуроо жабылды", "alert closed"),
    "audit.action.notify_add": ("подписка добавлена", "жазылуу кошулду", "subscription added"),
    "audit.action.notify_remove": ("подписка удалена", "жазылуу өчүрүлдү", "subscription removed"),
    "audit.detail.statuses": ("статусы", "статустар", "statuses"),
    "audit.detail.district": ("район / город", "район / шаар", "district / city"),
    "audit.detail.scope_region": ("регион доступа", "жеткиликтүү аймак", "scope region"),
    "audit.detail.category": ("категория", "категория", "category"),
    "audit.detail.kind": ("вид", "түрү", "kind"),
    "audit.detail.unit": ("подразделение", "бөлүм", "unit"),
    "audit.detail.officer": ("исполнитель", "аткаруучу", "officer"),
    "audit.detail.flagged": ("отметка прокурора", "прокурордун белгиси", "flagged"),
    "audit.detail.user": ("пользователь", "колдонуучу", "user"),
    "audit.detail.actor": ("пользователь", "колдонуучу", "user"),
    "audit.detail.before_id": ("ранее записи №", "жазуу №го чейин", "before entry no."),
    "audit.detail.reg_no": ("№ КУП", "КУП №", "reg. no."),
    "audit.detail.action": ("действие", "аракет", "action"),
    "audit.detail.since": ("с даты", "күндөн баштап", "from"),
    "audit.detail.until": ("по дату", "күнгө чейин", "to"),
    "audit.detail.limit": ("не более", "эң көп", "limit"),
    "audit.detail.offset": ("пропущено", "өткөрүлдү", "offset"),
    "audit.detail.group": ("группировка", "топтоо", "group by"),
    "audit.detail.key": ("группа", "топ", "group"),
    "audit.detail.window_days": ("окно, дней", "терезе, күн", "window, days"),
    "audit.detail.signal": ("сигнал", "белги", "signal"),
    "audit.detail.id": ("№", "№", "no."),
    "audit.detail.alert_id": ("№ тревоги", "коңгуроо №", "alert no."),
    "audit.detail.state": ("состояние", "абалы", "state"),
    "audit.detail.level": ("уровень", "деңгээл", "level"),
    "audit.detail.assignee": ("исполнитель", "аткаруучу", "assignee"),
    "audit.detail.channel": ("канал", "канал", "channel"),
    "audit.detail.target": ("объект", "объект", "object"),
    "audit.value.none": ("—", "—", "—"),
    "audit.value.all": ("все", "баары", "all"),
    "audit.format.xlsx": ("Excel", "Excel", "Excel"),
    "audit.format.csv": ("CSV", "CSV", "CSV"),
    "audit.via.api": ("программный интерфейс", "программалык интерфейс", "the API"),
    "audit.reason.ok": ("успешно", "ийгиликтүү", "success"),
    "audit.reason.bad_password": ("неверный пароль", "сырсөз туура эмес", "wrong password"),
    "audit.reason.unknown": ("нет такого пользователя", "мындай колдонуучу жок", "no such user"),
    "audit.reason.disabled": ("учётная запись отключена", "эсеп өчүрүлгөн", "account disabled"),
    "audit.reason.throttled": ("слишком много попыток", "өтө көп аракет", "too many attempts"),
    "audit.by.address": ("с этого адреса", "ушул даректен", "from this address"),
    "audit.by.account": ("для этой учётной записи", "ушул эсеп үчүн", "for this account"),
    "audit.by.spray": (
        "перебор многих учётных записей",
        "көп эсептерди тандап көрүү",
        "many accounts tried",
    ),
    "audit.object.session": ("сеанс", "сеанс", "session"),
    "audit.object.page:audit": (
        "страница «Журнал аудита»",
        "«Аудит журналы» барагы",
        "audit log page",
    ),
    "audit.object.ui:overdue": (
        "страница «Контроль сроков», просроченные",
        "«Мөөнөттөрдү көзөмөлдөө» барагы, мөөнөтү өткөндөр",
        "deadline control page, overdue",
    ),
    "audit.object.ui:due_soon": (
        "страница «Контроль сроков», срок истекает",
        "«Мөөнөттөрдү көзөмөлдөө» барагы, мөөнөтү бүтүп жатат",
        "deadline control page, due soon",
    ),
    "audit.object.ui:workload:districts": (
        "страница «Нагрузка», районы и города",
        "«Жүктөм» барагы, райондор жана шаарлар",
        "workload page, districts",
    ),
    "audit.object.ui:workload:units": (
        "страница «Нагрузка», подразделения",
        "«Жүктөм» барагы, бөлүмдөр",
        "workload page, units",
    ),
    "audit.object.ui:workload:officers": (
        "страница «Нагрузка», сотрудники",
        "«Жүктөм» барагы, кызматкерлер",
        "workload page, officers",
    ),
    "audit.object.ui:workload:cases": (
        "страница «Нагрузка», материалы исполнителя",
        "«Жүктөм» барагы, аткаруучунун материалдары",
        "workload page, officer's cases",
    ),
    "audit.object.ui:integrity": ("страница «Сигналы»", "«Белгилер» барагы", "integrity page"),
    "audit.object.api:cases": (
        "программный интерфейс: материалы",
        "программалык интерфейс: материалдар",
        "API: cases",
    ),
    "audit.object.api:search": (
        "программный интерфейс: поиск",
        "программалык интерфейс: издөө",
        "API: search",
    ),
    "audit.object.api:integrity": (
        "программный интерфейс: сигналы",
        "программалык интерфейс: белгилер",
        "API: integrity",
    ),
    "audit.object.api:audit": (
        "программный интерфейс: журнал аудита",
        "программалык интерфейс: аудит журналы",
        "API: audit log",
    ),
    "audit.object.cli export": (
        "выгрузка из командной строки",
        "буйрук сабынан жүктөп алуу",
        "command-line export",
    ),
    # looking back (as_of): the banner, the badge, the live page's time control
    "as_of.banner": (
        "Состояние на {time} — данные не обновляются",
        "{time} абалы — маалыматтар жаңыланбайт",
        "State at {time} — not updating",
    ),
    "as_of.badge": ("на {time}", "{time} абалы", "at {time}"),
    "as_of.back": ("Вернуться к текущему состоянию", "Азыркы абалга кайтуу", "Back to now"),
    "as_of.invalid": (
        "Время «{value}» не распознано (нужно, например, 2026-03-11T14:05:00+06:00): "
        "показано текущее состояние",
        "«{value}» убактысы таанылган жок (мисалы, 2026-03-11T14:05:00+06:00 керек): "
        "азыркы абал көрсөтүлдү",
        "The time «{value}» was not understood (say 2026-03-11T14:05:00+06:00): showing now",
    ),
    "as_of.read_only": (
        "Это прошлое состояние: изменения вносятся только в текущем.",
        "Бул мурунку абал: өзгөртүүлөр азыркы абалда гана киргизилет.",
        "This is a past state: changes are made in the present only.",
    ),
    "as_of.control": ("Назад во времени", "Убакытта артка", "Back in time"),
    "as_of.now": ("сейчас", "азыр", "now"),
    "as_of.hours": ("−{hours} ч", "−{hours} с", "−{hours} h"),
}
# notifications off-screen (components/notifications.py, the page /account/notifications)
_TABLE.update(
    {
        "notify.prefix": ("КУП", "КУП", "KUP"),
        "notify.more": ("…и ещё {count}", "…жана дагы {count}", "…and {count} more"),
        "notify.footer": (
            "Подписка настраивается на странице «Уведомления» консоли КУП.",
            "Жазылуу КУП консолунун «Билдирмелер» барагында өзгөртүлөт.",
            "Manage this subscription on the KUP console's Notifications page.",
        ),
        "nav.notifications": ("Уведомления", "Билдирмелер", "Notifications"),
        "notify.page.intro": (
            "Сообщения о событиях по материалам вашего региона — на почту или веб-хук.",
            "Сиздин аймактын материалдары боюнча окуялар тууралуу кабарлар — почтага же веб-хукка.",
            "Messages about events of your region's cases, by e-mail or webhook.",
        ),
        "notify.page.none": ("Подписок нет.", "Жазылуулар жок.", "No subscriptions."),
        "notify.page.add": ("Добавить подписку", "Жазылуу кошуу", "Add a subscription"),
        "notify.page.remove": ("Удалить", "Өчүрүү", "Remove"),
        "notify.page.channel": ("Канал", "Канал", "Channel"),
        "notify.page.target": ("Адрес", "Дарек", "Address"),
        "notify.page.target_hint": (
            "Адрес почты или веб-адрес веб-хука",
            "Почта дареги же веб-хуктун веб-дареги",
            "An e-mail address or a webhook URL (https://…)",
        ),
        "notify.page.region": ("Регион", "Аймак", "Region"),
        "notify.page.all_regions": ("Все регионы", "Бардык аймактар", "All regions"),
        "notify.page.events": ("События", "Окуялар", "Events"),
        "notify.page.added": ("Подписка добавлена.", "Жазылуу кошулду.", "Subscription added."),
        "notify.page.secret": (
            "Секрет подписи веб-хука (показан один раз): {secret}",
            "Веб-хуктун кол коюу сыры (бир жолу көрсөтүлөт): {secret}",
            "The webhook's signing secret (shown once): {secret}",
        ),
        "notify.page.removed": ("Подписка удалена.", "Жазылуу өчүрүлдү.", "Subscription removed."),
        "notify.page.error": ("Не удалось: {error}", "Болбоду: {error}", "Failed: {error}"),
        "notify.channel.email": ("Почта", "Почта", "E-mail"),
        "notify.channel.webhook": ("Веб-хук", "Веб-хук", "Webhook"),
        "notify.kind.overdue": ("Просрочен", "Мөөнөтү өттү", "Overdue"),
        "notify.kind.escalated": ("Эскалация", "Эскалация", "Escalated"),
        "notify.kind.flagged": ("Отмечен прокурором", "Прокурор белгиледи", "Flagged"),
        "notify.kind.acknowledged": (
            "Тревога принята",
            "Тревога кабыл алынды",
            "Alert acknowledged",
        ),
    }
)
_COLUMN = {"ru": 0, "ky": 1, "en": 2}

# Counted phrases: per language, a text per CLDR plural category (babel's Locale.plural_form:
# Russian one/few/many/other, Kyrgyz and English one/other); {count} is the number as the
# language writes it. Kyrgyz nouns keep their form after a number.
_PLURALS: dict[str, tuple[dict[str, str], dict[str, str], dict[str, str]]] = {
    "live.new_since": (
        {
            "one": "{count} новая регистрация с открытия страницы",
            "few": "{count} новые регистрации с открытия страницы",
            "many": "{count} новых регистраций с открытия страницы",
            "other": "{count} новой регистрации с открытия страницы",
        },
        {
            "one": "барак ачылгандан бери {count} жаңы каттоо",
            "other": "барак ачылгандан бери {count} жаңы каттоо",
        },
        {
            "one": "{count} new registration since this page opened",
            "other": "{count} new registrations since this page opened",
        },
    ),
    "overdue.newly": (
        {
            "one": "{count} материал только что просрочен",
            "few": "{count} материала только что просрочены",
            "many": "{count} материалов только что просрочены",
            "other": "{count} материала только что просрочены",
        },
        {
            "one": "{count} материалдын мөөнөтү жаңы эле өттү",
            "other": "{count} материалдын мөөнөтү жаңы эле өттү",
        },
        {
            "one": "{count} case just became overdue",
            "other": "{count} cases just became overdue",
        },
    ),
    "daily.registered_total": (
        {
            "one": "{count} регистрация за сутки",
            "few": "{count} регистрации за сутки",
            "many": "{count} регистраций за сутки",
            "other": "{count} регистрации за сутки",
        },
        {"one": "суткада {count} каттоо", "other": "суткада {count} каттоо"},
        {"one": "{count} registration in the day", "other": "{count} registrations in the day"},
    ),
}

# notifications: a message's subject, one phrase per kind
_PLURALS.update(
    {
        "notify.subject.overdue": (
            {
                "one": "{count} материал просрочен",
                "few": "{count} материала просрочено",
                "many": "{count} материалов просрочено",
                "other": "{count} материала просрочено",
            },
            {
                "one": "{count} материалдын мөөнөтү өттү",
                "other": "{count} материалдын мөөнөтү өттү",
            },
            {"one": "{count} case overdue", "other": "{count} cases overdue"},
        ),
        "notify.subject.escalated": (
            {
                "one": "{count} материал эскалирован",
                "few": "{count} материала эскалировано",
                "many": "{count} материалов эскалировано",
                "other": "{count} материала эскалировано",
            },
            {"one": "{count} материал эскалацияланды", "other": "{count} материал эскалацияланды"},
            {"one": "{count} case escalated", "other": "{count} cases escalated"},
        ),
        "notify.subject.flagged": (
            {
                "one": "{count} материал отмечен прокурором",
                "few": "{count} материала отмечено прокурором",
                "many": "{count} материалов отмечено прокурором",
                "other": "{count} материала отмечено прокурором",
            },
            {
                "one": "{count} материалды прокурор белгиледи",
                "other": "{count} материалды прокурор белгиледи",
            },
            {"one": "{count} case flagged", "other": "{count} cases flagged"},
        ),
        "notify.subject.acknowledged": (
            {
                "one": "{count} тревога принята",
                "few": "{count} тревоги приняты",
                "many": "{count} тревог приняты",
                "other": "{count} тревоги приняты",
            },
            {"one": "{count} кабар ишке алынды", "other": "{count} кабар ишке алынды"},
            {"one": "{count} alert acknowledged", "other": "{count} alerts acknowledged"},
        ),
    }
)


def normalize_lang(lang: str | None) -> str:
    """A supported language code (Russian for anything else)."""
    return lang if lang in _COLUMN else DEFAULT_LANG


@lru_cache(maxsize=len(LANGUAGES) + 1)
def locale(lang: str | None) -> Locale:
    """Babel's CLDR locale of a page language (its plural rules, number and date formats)."""
    return Locale.parse(normalize_lang(lang))


def number_text(value: int | float | Decimal, lang: str | None, exact: bool = False) -> str:
    """A number as `lang` writes it: digits grouped ("12 345" with a no-break space in Russian
    and Kyrgyz, "12,345" in English) and its decimal sign ("21,3" / "21.3"); to three
    decimals, or every decimal it has when `exact` (coordinates)."""
    return format_decimal(value, locale=locale(lang), decimal_quantization=not exact)


def percent_text(share: float, lang: str | None, digits: int = 1) -> str:
    """A share (0.213) as a percentage to at most `digits` decimals in the language's own
    pattern: "21,3 %" (Russian), "21,3%" (Kyrgyz), "21.3%" (English)."""
    rounded = round(Decimal(str(share)) * 100, digits) / 100
    return format_percent(rounded.normalize(), locale=locale(lang), decimal_quantization=False)


def number_separators(lang: str | None) -> tuple[str, str]:
    """(decimal sign, digit group separator) of `lang` (for charts that format numbers)."""
    return get_decimal_symbol(locale(lang)), get_group_symbol(locale(lang))


def _shown(value: object, lang: str | None) -> object:
    """A placeholder's value as text: whole numbers grouped the language's way."""
    if isinstance(value, int) and not isinstance(value, bool):
        return number_text(value, lang)
    return value


def t(key: str, lang: str | None = DEFAULT_LANG, **params: object) -> str:
    """The text of `key` in `lang`, with `{name}` placeholders filled from `params` (whole
    numbers written as the language writes them: "1 234" in Russian)."""
    entry = _TABLE.get(key)
    if entry is None:
        text = key
    else:
        text = entry[_COLUMN[normalize_lang(lang)]] or entry[0]
    if not params:
        return text
    return text.format(**{name: _shown(value, lang) for name, value in params.items()})


def _plural_form(key: str, count: int, lang: str | None) -> str:
    forms = _PLURALS[key][_COLUMN[normalize_lang(lang)]]
    return forms.get(locale(lang).plural_form(count)) or forms["other"]


def plural(key: str, count: int, lang: str | None) -> str:
    """The counted phrase `key` for `count` in `lang`, by the language's CLDR plural rules:
    "1 новая регистрация…", "2 новые регистрации…", "5 новых регистраций…"."""
    return _plural_form(key, count, lang).format(count=number_text(count, lang))


def plural_parts(key: str, count: int, lang: str | None) -> tuple[str, str, str]:
    """The counted phrase split around its number: (before, number, after), for a page that
    shows the number apart (bold)."""
    before, _, after = _plural_form(key, count, lang).partition("{count}")
    return before, number_text(count, lang), after


def grid_locale(lang: str | None, empty_key: str) -> dict[str, str]:
    """AG Grid's `localeText` in `lang`, with `empty_key`'s text for a grid with no rows."""
    words = {key.removeprefix("grid."): t(key, lang) for key in _TABLE if key.startswith("grid.")}
    words.update(noRowsToShow=t(empty_key, lang), loadingOoo=t("loading", lang))
    return words


def chart_locale(lang: str | None) -> dict[str, object]:
    """Plotly's locale for `lang` (a chart config's `locales` entry): the dictionary of
    Plotly's own words (the mode bar's buttons) and the number separators."""
    words = {
        key.removeprefix("plotly."): t(key, lang) for key in _TABLE if key.startswith("plotly.")
    }
    decimal, group = number_separators(lang)
    return {"dictionary": words, "format": {"decimal": decimal, "thousands": group}}


def has(key: str) -> bool:
    """Whether the table has words for `key`."""
    return key in _TABLE


def label(prefix: str, code: str | None, lang: str | None) -> str:
    """The label of a code (category, kind, status, decision, event, role, source…); the code
    itself when the table has none (e.g. a value a newer registry sends)."""
    if not code:
        return ""
    key = f"{prefix}.{code}"
    return t(key, lang) if key in _TABLE else code


def district_name(soate: str | None, lang: str | None) -> str:
    """A district's name in `lang` (its code when unknown)."""
    district = load_geography().districts.get(soate or "")
    return district.name(normalize_lang(lang)) if district else (soate or "")


def region_name(code: str | None, lang: str | None) -> str:
    """A region's name in `lang` (its ISO code when unknown)."""
    region = load_geography().regions.get(code or "")
    if region is None:
        return code or ""
    return {"ky": region.name_ky, "en": region.name_en}.get(normalize_lang(lang), region.name_ru)


def duration_text(delta: timedelta, lang: str | None) -> str:
    """A short human duration: "3 д 4 ч", "5 ч 10 мин", "12 мин" (absolute value)."""
    minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    d, h, m = t("unit.day", lang), t("unit.hour", lang), t("unit.minute", lang)
    if days:
        return f"{days} {d} {hours} {h}"
    if hours:
        return f"{hours} {h} {mins} {m}"
    return f"{mins} {m}"
