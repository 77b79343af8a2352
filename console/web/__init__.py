"""The web console: one Flask server carrying the Dash pages, the JSON API, Socket.IO pushes,
`/healthz` and `/metrics`. Build it with `console.web.app.create_app`, run it with
`console.web.server.serve`; pages reach the request's user with `console.web.auth.current_viewer`
and the stores with `console.web.state.web_state`."""
