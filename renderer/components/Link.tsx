import type { AnchorHTMLAttributes, MouseEvent } from 'react';
import type { Route } from '../lib/routes.js';
import { hrefOf, navigate } from '../lib/use-route.js';

/** A plain left click follows the link inside the app; a modified click opens a tab as links do. */
export function isPlainClick(e: Pick<MouseEvent, 'button' | 'metaKey' | 'ctrlKey' | 'shiftKey' | 'altKey'>): boolean {
  return e.button === 0 && !e.metaKey && !e.ctrlKey && !e.shiftKey && !e.altKey;
}

/** A real <a href> (keyboard, middle click, copy link) that navigates without reloading. */
export function Link({ to, ...rest }: { to: Route } & Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'>) {
  return (
    <a
      {...rest}
      href={hrefOf(to)}
      onClick={(e) => {
        rest.onClick?.(e);
        if (e.defaultPrevented || !isPlainClick(e)) return;
        e.preventDefault();
        navigate(to);
      }}
    />
  );
}
