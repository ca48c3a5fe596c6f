import { useEffect, useRef } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useSession } from './auth/session.js';
import { SignIn } from './auth/SignIn.js';
import { DesktopStatus } from './components/DesktopStatus.js';
import { Loading } from './components/StateViews.js';
import { PAGES, PAGE_TITLES, type Route } from './lib/routes.js';
import { useRoute } from './lib/use-route.js';
import { Link } from './components/Link.js';
import { HardwarePage } from './pages/Hardware.js';
import { KeysPage } from './pages/Keys.js';
import { ModelsPage } from './pages/Models.js';
import { NetworkPage } from './pages/Network.js';
import { OverviewPage } from './pages/Overview.js';
import { UsagePage } from './pages/Usage.js';

function PageView({ route }: { route: Route }) {
  switch (route.page) {
    case 'overview': return <OverviewPage />;
    case 'hardware': return <HardwarePage />;
    case 'models': return <ModelsPage model={route.model} />;
    case 'keys': return <KeysPage />;
    case 'network': return <NetworkPage />;
    case 'usage': return <UsagePage />;
  }
}

export function App() {
  const session = useSession();
  const queryClient = useQueryClient();
  const [route] = useRoute();
  const heading = useRef<HTMLHeadingElement>(null);
  const first = useRef(true);

  useEffect(() => {
    document.title = `${PAGE_TITLES[route.page]} · Hearth`;
    // Moving focus to the new page's heading tells screen readers the page changed.
    if (first.current) first.current = false;
    else heading.current?.focus();
  }, [route.page, route.model]);

  if (session.state.status === 'loading') return <Loading label="Connecting to the Hearth server…" />;
  if (session.state.status === 'signed-out') return <SignIn message={session.state.message} />;

  const signOut = () => {
    queryClient.clear();
    session.signOut();
  };

  return (
    <div className="app">
      <a className="skip-link" href="#main">Skip to content</a>
      <aside className="sidebar">
        <div className="brand"><span className="brand-mark" aria-hidden="true" /> Hearth</div>
        <nav aria-label="Pages">
          <ul>
            {PAGES.map((page) => (
              <li key={page}>
                <Link to={{ page }} className="nav-link" aria-current={route.page === page ? 'page' : undefined}>
                  {PAGE_TITLES[page]}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="sidebar-foot">
          {session.desktop ? <DesktopStatus desktop={session.desktop} /> : (
            <button type="button" className="btn btn-quiet" onClick={signOut}>Sign out</button>
          )}
        </div>
      </aside>
      <main id="main" className="main" tabIndex={-1}>
        <h1 ref={heading} tabIndex={-1} className="page-title">{PAGE_TITLES[route.page]}</h1>
        <PageView route={route} />
      </main>
    </div>
  );
}
