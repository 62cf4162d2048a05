/**
 * Text made safe for HTML and SVG, in element content and in quoted attribute values alike. Every string
 * that comes from data (store name, topic labels, segment ids, sources, journey ids, model reasons) goes
 * through this before it is written into a page: the preference page and the report.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
