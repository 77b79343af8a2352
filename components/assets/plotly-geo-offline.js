/* The live map draws only the shipped district outlines on an invisible geo basemap, yet
   plotly.js still asks for its world topojson (from a CDN) before drawing. Seed plotly's
   topojson cache with an empty topology so that it never goes to the network. */
(function () {
    var assets = window.PlotlyGeoAssets = window.PlotlyGeoAssets || {topojson: {}};
    assets.topojson = assets.topojson || {};
    var empty = {type: 'Topology', objects: {}, arcs: [],
                 transform: {scale: [1, 1], translate: [0, 0]}};
    ['world_110m', 'world_50m'].forEach(function (name) {
        if (!assets.topojson[name]) { assets.topojson[name] = empty; }
    });
})();
