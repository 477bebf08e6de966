/**
 * A link's token arrives in its #fragment (never sent to servers or kept in logs). Keep it under
 * `key` so the page still works after a reload, and take it out of the address bar.
 */
export function linkToken(key: string, fromHash: string): string {
  if (fromHash) {
    localStorage.setItem(key, fromHash);
    history.replaceState(null, '', location.pathname);
    return fromHash;
  }
  return localStorage.getItem(key) ?? '';
}
