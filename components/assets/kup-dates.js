/* The calendar of Dash 4's dcc.DatePickerSingle knows English only: its weekday names ("Mo",
 * "Tu", ...) and its buttons' names ("Previous month", "Next month", "Close calendar", the year's
 * "Decrease value" and "Increase value"); the
 * date it shows follows display_format (components.common.date_field: "DD.MM.YYYY" in Russian
 * and Kyrgyz). Here the open calendar of a picker on a Russian or Kyrgyz page (its class
 * kup-date-ru or kup-date-ky) names the weekdays as the language does (the browser's Intl,
 * CLDR) and its buttons in the language. The calendar lies in a portal outside the picker, so
 * the language is the open picker's. React writes these texts again only when they change, so
 * once written they stay. tests/browser/test_daily_summary_page.py checks it; the
 * wrapper's ARIA is repaired too (below), which tests/browser/test_accessibility.py checks.
 */
(function () {
    "use strict";

    var WORDS = {
        ru: {
            "Previous month": "Предыдущий месяц",
            "Next month": "Следующий месяц",
            "Close calendar": "Закрыть календарь",
            "Decrease value": "Предыдущий год",
            "Increase value": "Следующий год",
        },
        ky: {
            "Previous month": "Мурунку ай",
            "Next month": "Кийинки ай",
            "Close calendar": "Календарды жабуу",
            "Decrease value": "Мурунку жыл",
            "Increase value": "Кийинки жыл",
        },
    };
    var ENGLISH_DAYS = ["Su", "Mo", "Tu", "We", "Th", "Fr", "Sa"];
    var SUNDAY = new Date(2026, 0, 4); // (a Sunday)

    function openLanguage() {
        var open = document.querySelector(".kup-date[data-state='open']");
        var match = open && /\bkup-date-([a-z]+)\b/.exec(open.className);
        return match && WORDS[match[1]] ? match[1] : null;
    }

    // The picker's wrapper, a <div> without a role, says whether the calendar is open
    // (aria-expanded, aria-haspopup), which a <div> may not (axe: aria-allowed-attr, critical);
    // its input, the field a user types into and opens the calendar from, becomes a combobox
    // that says so instead (the ARIA date picker pattern).
    function repairWrappers() {
        document.querySelectorAll(".kup-date").forEach(function (wrapper) {
            var input = wrapper.querySelector("input");
            if (!input) {
                return;
            }
            var open = wrapper.getAttribute("data-state") === "open" ? "true" : "false";
            if (input.getAttribute("role") !== "combobox") {
                input.setAttribute("role", "combobox");
                input.setAttribute("aria-haspopup", "dialog");
            }
            if (input.getAttribute("aria-expanded") !== open) {
                input.setAttribute("aria-expanded", open);
            }
            if (wrapper.hasAttribute("aria-expanded")) {
                wrapper.removeAttribute("aria-expanded");
            }
            if (wrapper.hasAttribute("aria-haspopup")) {
                wrapper.removeAttribute("aria-haspopup");
            }
        });
    }

    function repair() {
        repairWrappers();
        var lang = openLanguage();
        if (!lang) {
            return;
        }
        var names = new Intl.DateTimeFormat(lang, { weekday: "short" });
        document.querySelectorAll(".dash-datepicker-calendar th span").forEach(function (span) {
            var day = ENGLISH_DAYS.indexOf(span.textContent);
            if (day >= 0) {
                var date = new Date(SUNDAY);
                date.setDate(SUNDAY.getDate() + day);
                span.textContent = names.format(date).replace(/\.$/, "");
            }
        });
        var calendar = document.querySelector(".dash-datepicker-calendar");
        var root = calendar && calendar.closest("[data-radix-popper-content-wrapper]");
        Object.keys(WORDS[lang]).forEach(function (english) {
            (root || document).querySelectorAll("[aria-label='" + english + "']").forEach(function (el) {
                el.setAttribute("aria-label", WORDS[lang][english]);
            });
        });
    }

    var pending = false;
    new MutationObserver(function () {
        if (!pending) {
            pending = true;
            requestAnimationFrame(function () {
                pending = false;
                repair();
            });
        }
    }).observe(document.documentElement, { childList: true, subtree: true, attributes: true, attributeFilter: ["aria-expanded", "data-state"] });
})();
