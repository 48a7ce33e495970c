/**
 * The Content-Security-Policy of every web-UI response. Scripts and styles only from this server's own files
 * (no inline script, no eval, no inline <style>: React and the chart code set styles through the CSSOM, which
 * style-src does not govern); images also as data:/blob: URLs (charts exported, inline SVG icons); API calls
 * only to this origin; frames only of this origin (the sandboxed artifact previews); nothing may frame the UI.
 */
export const uiContentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "frame-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');
