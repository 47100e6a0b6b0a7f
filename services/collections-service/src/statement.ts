import PDFDocument from 'pdfkit';
import type { Statement } from './domain/statement';

export { buildStatement, periodActions, type PeriodActions, type Statement, type StatementItem } from './domain/statement';

/** Minor units as a decimal amount with two places (every creditstream currency here has two). */
export function money(minor: number): string {
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  return `${sign}${Math.floor(abs / 100).toLocaleString('en-US')}.${String(abs % 100).padStart(2, '0')}`;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function table(head: string[], rows: string[][]): string {
  if (rows.length === 0) return '<p class="none">none</p>';
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

/** The statement as a self-contained HTML page. */
export function statementHtml(s: Statement): string {
  const c = s.currency;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Statement ${esc(s.customerId)} ${s.asOf}</title>
<style>body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #bbb;padding:.25em .6em;text-align:left}th{background:#eee}.none{color:#777}</style></head>
<body>
<h1>Account statement</h1>
<p><strong>${esc(s.name)}</strong> (${esc(s.customerId)})<br>Period ${s.periodStart} to ${s.asOf}; amounts in ${esc(c)}</p>
<h2>Open items: ${money(s.openMinor)} ${esc(c)}</h2>
${table(['Invoice', 'Invoice date', 'Due date', 'Amount', 'Open', 'Days overdue', 'Disputed'], s.items.map((i) => [i.invoiceId, i.invoiceDate, i.dueDate, money(i.amountMinor), money(i.openMinor), String(i.daysOverdue), i.disputed ? 'yes' : '']))}
<h2>Aging</h2>
${table(s.aging.map((a) => a.label), [s.aging.map((a) => money(a.amountMinor))])}
<h2>Payments in the period</h2>
${table(['Payment', 'Received', 'Amount', 'Returned'], s.payments.map((p) => [p.paymentId, p.receivedOn, money(p.amountMinor), p.returnedOn ?? '']))}
<h2>Collection letters in the period</h2>
${table(['Letter', 'Date', 'Level', 'Overdue', 'Fee'], s.letters.map((l) => [l.letterId, l.businessDate, String(l.level), money(l.overdueMinor), money(l.feeMinor)]))}
<h2>Interest notes in the period</h2>
${table(['Note', 'Date', 'Interest'], s.interest.map((n) => [n.noteId, n.businessDate, money(n.totalMinor)]))}
<h2>Fees in the period</h2>
${table(['Fee', 'Date', 'Kind', 'Amount'], s.fees.map((f) => [f.feeId, f.businessDate, f.kind, money(f.amountMinor)]))}
</body></html>
`;
}

/** The statement as a PDF document (pdfkit; see the README for why that library). */
export function statementPdf(s: Statement): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // A fixed creation date: the same statement gives the same bytes.
    const doc = new PDFDocument({ size: 'A4', margin: 50, info: { Title: `Statement ${s.customerId} ${s.asOf}`, CreationDate: new Date(`${s.asOf}T00:00:00Z`) } });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.fontSize(18).text('Account statement');
    doc.moveDown(0.5).fontSize(10).text(`${s.name} (${s.customerId})`).text(`Period ${s.periodStart} to ${s.asOf}; amounts in ${s.currency}`);
    const section = (title: string, head: string[], rows: string[][], widths: number[]) => {
      doc.moveDown(1).fontSize(12).text(title, 50);
      doc.fontSize(8);
      if (rows.length === 0) {
        doc.text('none', 50);
        return;
      }
      // Rows at explicit positions: pdfkit's cursor does not move down after a text placed with lineBreak false.
      let y = doc.y;
      for (const row of [head, ...rows]) {
        if (y > 770) {
          doc.addPage();
          y = doc.y;
        }
        let x = 50;
        row.forEach((cell, i) => {
          doc.text(cell, x, y, { width: (widths[i] ?? 60) - 4, lineBreak: false });
          x += widths[i] ?? 60;
        });
        y += 12;
      }
      doc.x = 50;
      doc.y = y;
    };
    section(`Open items: ${money(s.openMinor)} ${s.currency}`, ['Invoice', 'Invoice date', 'Due date', 'Amount', 'Open', 'Days overdue', 'Disputed'], s.items.map((i) => [i.invoiceId, i.invoiceDate, i.dueDate, money(i.amountMinor), money(i.openMinor), String(i.daysOverdue), i.disputed ? 'yes' : '']), [100, 65, 65, 70, 70, 60, 50]);
    section('Aging', s.aging.map((a) => a.label), [s.aging.map((a) => money(a.amountMinor))], s.aging.map(() => 80));
    section('Payments in the period', ['Payment', 'Received', 'Amount', 'Returned'], s.payments.map((p) => [p.paymentId, p.receivedOn, money(p.amountMinor), p.returnedOn ?? '']), [140, 80, 80, 80]);
    section('Collection letters in the period', ['Letter', 'Date', 'Level', 'Overdue', 'Fee'], s.letters.map((l) => [l.letterId, l.businessDate, String(l.level), money(l.overdueMinor), money(l.feeMinor)]), [190, 70, 40, 80, 60]);
    section('Interest notes in the period', ['Note', 'Date', 'Interest'], s.interest.map((n) => [n.noteId, n.businessDate, money(n.totalMinor)]), [190, 80, 80]);
    section('Fees in the period', ['Fee', 'Date', 'Kind', 'Amount'], s.fees.map((f) => [f.feeId, f.businessDate, f.kind, money(f.amountMinor)]), [190, 70, 50, 80]);
    doc.end();
  });
}
