/* Accessibility repairs of two third-party widgets whose markup no option configures.
 *
 * 1. Dash 4's dcc.Dropdown keeps its keyboard tab stop on an invisible <input aria-hidden="true">
 *    that hands focus on to the real button (axe: aria-hidden-focus, a focusable element hidden
 *    from screen readers), and names the button by its value alone, so its <label> is never
 *    read. Here the input is hidden for good, the button itself is the tab stop, and the
 *    button is named by its label and then its value ("Region: All"). Its open list, a
 *    dialog whose options are <label role="option"> elements around the radio inputs that
 *    the arrow keys focus (axe: nested-interactive), becomes a radio group named by the
 *    label, of radios named by their options' text.
 * 2. dash-bootstrap-components 2's dbc.Tabs give every tab the same id and an aria-controls
 *    naming a panel "...-tabpane-null" that does not exist (axe: aria-valid-attr-value), no
 *    aria-selected, and tabindex -1 on every tab (none reachable by keyboard). Here each tab
 *    gets the id its panel's aria-labelledby names and the panel's id as aria-controls, says
 *    whether it is selected, the selected tab is the tab stop, and the arrow keys, Home and
 *    End move to another tab and open it.
 *
 * 3. Dash 4's dcc.Slider names its thumb (role="slider") by nothing (axe: aria-input-field-name)
 *    and takes no option for it. Here the thumb of a slider whose id a <label for> names is
 *    named by that label.
 *
 * Only attributes React does not change after the first render are touched, after every
 * change of the page (once per frame). tests/browser/test_accessibility.py runs axe-core on
 * every page; it fails if a Dash or dbc upgrade changes this markup so the repair no longer
 * applies.
 */
(function () {
    "use strict";

    function set(element, name, value) {
        if (element.getAttribute(name) !== value) element.setAttribute(name, value);
    }

    function labelOf(button) {
        return button && button.id
            ? document.querySelector('label[for="' + CSS.escape(button.id) + '"]')
            : null;
    }

    function repairDropdowns() {
        document.querySelectorAll(".dash-dropdown-focus-target").forEach(function (input) {
            if (!input.hidden) input.hidden = true;
        });
        document.querySelectorAll("button.dash-dropdown").forEach(function (button) {
            set(button, "tabindex", "0");
            var label = labelOf(button);
            if (!label) return;
            if (!label.id) label.id = button.id + "-label";
            var names = (button.getAttribute("aria-labelledby") || "").split(" ").filter(Boolean);
            if (names[0] !== label.id) {
                set(button, "aria-labelledby", [label.id].concat(names).join(" "));
            }
        });
    }

    function repairOpenLists() {
        document.querySelectorAll(".dash-dropdown-content[id]").forEach(function (popup) {
            var button = document.querySelector(
                'button.dash-dropdown[aria-controls="' + CSS.escape(popup.id) + '"]'
            );
            var label = labelOf(button);
            if (button) set(button, "aria-haspopup", "dialog");
            if (label && label.id) set(popup, "aria-labelledby", label.id);
            // Each option is a <label role="option"> around the radio input that the list's
            // arrow keys focus: an interactive control inside another. The radios are the
            // controls (named by their labels, checked when chosen): the list becomes their
            // radio group, the labels plain labels.
            popup.querySelectorAll('[role="listbox"]').forEach(function (list) {
                set(list, "role", "radiogroup");
                if (label && label.id) set(list, "aria-labelledby", label.id);
            });
            popup.querySelectorAll('label[role="option"], label[aria-selected]').forEach(
                function (option) {
                    option.removeAttribute("role");
                    option.removeAttribute("aria-selected");
                }
            );
        });
    }

    function tabsOf(list) {
        return Array.prototype.slice.call(list.querySelectorAll('[role="tab"]'));
    }

    function repairTabs() {
        document.querySelectorAll('[role="tablist"]').forEach(function (list) {
            var content = list.nextElementSibling;
            if (!content || !content.classList.contains("tab-content")) return;
            var panels = Array.prototype.filter.call(content.children, function (child) {
                return child.getAttribute("role") === "tabpanel";
            });
            tabsOf(list).forEach(function (tab, index) {
                var panel = panels[index];
                if (!panel || !panel.id) return;
                var selected = tab.classList.contains("active");
                set(tab, "id", panel.getAttribute("aria-labelledby") || panel.id + "-tab");
                set(tab, "aria-controls", panel.id);
                set(tab, "aria-selected", String(selected));
                set(tab, "tabindex", selected ? "0" : "-1");
            });
        });
    }

    function repairSliders() {
        document.querySelectorAll(".dash-slider-container[id]").forEach(function (slider) {
            var label = document.querySelector('label[for="' + CSS.escape(slider.id) + '"]');
            if (!label) return;
            if (!label.id) label.id = slider.id + "-label";
            slider.querySelectorAll('[role="slider"]').forEach(function (thumb) {
                set(thumb, "aria-labelledby", label.id);
            });
        });
    }

    var KEYS = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };

    document.addEventListener("keydown", function (event) {
        var tab = event.target;
        var list = tab.getAttribute && tab.getAttribute("role") === "tab" && tab.closest('[role="tablist"]');
        if (!list) return;
        var tabs = tabsOf(list);
        var index = tabs.indexOf(tab);
        var next;
        if (event.key in KEYS) next = (index + KEYS[event.key] + tabs.length) % tabs.length;
        else if (event.key === "Home") next = 0;
        else if (event.key === "End") next = tabs.length - 1;
        else if (event.key === " ") next = index;
        else return;
        event.preventDefault();
        tabs[next].focus();
        tabs[next].click();
    });

    var scheduled = false;

    function repair() {
        scheduled = false;
        repairDropdowns();
        repairOpenLists();
        repairTabs();
        repairSliders();
    }

    new MutationObserver(function () {
        if (!scheduled) {
            scheduled = true;
            window.requestAnimationFrame(repair);
        }
    }).observe(document.documentElement, {
        childList: true,
        subtree: true,
        attributes: true,
        attributeFilter: ["class", "aria-selected"],
    });
})();
