/**
 * The thread's CSS, inside its shadow root. Publishers theme it through the custom
 * properties on the container; `!important` on the host wins over the page's own
 * `!important` rules (inside a shadow tree, important declarations of the inner
 * context beat those of the page), so `div { display: none !important }` cannot hide it.
 */
export const css = `
:host{display:block!important;visibility:visible!important;opacity:1!important}
.t{font:15px/1.5 var(--tribune-font,system-ui,sans-serif);color:var(--tribune-text,#1a1a1a);background:var(--tribune-background,#fff);text-align:start;padding:8px 0}
*{box-sizing:border-box}
h2{font-size:1.3em;margin:0;flex:1}
.row{display:flex;flex-wrap:wrap;gap:8px;align-items:center}
.head{margin-block-end:12px}
ul{list-style:none;margin:0;padding:0}
.replies{margin-inline-start:20px;padding-inline-start:12px;border-inline-start:2px solid color-mix(in srgb,var(--tribune-text,#1a1a1a) 15%,transparent)}
.comment{padding:10px 0;outline-offset:2px}
.comment.pending,.comment.rejected{opacity:.85}
.body p{margin:.4em 0}
.body a{color:var(--tribune-accent,#0a58ca)}
.muted{color:color-mix(in srgb,var(--tribune-text,#1a1a1a) 65%,transparent);font-size:.9em}
.verdict{margin:.4em 0;padding:6px 10px;border-inline-start:4px solid #b26a00;background:#fff4e0;color:#4a2c00;border-radius:var(--tribune-radius,6px)}
.rejected .verdict{border-color:#b3261e;background:#fde8e7;color:#5c0f0a}
.closed,.error{padding:6px 10px;border-radius:var(--tribune-radius,6px);background:#f1f1f1;color:#1a1a1a}
.error{background:#fde8e7;color:#5c0f0a}
.form{display:flex;flex-direction:column;gap:6px;margin:8px 0;max-width:40em}
label{font-weight:600}
.row label,.head label{font-weight:400}
input,textarea,select,button{font:inherit;color:inherit}
input,textarea,select{padding:6px 8px;border:1px solid #767676;border-radius:var(--tribune-radius,6px);background:var(--tribune-background,#fff);width:100%}
.head select{width:auto}
textarea{resize:vertical}
button{cursor:pointer;padding:4px 12px;border:1px solid #767676;border-radius:var(--tribune-radius,6px);background:transparent;min-height:32px}
button[aria-pressed=true]{background:color-mix(in srgb,var(--tribune-accent,#0a58ca) 15%,transparent);border-color:var(--tribune-accent,#0a58ca)}
button:disabled{cursor:default;opacity:.6}
.primary{background:var(--tribune-accent,#0a58ca);border-color:var(--tribune-accent,#0a58ca);color:#fff}
.danger{background:#b3261e;border-color:#b3261e;color:#fff}
.more{margin-block-start:12px}
:focus-visible{outline:3px solid var(--tribune-accent,#0a58ca);outline-offset:2px}
.decisions{margin:8px 0;padding:4px 12px 12px;border:1px solid #767676;border-radius:var(--tribune-radius,6px)}
h3{font-size:1.1em;margin:.4em 0}
.decision{padding:6px 0;border-block-end:1px solid #ddd}
.decision p{margin:.3em 0}
blockquote{margin:.3em 0;padding-inline-start:10px;border-inline-start:3px solid #767676;white-space:pre-wrap}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
`;
