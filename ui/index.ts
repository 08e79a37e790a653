// The gamelake UI: server-rendered pages of the marts, the pipeline's health and the Steam mirror (Hono),
// charts drawn in the browser with Observable Plot. It reads through the warehouse's named queries and its
// read-only sandbox, the same as `gamelake query` and `gamelake sql`.
export { createUiApp, serveUi, DEFAULT_UI_PORT, type ServedUi } from './server.ts';
export type { UiDeps } from './context.ts';
