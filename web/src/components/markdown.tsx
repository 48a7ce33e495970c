import { micromark } from 'micromark';
import type { ReactNode } from 'react';

/**
 * Markdown (CommonMark) rendered safely by micromark with its safe defaults: raw HTML in the text is escaped
 * (shown as text, never parsed: no <script>, no onerror=), and link and image URLs with a scheme other than
 * http(s), mailto, irc(s) or xmpp (javascript:, data:, vbscript:...) are dropped. The HTML it produces holds
 * only the elements CommonMark defines, so it is inserted as is. Loaded on demand (its own chunk).
 * Example: `<Markdown source={run.description} />`.
 */
export default function Markdown({ source }: { source: string }): ReactNode {
  const html = micromark(source, { allowDangerousHtml: false, allowDangerousProtocol: false });
  return <div className="markdown" dangerouslySetInnerHTML={{ __html: html }} />;
}
