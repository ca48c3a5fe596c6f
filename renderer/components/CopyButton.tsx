import { useEffect, useState } from 'react';

/** Copies with the Clipboard API; where that is refused (plain HTTP on the LAN) selects a hidden field and copies that. */
export async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // fall through to the legacy path
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.className = 'visually-hidden';
  document.body.append(area);
  area.select();
  let ok: boolean;
  try {
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  area.remove();
  return ok;
}

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [result, setResult] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (result === 'idle') return;
    const t = setTimeout(() => setResult('idle'), 2500);
    return () => clearTimeout(t);
  }, [result]);
  return (
    <>
      <button type="button" className="btn" onClick={() => void copyText(text).then((ok) => setResult(ok ? 'copied' : 'failed'))}>
        {result === 'copied' ? 'Copied' : label}
      </button>
      <span className="visually-hidden" role="status">
        {result === 'copied' ? 'Copied to the clipboard.' : result === 'failed' ? 'Could not copy; select the text and copy it.' : ''}
      </span>
    </>
  );
}
