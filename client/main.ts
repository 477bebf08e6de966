// Routes by path to one root view per role; each view is its own chunk, so a volunteer's
// phone never downloads the lead board's code.
import { mount, type Component } from 'svelte';
import './lib/base.css';

type Route = { load: () => Promise<{ default: Component<any> }>; props: Record<string, string> };

function route(path: string, hash: string): Route {
  // The printable delivery sheet of a board (a lead's page: the lead token, as on the board).
  const sheet = path.match(/^\/b\/([A-Za-z0-9_-]{1,64})\/sheet\/?$/);
  if (sheet) {
    const building = new URLSearchParams(location.search).get('building') ?? '';
    return { load: () => import('./views/lead/DeliverySheet.svelte'), props: { boardId: sheet[1]!, token: hash, building } };
  }
  const report = path.match(/^\/b\/([A-Za-z0-9_-]{1,64})\/report\/?$/);
  if (report) return { load: () => import('./views/report/ReportView.svelte'), props: { boardId: report[1]!, token: hash } };
  const lead = path.match(/^\/b\/([A-Za-z0-9_-]{1,64})\/?$/);
  if (lead) {
    return { load: () => import('./views/lead/LeadView.svelte'), props: { boardId: lead[1]!, token: hash } };
  }
  const admin = path.match(/^\/a\/([A-Za-z0-9_-]{1,64})\/?$/);
  if (admin) return { load: () => import('./views/admin/AdminView.svelte'), props: { boardId: admin[1]!, token: hash } };
  const display = path.match(/^\/d\/([A-Za-z0-9_-]{16,64})\/?$/);
  if (display) return { load: () => import('./views/display/DisplayView.svelte'), props: { token: display[1]! } };
  const status = path.match(/^\/s\/([A-Za-z0-9_-]{16,64})\/?$/);
  if (status) return { load: () => import('./views/public/StatusView.svelte'), props: { token: status[1]! } };
  const request = path.match(/^\/r\/([A-Za-z0-9_-]{1,64})\/?$/);
  if (request) return { load: () => import('./views/public/RequestView.svelte'), props: { boardId: request[1]!, token: hash } };
  const join = path.match(/^\/j\/([A-Za-z0-9_-]{1,64})\/?$/);
  if (join) return { load: () => import('./views/public/JoinView.svelte'), props: { boardId: join[1]!, token: hash } };
  if (path === '/v' || path === '/v/') {
    return { load: () => import('./views/volunteer/VolunteerView.svelte'), props: { token: hash } };
  }
  return { load: () => import('./views/home/HomeView.svelte'), props: {} };
}

const target = document.getElementById('app')!;
const { load, props } = route(location.pathname, location.hash.slice(1));
load().then(({ default: View }) => mount(View, { target, props }));
