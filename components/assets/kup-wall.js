/* The wall screen (/wall, components/wall.py): its clock and its tone.
 *
 * The clock: the element #wall-clock, when the page shows it, gets the date and time of the
 * console's timezone (its data-tz) as the page's language writes them (its data-locales), every
 * second, in the browser (no request). The tone: a short two-note chime drawn with the Web Audio API (no
 * audio file), played when a case newly needs attention and the wall's sound is on. Browsers
 * start audio only after a click on the page: the sound switch is that click
 * (`kupWall.enable`). `kupWall.tone` returns how many tones the page played (the wall's
 * data-tones: the browser tests read it).
 */
(function () {
    "use strict";

    var audio = null;
    var tones = 0;
    var enabled = false;

    function chime() {
        if (!audio) return;
        var start = audio.currentTime + 0.02;
        [880, 660].forEach(function (frequency, i) {
            var oscillator = audio.createOscillator();
            var gain = audio.createGain();
            var at = start + i * 0.22;
            oscillator.type = "sine";
            oscillator.frequency.value = frequency;
            gain.gain.setValueAtTime(0.0001, at);
            gain.gain.exponentialRampToValueAtTime(0.4, at + 0.02);
            gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.2);
            oscillator.connect(gain).connect(audio.destination);
            oscillator.start(at);
            oscillator.stop(at + 0.22);
        });
    }

    window.kupWall = {
        enable: function (on) {
            enabled = on;
            if (!on) return "off";
            var Context = window.AudioContext || window.webkitAudioContext;
            if (!audio && Context) audio = new Context();
            if (audio && audio.state === "suspended") audio.resume();
            chime();
            return "on";
        },
        tone: function () {
            if (!enabled) return tones;
            chime();
            tones += 1;
            return tones;
        },
    };

    function tick() {
        var clock = document.getElementById("wall-clock");
        if (!clock) return;
        var locales = (clock.getAttribute("data-locales") || "ru").split(",");
        var zone = clock.getAttribute("data-tz") || "Asia/Bishkek";
        var now = new Date();
        var time = now.toLocaleTimeString(locales, {
            timeZone: zone, hour: "2-digit", minute: "2-digit", second: "2-digit"});
        var day = now.toLocaleDateString(locales, {
            timeZone: zone, weekday: "short", day: "numeric", month: "long"});
        var parts = [[".kup-wall-date", day], [".kup-wall-time", time]];
        parts.forEach(function (part) {
            var element = clock.querySelector(part[0]);
            if (element && element.textContent !== part[1]) element.textContent = part[1];
        });
    }

    setInterval(tick, 1000);
    document.addEventListener("DOMContentLoaded", tick);
})();
