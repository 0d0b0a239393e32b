import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import './styles.css';
import { clearCache, get, getSession, setSession, useSession } from './api';
import { href, parseHash, useRoute } from './router';
import { SignIn } from './pages/sign-in';
import { Search } from './pages/search';
import { PersonPage } from './person/person-page';
import { startPersonLoad } from './person/person-data';
import { ROUTES } from './pages/admin-routes';

const AGENT_LINKS = [{ path: '/search', label: 'Find a customer' }];

function SandboxPicker() {
  const s = useSession()!;
  const [names, setNames] = useState<string[]>([s.sandbox]);
  useEffect(() => {
    void get<{ sandboxes: Array<{ name: string }> }>('/data/foundation/sandbox-management/sandboxes?limit=100', { sandboxed: false }).then((r) => {
      if (r.ok) setNames(r.data.sandboxes.map((x) => x.name));
    });
  }, [s.token]);
  return (
    <label class="sandbox">
      <span>Sandbox</span>
      <select
        value={s.sandbox}
        onChange={(e) => {
          clearCache();
          setSession({ ...getSession()!, sandbox: e.currentTarget.value });
        }}
      >
        {names.map((n) => (
          <option value={n}>{n}</option>
        ))}
      </select>
    </label>
  );
}

function Shell() {
  const s = useSession();
  const route = useRoute();
  const [menu, setMenu] = useState(false);
  useEffect(() => setMenu(false), [route.path, route.query.toString()]);
  if (!s) return <SignIn />;
  const admin = ROUTES.find((r) => r.path === route.path);
  let page;
  if (route.path === '/person') page = <PersonPage key={`${s.sandbox}|${route.query.toString()}`} query={route.query} />;
  else if (admin) page = <admin.page key={`${s.sandbox}|${route.query.toString()}`} query={route.query} />;
  else page = <Search key={s.sandbox} query={route.query} />;
  const link = (path: string, label: string) => (
    <li>
      <a href={href(path)} aria-current={route.path === path || (path === '/search' && route.path === '/person') ? 'page' : undefined}>
        {label}
      </a>
    </li>
  );
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href={href('/search')}>
          Kith
        </a>
        <button type="button" class="menu-toggle" aria-expanded={menu} aria-controls="nav" onClick={() => setMenu(!menu)}>
          Menu
        </button>
        <SandboxPicker />
        <span class="who" title={s.orgId}>
          {s.credentialName}
        </span>
        <button type="button" class="link" onClick={() => setSession(undefined)}>
          Sign out
        </button>
      </header>
      <div class="layout">
        <nav id="nav" class={menu ? 'open' : ''} aria-label="Console">
          <h2 class="nav-h">Agents</h2>
          <ul>{AGENT_LINKS.map((l) => link(l.path, l.label))}</ul>
          <h2 class="nav-h">Platform</h2>
          <ul>{ROUTES.filter((r) => !r.hidden).map((r) => link(r.path, r.label))}</ul>
        </nav>
        <main id="main" tabIndex={-1}>
          {page}
        </main>
      </div>
    </>
  );
}

// a 360 page opened by its URL: its calls go out now, before the first render
const first = parseHash(location.hash);
if (first.path === '/person' && getSession() && first.query.get('ns') && first.query.get('id'))
  startPersonLoad(first.query.get('ns')!, first.query.get('id')!, first.query.get('mp') ?? undefined);

render(<Shell />, document.getElementById('app')!);
