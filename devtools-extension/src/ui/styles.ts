/**
 * The panel's stylesheet, inserted as the text of one <style> element inside the panel's root so the inline overlay
 * (in a shadow root) and the DevTools panel look the same. Colours follow DevTools' light and dark themes.
 */
export const PANEL_CSS = `
.okp-root {
  --bg: #ffffff; --bg-alt: #f3f3f3; --bg-sel: #cfe8fc; --fg: #1f1f1f; --fg-dim: #5f6368; --border: #d0d0d0;
  --accent: #1a73e8; --ok: #188038; --warn: #b06000; --err: #c5221f; --conflict: #8430ce; --diff: #fff3c4;
  --focus: #1a73e8;
  /* The accent as text on the tab strip: #1a73e8 on #f3f3f3 is 4.06:1, below WCAG AA's 4.5:1. */
  --accent-text: #1558b0;
  font: 12px/1.4 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;
  color: var(--fg); background: var(--bg); height: 100%; display: flex; flex-direction: column; box-sizing: border-box;
}
.okp-root[data-theme='dark'] {
  --bg: #202124; --bg-alt: #292a2d; --bg-sel: #0d3a63; --fg: #e8eaed; --fg-dim: #9aa0a6; --border: #3c4043;
  --accent: #8ab4f8; --ok: #81c995; --warn: #fdd663; --err: #f28b82; --conflict: #d7aefb; --diff: #4a3f12;
  --focus: #8ab4f8; --accent-text: #8ab4f8;
}
@media (prefers-color-scheme: dark) {
  .okp-root[data-theme='auto'] {
    --bg: #202124; --bg-alt: #292a2d; --bg-sel: #0d3a63; --fg: #e8eaed; --fg-dim: #9aa0a6; --border: #3c4043;
    --accent: #8ab4f8; --ok: #81c995; --warn: #fdd663; --err: #f28b82; --conflict: #d7aefb; --diff: #4a3f12;
    --focus: #8ab4f8; --accent-text: #8ab4f8;
  }
}
.okp-root *, .okp-root *::before, .okp-root *::after { box-sizing: border-box; }
.okp-root :focus-visible { outline: 2px solid var(--focus); outline-offset: 1px; }
.okp-header { display: flex; align-items: center; gap: 8px; padding: 4px 8px; border-bottom: 1px solid var(--border); background: var(--bg-alt); }
.okp-title { font-weight: 600; }
.okp-dim { color: var(--fg-dim); }
.okp-spacer { flex: 1; }
.okp-chip { padding: 1px 6px; border-radius: 8px; border: 1px solid var(--border); white-space: nowrap; }
.okp-chip[data-kind='ok'] { color: var(--ok); border-color: var(--ok); }
.okp-chip[data-kind='warn'] { color: var(--warn); border-color: var(--warn); }
.okp-chip[data-kind='err'] { color: var(--err); border-color: var(--err); }
.okp-tabs { display: flex; flex-wrap: wrap; gap: 0; border-bottom: 1px solid var(--border); background: var(--bg-alt); padding: 0 4px; }
.okp-root .okp-tab { background: none; border: none; border-bottom: 2px solid transparent; color: var(--fg); padding: 5px 10px; cursor: pointer; font: inherit; white-space: nowrap; }
/* A phone: the tabs wrap to a second row rather than run off the edge (the last one, Network, was cut). */
@media (max-width: 480px) { .okp-root .okp-tab { padding: 5px 7px; } }
.okp-root .okp-tab[aria-selected='true'] { border-bottom-color: var(--accent); color: var(--accent-text); }
.okp-badge { margin-left: 4px; padding: 0 5px; border-radius: 8px; background: var(--accent-text); color: var(--bg); font-size: 12px; }
.okp-main { flex: 1; min-height: 0; display: flex; flex-direction: column; overflow: hidden; container-type: inline-size; }
.okp-view { flex: 1; min-height: 0; display: flex; flex-direction: column; padding: 6px 8px; gap: 6px; overflow: auto; }
.okp-toolbar { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; }
.okp-split { flex: 1; min-height: 0; display: flex; gap: 8px; }
.okp-split > .okp-pane { flex: 1; min-width: 0; min-height: 0; display: flex; flex-direction: column; gap: 6px; overflow: auto; }
.okp-split > .okp-pane.okp-narrow { flex: 0 0 200px; }
/* DevTools is often docked narrow: lists above details rather than squeezed side by side. */
@container (max-width: 760px) {
  .okp-split { flex-direction: column; overflow: auto; }
  .okp-split > .okp-pane, .okp-split > .okp-pane.okp-narrow { flex: 0 0 auto; overflow: visible; }
  .okp-split > .okp-pane > .okp-vlist { flex: 0 0 240px; }
  .okp-split > .okp-pane.okp-narrow { flex-direction: row; flex-wrap: wrap; }
}
.okp-pick { text-align: left; }
.okp-root .okp-pick[aria-pressed='true'] { background: var(--bg-sel); color: var(--fg); border-color: var(--accent); }
.okp-root button, .okp-root select, .okp-root input, .okp-root textarea {
  font: inherit; color: var(--fg); background: var(--bg); border: 1px solid var(--border); border-radius: 3px; padding: 2px 8px;
}
.okp-root button { cursor: pointer; }
.okp-root button:hover:not(:disabled) { border-color: var(--accent); }
.okp-root button:disabled { opacity: 0.5; cursor: default; }
.okp-root button[data-variant='primary'] { background: var(--accent); color: var(--bg); border-color: var(--accent); }
.okp-root button[data-variant='danger'] { color: var(--err); border-color: var(--err); }
.okp-root button.okp-toggle[aria-pressed='true'] { background: var(--warn); color: var(--bg); border-color: var(--warn); }
.okp-root textarea { width: 100%; min-height: 140px; font-family: ui-monospace, Menlo, Consolas, monospace; }
.okp-vlist { position: relative; flex: 1; min-height: 120px; overflow: auto; border: 1px solid var(--border); }
.okp-vlist-spacer { position: relative; width: 100%; }
.okp-row { position: absolute; left: 0; right: 0; display: flex; align-items: center; gap: 6px; padding: 0 6px; white-space: nowrap; overflow: hidden; cursor: default; border-bottom: 1px solid var(--bg-alt); }
.okp-row:hover { background: var(--bg-alt); }
.okp-row-selected, .okp-row-selected:hover { background: var(--bg-sel); }
.okp-cell { overflow: hidden; text-overflow: ellipsis; }
/* The error column keeps room for a sentence (it read "t.." at 1280 px beside the details pane); the record id gives
   way first, as it is repeated in the details. */
.okp-c-seq { flex: 0 0 36px; } .okp-c-method { flex: 0 0 50px; } .okp-c-schema { flex: 0 0 24px; } .okp-c-state { flex: 0 0 66px; }
.okp-c-record { flex: 1 1 100px; min-width: 60px; } .okp-c-attempts { flex: 0 0 28px; } .okp-c-next { flex: 0 0 64px; }
.okp-c-error { flex: 3 1 220px; min-width: 200px; }
@container (max-width: 560px) { .okp-c-next, .okp-c-error { display: none; } }
/* A time is read whole or not at all: it never gives way; on a phone the kind column does (the badge says it). */
.okp-time { flex: 0 0 auto; white-space: nowrap; }
.okp-h-kind { flex: 0 0 70px; } .okp-h-state { flex: 0 0 90px; }
@container (max-width: 480px) { .okp-h-kind { display: none; } .okp-h-state { flex-basis: 84px; } }
.okp-mono { font-family: ui-monospace, Menlo, Consolas, monospace; }
.okp-state { font-weight: 600; text-transform: uppercase; font-size: 10px; }
.okp-state[data-state='pending'], .okp-state[data-state='sending'] { color: var(--warn); }
.okp-state[data-state='failed'], .okp-state[data-state='sync-failed'], .okp-state[data-state='partial'] { color: var(--err); }
.okp-state[data-state='conflict'] { color: var(--conflict); }
.okp-state[data-state='dropped'] { color: var(--err); }
.okp-state[data-state='completed'], .okp-state[data-state='acknowledged'] { color: var(--ok); }
.okp-json { margin: 0; padding: 6px; background: var(--bg-alt); border: 1px solid var(--border); white-space: pre-wrap; word-break: break-word; font-family: ui-monospace, Menlo, Consolas, monospace; max-height: 320px; overflow: auto; }
.okp-jview { display: flex; flex-direction: column; gap: 2px; min-width: 0; }
.okp-jbar { display: flex; align-items: center; gap: 4px; flex-wrap: wrap; }
.okp-root .okp-jbtn { padding: 0 6px; font-size: 11px; }
.okp-root .okp-jbtn[aria-pressed='true'] { background: var(--bg-sel); border-color: var(--accent); }
.okp-jtree { white-space: normal; }
.okp-jn { white-space: pre-wrap; word-break: break-word; }
.okp-jc { padding-left: 16px; border-left: 1px dotted var(--border); margin-left: 4px; }
.okp-root .okp-jt { border: none; background: none; padding: 0; margin: 0; font: inherit; color: inherit; text-align: left; border-radius: 2px; }
.okp-root .okp-jt:hover:not(:disabled) { background: var(--bg-sel); }
.okp-jarrow { display: inline-block; width: 1em; margin-left: -1em; color: var(--fg-dim); }
.okp-jtree > .okp-jn { padding-left: 1em; }
.okp-jk { color: var(--conflict); }
.okp-jv[data-kind='string'] { color: var(--err); }
.okp-jv[data-kind='number'], .okp-jv[data-kind='boolean'] { color: var(--accent-text); }
.okp-jv[data-kind='null'] { color: var(--fg-dim); }
.okp-root .okp-jmore { margin: 2px 0; padding: 0 6px; font-size: 11px; }
.okp-dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0; }
.okp-dl dt { color: var(--fg-dim); }
.okp-dl dd { margin: 0; word-break: break-all; }
.okp-cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 8px; }
.okp-card { border: 1px solid var(--border); border-radius: 4px; padding: 8px; background: var(--bg); }
.okp-card h3 { margin: 0 0 6px; font-size: 12px; color: var(--fg-dim); font-weight: 600; }
.okp-big { font-size: 20px; font-weight: 600; }
.okp-counts { display: flex; gap: 16px; }
.okp-meter { height: 6px; background: var(--bg-alt); border: 1px solid var(--border); border-radius: 3px; overflow: hidden; margin-top: 4px; }
.okp-meter > div { height: 100%; background: var(--accent); }
.okp-table { border-collapse: collapse; width: 100%; table-layout: fixed; }
.okp-table td, .okp-table th { overflow-wrap: anywhere; }
.okp-table th[scope='row'] { width: 110px; }
.okp-table th, .okp-table td { text-align: left; padding: 3px 6px; border-bottom: 1px solid var(--border); vertical-align: top; }
.okp-table th { color: var(--fg-dim); font-weight: 600; }
.okp-table td.okp-diff { background: var(--diff); }
.okp-error { color: var(--err); }
.okp-confirm { margin-top: 6px; padding: 8px; border: 1px solid var(--err); border-radius: 4px; background: var(--bg-alt); max-width: 520px; }
.okp-confirm p { margin: 0 0 6px; }
.okp-confirm-list { margin: 0 0 8px; padding-left: 18px; max-height: 120px; overflow: auto; }
.okp-notice { padding: 16px; display: flex; flex-direction: column; gap: 8px; max-width: 640px; }
.okp-notice h2 { margin: 0; font-size: 15px; }
.okp-notice code { font-family: ui-monospace, Menlo, Consolas, monospace; background: var(--bg-alt); padding: 0 3px; }
.okp-banner { padding: 4px 8px; background: var(--diff); border-bottom: 1px solid var(--border); }
.okp-sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;
