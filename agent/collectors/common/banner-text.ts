// One printable spelling of bytes a server sent, for banners and the fields parsed out of them.

/** Printable form of what a server sent: "RFB 003.008\n" becomes "RFB 003.008\\n", other bytes \xNN. */
export function escapeBanner(b: Buffer): string {
  let out = '';
  for (const c of b) {
    if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c >= 0x20 && c < 0x7f) out += String.fromCharCode(c);
    else out += `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return out;
}
