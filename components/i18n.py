"""The console's words in Russian (default), Kyrgyz and English.

A pure message table rather than gettext catalogs: Dash callbacks receive the page language as
an input (a browser-side store), not through a Flask request locale, and the table keeps the
three languages side by side where a reviewer can check them. A Kyrgyz label that is missing
falls back to Russian (which every Kyrgyz-speaking officer reads), an English one to the key.
"""

from __future__ import annotations

from datetime import timedelta

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
    "dead.source_id": ("ID записи", "", "Entry id"),
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
    "live.new_since": (
        "новых с открытия страницы",
        "барак ачылгандан бери жаңы",
        "new since this page opened",
    ),
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
        "Нажмите на район, чтобы открыть его нагрузку.",
        "Жүктөмүн ачуу үчүн районду басыңыз.",
        "Click a district to open its workload.",
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
    "overdue.newly": (
        "Только что просрочены: {count}",
        "Жаңы эле мөөнөтү өттү: {count}",
        "Just became overdue: {count}",
    ),
    "export.csv": ("Выгрузить CSV", "CSV жүктөп алуу", "Export CSV"),
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
    "flag.cleared_by": ("снята: {by}, {at}", "алынды: {by}, {at}", "cleared: {by}, {at}"),
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
    "authority.head": ("начальник органа", "органдын башчысы", "head of the body"),
    "authority.prosecutor": ("прокурор", "прокурор", "prosecutor"),
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
    "unit.day": ("д", "к", "d"),
    "unit.hour": ("ч", "с", "h"),
    "unit.minute": ("мин", "мүн", "min"),
    "yes": ("да", "ооба", "yes"),
    "no": ("нет", "жок", "no"),
}
_COLUMN = {"ru": 0, "ky": 1, "en": 2}


def normalize_lang(lang: str | None) -> str:
    """A supported language code (Russian for anything else)."""
    return lang if lang in _COLUMN else DEFAULT_LANG


def t(key: str, lang: str | None = DEFAULT_LANG, **params: object) -> str:
    """The text of `key` in `lang`, with `{name}` placeholders filled from `params`."""
    entry = _TABLE.get(key)
    if entry is None:
        text = key
    else:
        text = entry[_COLUMN[normalize_lang(lang)]] or entry[0]
    return text.format(**params) if params else text


def grid_locale(lang: str | None, empty_key: str) -> dict[str, str]:
    """AG Grid's `localeText` in `lang`, with `empty_key`'s text for a grid with no rows."""
    words = {key.removeprefix("grid."): t(key, lang) for key in _TABLE if key.startswith("grid.")}
    words.update(noRowsToShow=t(empty_key, lang), loadingOoo=t("loading", lang))
    return words


def has(key: str) -> bool:
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
