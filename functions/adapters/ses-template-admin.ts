import { randomUUID } from 'node:crypto';
import {
  CreateEmailTemplateCommand,
  DeleteEmailTemplateCommand,
  GetEmailTemplateCommand,
  type SESv2Client,
  TestRenderEmailTemplateCommand,
  UpdateEmailTemplateCommand,
} from '@aws-sdk/client-sesv2';
import { errorKind, listTemplateNames, throttled } from './ses-templates.js';

import type { TemplateContent } from './template-workspace.js';

/**
 * Template management for `lifecycle templates`: read, create, update and render the stored templates of one
 * stack (those named with its prefix) in SES. Deploys never call these: they only create missing templates.
 */

/** A template SES could not render with the data given (a variable the data lacks, say). */
export class TemplateRenderingError extends Error {
  constructor(
    readonly templateName: string,
    readonly detail: string,
  ) {
    super(`SES could not render ${templateName}: ${detail}`);
    this.name = 'TemplateRenderingError';
  }
}

/** What a rendered template says: its subject and its two bodies. */
export interface RenderedTemplate {
  readonly subject: string;
  readonly html: string;
  readonly text: string;
  /** The MIME message SES answered with. */
  readonly mime: string;
}

/** Names of temporary templates made by {@link renderContent}; never a stack's own template. */
const PREVIEW_MARK = /--preview-[0-9a-f]{8}$/;

/**
 * The stack's templates in SES, by their name without the prefix (as in templates/). Temporary preview
 * templates are left out.
 */
export async function listStackTemplates(client: SESv2Client, prefix: string): Promise<Map<string, string>> {
  const names = await throttled(() => listTemplateNames(client));
  const found = new Map<string, string>();
  for (const name of [...names].sort()) {
    if (!name.startsWith(prefix) || PREVIEW_MARK.test(name)) continue;
    const local = name.slice(prefix.length);
    if (/^[A-Za-z0-9_-]+$/.test(local)) found.set(local, name);
  }
  return found;
}

/** A stored template's content, or `undefined` when SES has no template of that name. */
export async function getTemplateContent(client: SESv2Client, name: string): Promise<TemplateContent | undefined> {
  try {
    const { TemplateContent: content } = await throttled(() =>
      client.send(new GetEmailTemplateCommand({ TemplateName: name })),
    );
    return { subject: content?.Subject ?? '', html: content?.Html ?? '', text: content?.Text ?? '' };
  } catch (error) {
    if (errorKind(error) === 'NotFoundException') return undefined;
    throw error;
  }
}

export async function createTemplate(client: SESv2Client, name: string, content: TemplateContent): Promise<void> {
  await throttled(() =>
    client.send(new CreateEmailTemplateCommand({ TemplateName: name, TemplateContent: sesContent(content) })),
  );
}

/** Replaces a stored template's content: only `lifecycle templates push --force` does this. */
export async function updateTemplate(client: SESv2Client, name: string, content: TemplateContent): Promise<void> {
  await throttled(() =>
    client.send(new UpdateEmailTemplateCommand({ TemplateName: name, TemplateContent: sesContent(content) })),
  );
}

/** Renders a stored template with `data` through SES's own TestRenderEmailTemplate. */
export async function renderStoredTemplate(
  client: SESv2Client,
  name: string,
  data: Record<string, unknown>,
): Promise<RenderedTemplate> {
  try {
    const { RenderedTemplate: mime = '' } = await throttled(() =>
      client.send(new TestRenderEmailTemplateCommand({ TemplateName: name, TemplateData: JSON.stringify(data) })),
    );
    return { ...readMime(mime), mime };
  } catch (error) {
    const kind = errorKind(error);
    if (kind === 'BadRequestException' || kind === 'MissingRenderingAttributeException' || kind === 'BadRequest') {
      throw new TemplateRenderingError(name, renderingDetail(error));
    }
    throw error;
  }
}

/**
 * Renders content that SES does not store (yet) through TestRenderEmailTemplate: as a temporary template,
 * deleted again at once, so that a preview is rendered by SES itself.
 */
