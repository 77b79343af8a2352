/* Printing (components/printing.py, the print styles in kup.css): when the page is printed,
   the print-only header gets the moment of printing, in the console's time zone and written as
   the page's language writes it ("01.12.2026, 14:05"); the grids lay out every row (AG Grid's
   auto-height layout: its print layout would widen them past the paper) instead of the rows
   their box shows, and go back to their own layout after. */
(function () {
    'use strict';

    function stamp() {
        var now = new Date();
        document.querySelectorAll('.kup-print-header .kup-print-time').forEach(function (el) {
            var locales = (el.getAttribute('data-locales') || '').split(',').filter(Boolean);
            var zone = el.getAttribute('data-tz') || undefined;
            try {
                el.textContent = now.toLocaleDateString(locales, {
                    timeZone: zone, year: 'numeric', month: 'numeric', day: 'numeric'
                }) + ', ' + now.toLocaleTimeString(locales, {timeZone: zone, timeStyle: 'short'});
            } catch (e) { /* keep the time the server wrote */ }
        });
    }

    function layOut(printing) {
        var grids = window.dash_ag_grid && window.dash_ag_grid.getApi;
        if (!grids) { return; }
        document.querySelectorAll('.kup-grid-fit[id]').forEach(function (el) {
            var api;
            try { api = window.dash_ag_grid.getApi(el.id); } catch (e) { return; }
            if (!api || api.isDestroyed()) { return; }
            if (printing) {
                if (!el.hasAttribute('data-kup-layout')) {
                    el.setAttribute('data-kup-layout', api.getGridOption('domLayout') || 'normal');
                }
                api.setGridOption('domLayout', 'autoHeight');
            } else if (el.hasAttribute('data-kup-layout')) {
                api.setGridOption('domLayout', el.getAttribute('data-kup-layout'));
                el.removeAttribute('data-kup-layout');
            }
        });
    }

    function printing(on) {
        if (on) { stamp(); }
        layOut(on);
    }

    window.addEventListener('beforeprint', function () { printing(true); });
    window.addEventListener('afterprint', function () { printing(false); });
    var media = window.matchMedia && window.matchMedia('print');
    if (media && media.addEventListener) {
        media.addEventListener('change', function (event) { printing(event.matches); });
    }
}());
