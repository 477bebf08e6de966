// Routes by path to one root view per role; each view is its own chunk, so a volunteer's
// phone never downloads the lead board's code.
import { mount, type Component } from 'svelte';
import './lib/base.css';

type Route = { load: () => Promise<{ default: Component<any> }>; props: Record<string, string> };

function route(path: string, hash: string): Route {
  const lead = path.match(/^\/b\/([A-Za-z0-9_-]{1,64})\/?$/);
  if (lead) {
    return { load: () => import('./views/lead/LeadView.svelte'), props: { boardId: lead[1]!, token: hash } };
  }
  if (path === '/v' || path === '/v/') {
    return { load: () => import('./views/volunteer/VolunteerView.svelte'), props: { token: hash } };
  }
  return { load: () => import('./views/home/HomeView.svelte'), props: {} };
}

const target = document.getElementById('app')!;
const { load, props } = route(location.pathname, location.hash.slice(1));
load().then(({ default: View }) => mount(View, { target, props }));