export async function renderContent(
  client: SESv2Client,
  name: string,
  content: TemplateContent,
  data: Record<string, unknown>,
): Promise<RenderedTemplate> {
  const temporary = `${name.slice(0, 40)}--preview-${randomUUID().replace(/-/g, '').slice(0, 8)}`;
  try {
    await createTemplate(client, temporary, content);
  } catch (error) {
    if (errorKind(error) === 'BadRequestException') throw new TemplateRenderingError(name, renderingDetail(error));
    throw error;
  }
  try {
    return await renderStoredTemplate(client, temporary, data).catch((error: unknown) => {
      throw error instanceof TemplateRenderingError ? new TemplateRenderingError(name, error.detail) : error;
    });
  } finally {
    await throttled(() => client.send(new DeleteEmailTemplateCommand({ TemplateName: temporary }))).catch(() => {});
  }
}

function renderingDetail(error: unknown): string {
  const detail = (error as { detail?: unknown }).detail;
  const text = typeof detail === 'string' && detail !== '' ? detail : error instanceof Error ? error.message : '';
  const cleaned = text.replace(/^aws-ses-v2-local:\s*(template rendering failed - )?/, '');
  // Handlebars in strict mode: `"nickname" not defined in [object Object] - 3:8`.
  const missing = /^"([^"]+)" not defined in .* - (\d+):\d+$/s.exec(cleaned);
  if (missing) return `{{${missing[1]}}} has no value in the data (line ${missing[2]})`;
  return cleaned.replace(/\s+/g, ' ').trim();
}

function sesContent(content: TemplateContent) {
  return {
    Subject: content.subject,
    ...(content.html !== '' ? { Html: content.html } : {}),
    ...(content.text !== '' ? { Text: content.text } : {}),
  };
}

// --- Reading the MIME message TestRenderEmailTemplate answers --------------------------------------------------

function readMime(mime: string): { subject: string; html: string; text: string } {
  const parts = leafParts(mime);
  const part = (type: string) => parts.find((p) => p.type === type)?.content ?? '';
  return {
    subject: decodeHeader(entity(mime).headers.get('subject') ?? ''),
    html: part('text/html'),
    text: part('text/plain'),
  };
}

function entity(raw: string): { headers: Map<string, string>; body: string } {
  const end = /\r?\n\r?\n/.exec(raw);
  const head = end ? raw.slice(0, end.index) : raw;
  const body = end ? raw.slice(end.index + end[0].length) : '';
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n(?=[ \t])/g, '').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function leafParts(raw: string): { type: string; content: string }[] {
  const { headers, body } = entity(raw);
  const contentType = headers.get('content-type') ?? 'text/plain';
  const type = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (type.startsWith('multipart/') && boundary) {
    return body
      .split(`--${boundary}`)
      .slice(1)
      .filter((part) => !part.startsWith('--'))
      .flatMap((part) => leafParts(part.replace(/^\r?\n/, '').replace(/\r?\n$/, '')));
  }
  const charset = /charset="?([^";]+)"?/i.exec(contentType)?.[1];
  return [{ type, content: decodeBody(body, headers.get('content-transfer-encoding'), charset) }];
}

function quotedPrintable(value: string): Buffer {
  const binary = value
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  return Buffer.from(binary, 'latin1');
}

function decodeBody(body: string, encoding = '7bit', charset = 'utf-8'): string {
  const decoder = new TextDecoder(charset.toLowerCase() === 'us-ascii' ? 'utf-8' : charset);
  switch (encoding.toLowerCase()) {
    case 'base64':
      return decoder.decode(Buffer.from(body.replace(/\s+/g, ''), 'base64'));
    case 'quoted-printable':
      return decoder.decode(quotedPrintable(body));
    default:
      return body;
  }
}

/** RFC 2047 encoded words, adjacent ones joined before decoding (a character may span two). */
function decodeHeader(value: string): string {
  const word = /=\?[^?]+\?([QB])\?([^?]*)\?=/gi;
  return value
    .replace(/(\?=)\s+(?==\?)/g, '$1')
    .replace(/(?:=\?[^?]+\?[QB]\?[^?]*\?=)+/gi, (run) =>
      Buffer.concat(
        [...run.matchAll(word)].map(([, encoding, data = '']) =>
          encoding?.toUpperCase() === 'B' ? Buffer.from(data, 'base64') : quotedPrintable(data.replace(/_/g, ' ')),
        ),
      ).toString('utf8'),
    );
}
