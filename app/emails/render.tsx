import { renderToStaticMarkup } from 'react-dom/server';

/**
 * One email, as content: every email is written once as this structure and rendered twice, to
 * HTML and to plain text, so the two parts can never say different things.
 *
 * The HTML is deliberately plain: one centred table, inline styles (mail clients drop style
 * sheets), system fonts, no images, nothing loaded from anywhere — so no tracking and nothing
 * for a client to block.
 */
export interface EmailContent {
  subject: string;
  /** The line inboxes show beside the subject. */
  preheader: string;
  greeting: string;
  paragraphs: string[];
  quote?: { label: string; text: string };
  list?: { heading: string; items: { title: string; description: string }[] };
  /** The button, and its address as text; a reminder (which carries no link) has none. */
  action?: { label: string; url: string };
  /** Said after the button; an `important` one is set in bold. */
  notices: { text: string; important?: boolean }[];
  help: string;
  /** An address inside `help`, linked (mailto:) in the HTML part. */
  helpEmail?: string;
  footer: string;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

export function renderEmail(content: EmailContent): RenderedEmail {
  return { subject: content.subject, text: renderText(content), html: renderHtml(content) };
}

function renderText(content: EmailContent): string {
  const blocks: string[] = [content.greeting, ...content.paragraphs];
  if (content.quote) {
    blocks.push(
      `${content.quote.label}\n${content.quote.text
        .split('\n')
        .map((line) => `> ${line}`.trimEnd())
        .join('\n')}`,
    );
  }
  if (content.list) {
    blocks.push(`${content.list.heading}\n${content.list.items.map((item) => `- ${item.title}: ${item.description}`).join('\n')}`);
  }
  if (content.action) blocks.push(`${content.action.label}:\n${content.action.url}`);
  blocks.push(...content.notices.map((notice) => notice.text));
  blocks.push(content.help);
  blocks.push(`--\n${content.footer}`);
  return `${blocks.join('\n\n')}\n`;
}

const FONT = "-apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";
const TEXT = { margin: '0 0 16px', fontSize: '16px', lineHeight: '24px', color: '#1e293b' };

function renderHtml(content: EmailContent): string {
  const markup = renderToStaticMarkup(
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light" />
        <title>{content.subject}</title>
      </head>
      <body style={{ margin: 0, padding: 0, backgroundColor: '#f1f5f9', fontFamily: FONT }}>
        <div style={{ display: 'none', maxHeight: 0, overflow: 'hidden' }}>{content.preheader}</div>
        <table role="presentation" width="100%" cellPadding={0} cellSpacing={0} style={{ backgroundColor: '#f1f5f9' }}>
          <tbody>
            <tr>
              <td align="center" style={{ padding: '24px 12px' }}>
                <table
                  role="presentation"
                  width="100%"
                  cellPadding={0}
                  cellSpacing={0}
                  style={{ maxWidth: '600px', backgroundColor: '#ffffff', borderRadius: '8px' }}
                >
                  <tbody>
                    <tr>
                      <td style={{ padding: '32px', fontFamily: FONT }}>
                        <p style={TEXT}>{content.greeting}</p>
                        {content.paragraphs.map((paragraph) => (
                          <p key={paragraph} style={TEXT}>
                            {paragraph}
                          </p>
                        ))}
                        {content.quote ? (
                          <>
                            <p style={{ ...TEXT, margin: '0 0 8px', fontWeight: 600 }}>{content.quote.label}</p>
                            <blockquote
                              style={{
                                ...TEXT,
                                margin: '0 0 16px',
                                padding: '8px 16px',
                                borderLeft: '4px solid #c7d2fe',
                                backgroundColor: '#f8fafc',
                                whiteSpace: 'pre-wrap',
                              }}
                            >
                              {content.quote.text}
                            </blockquote>
                          </>
                        ) : null}
                        {content.list ? (
                          <>
                            <p style={{ ...TEXT, margin: '0 0 8px', fontWeight: 600 }}>{content.list.heading}</p>
                            <ul style={{ margin: '0 0 16px', paddingLeft: '20px' }}>
                              {content.list.items.map((item) => (
                                <li key={item.title} style={{ ...TEXT, margin: '0 0 8px' }}>
                                  <strong>{item.title}</strong> — {item.description}
                                </li>
                              ))}
                            </ul>
                          </>
                        ) : null}
                        {content.action ? <ActionButton action={content.action} /> : null}
                        {content.notices.map((notice) => (
                          <p key={notice.text} style={notice.important ? { ...TEXT, fontWeight: 600 } : TEXT}>
                            {notice.text}
                          </p>
                        ))}
                        <p style={TEXT}>{helpWithLink(content.help, content.helpEmail)}</p>
                        <p
                          style={{
                            margin: '24px 0 0',
                            paddingTop: '16px',
                            borderTop: '1px solid #e2e8f0',
                            fontSize: '13px',
                            lineHeight: '20px',
                            color: '#64748b',
                          }}
                        >
                          {content.footer}
                        </p>
                      </td>
                    </tr>
                  </tbody>
                </table>
              </td>
            </tr>
          </tbody>
        </table>
      </body>
    </html>,
  );
  return `<!DOCTYPE html>${markup}`;
}

/** The button and, beneath it, its address to copy. */
function ActionButton({ action }: { action: { label: string; url: string } }) {
  return (
    <>
      <table role="presentation" cellPadding={0} cellSpacing={0} style={{ margin: '8px 0 24px' }}>
        <tbody>
          <tr>
            <td style={{ borderRadius: '6px', backgroundColor: '#4338ca' }}>
              <a
                href={action.url}
                style={{
                  display: 'inline-block',
                  padding: '12px 24px',
                  fontSize: '16px',
                  fontWeight: 600,
                  color: '#ffffff',
                  textDecoration: 'none',
                  fontFamily: FONT,
                }}
              >
                {action.label}
              </a>
            </td>
          </tr>
        </tbody>
      </table>
      <p style={{ ...TEXT, fontSize: '13px', lineHeight: '20px', color: '#475569' }}>
        If the button does not work, copy this address into your browser:
        <br />
        <span style={{ wordBreak: 'break-all', color: '#1e293b' }}>{action.url}</span>
      </p>
    </>
  );
}

/** The help sentence with its address as a mailto link (the first occurrence). */
function helpWithLink(help: string, email: string | undefined) {
  const at = email ? help.indexOf(email) : -1;
  if (!email || at < 0) return help;
  return (
    <>
      {help.slice(0, at)}
      <a href={`mailto:${email}`} style={{ color: '#4338ca' }}>
        {email}
      </a>
      {help.slice(at + email.length)}
    </>
  );
}
