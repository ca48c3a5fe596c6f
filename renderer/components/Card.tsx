import { useId, type ReactNode } from 'react';

interface CardProps {
  title: string;
  /** Buttons or filters in the header, right-aligned. */
  actions?: ReactNode;
  className?: string;
  children: ReactNode;
}

/** A titled section; the heading labels the region for screen readers. */
export function Card({ title, actions, className, children }: CardProps) {
  const id = useId();
  return (
    <section className={`card${className ? ` ${className}` : ''}`} aria-labelledby={id}>
      <header className="card-header">
        <h2 id={id}>{title}</h2>
        {actions ? <div className="card-actions">{actions}</div> : null}
      </header>
      <div className="card-body">{children}</div>
    </section>
  );
}
