// Drag and drop of items between lanes (task cards between volunteers, batches in a testing
// round), with one set of pointer listeners for the whole board (cheap at 5,000 cards). Mouse:
// drag after a few pixels. Touch and pen: press and hold, so a finger can still scroll the
// board. Escape cancels. The drop is reported as (itemId, laneId, beforeId) and the caller
// writes the item's place once.

const MOUSE_THRESHOLD_PX = 5;
const HOLD_MS = 250;
const HOLD_SLOP_PX = 8;
const EDGE_PX = 48;
const SCROLL_STEP_PX = 18;

export interface DropTarget {
  laneId: string;
  /** The card the dragged one lands before, or null for the end of the lane. */
  beforeId: string | null;
}

export interface DragOptions {
  /** The data attribute naming a draggable item (default `task-id`, i.e. `[data-task-id]`). */
  item?: string;
  onStart(itemId: string): void;
  onDrop(itemId: string, target: DropTarget): void;
  onEnd(): void;
}

/** `task-id` → the selector `[data-task-id]` and the dataset key `taskId`. */
function attribute(name: string): { selector: string; key: string } {
  return { selector: `[data-${name}]`, key: name.replace(/-(\w)/g, (_, c: string) => c.toUpperCase()) };
}

interface Pending {
  pointerId: number;
  card: HTMLElement;
  x: number;
  y: number;
  timer: number;
  touch: boolean;
}

interface Active {
  pointerId: number;
  card: HTMLElement;
  ghost: HTMLElement;
  offsetX: number;
  offsetY: number;
  x: number;
  y: number;
  target: DropTarget | null;
  marked: HTMLElement[];
  scrollFrame: number;
}

export function dropTarget(root: HTMLElement, x: number, y: number, draggedId: string, item = attribute('task-id')): DropTarget | null {
  const under = document.elementFromPoint(x, y);
  const lane = under?.closest<HTMLElement>('[data-lane]');
  if (!lane || !root.contains(lane)) return null;
  const items = [...lane.querySelectorAll<HTMLElement>(item.selector)].filter((el) => el.dataset[item.key] !== draggedId);
  const before = items.find((el) => {
    const box = el.getBoundingClientRect();
    return y < box.top + box.height / 2;
  });
  return { laneId: lane.dataset.lane!, beforeId: before?.dataset[item.key] ?? lane.dataset.nextHidden ?? null };
}

/** Scrollable ancestors of an element, nearest first. */
function scrollers(element: Element | null): HTMLElement[] {
  const out: HTMLElement[] = [];
  for (let el = element?.parentElement ?? null; el; el = el.parentElement) {
    const style = getComputedStyle(el);
    if (/(auto|scroll)/.test(style.overflowY + style.overflowX)) out.push(el);
  }
  return out;
}

export function enableDrag(root: HTMLElement, options: DragOptions): () => void {
  const name = options.item ?? 'task-id';
  const item = attribute(name);
  const idOf = (el: HTMLElement) => el.dataset[item.key]!;
  let pending: Pending | null = null;
  let active: Active | null = null;

  const clearMarks = (a: Active) => {
    for (const el of a.marked) el.classList.remove('drop-lane', 'drop-before');
    a.marked = [];
  };

  const mark = (a: Active) => {
    clearMarks(a);
    a.target = dropTarget(root, a.x, a.y, idOf(a.card), item);
    if (!a.target) return;
    const lane = root.querySelector<HTMLElement>(`[data-lane="${CSS.escape(a.target.laneId)}"]`);
    if (lane) {
      lane.classList.add('drop-lane');
      a.marked.push(lane);
    }
    if (a.target.beforeId) {
      const before = root.querySelector<HTMLElement>(`[data-${name}="${CSS.escape(a.target.beforeId)}"]`);
      if (before) {
        before.classList.add('drop-before');
        a.marked.push(before);
      }
    }
  };

  /** Near an edge of a scrollable area, keep scrolling while the pointer stays there. */
  const autoScroll = () => {
    if (!active) return;
    const a = active;
    const under = document.elementFromPoint(a.x, a.y);
    for (const el of scrollers(under)) {
      const box = el.getBoundingClientRect();
      const dy = a.y < box.top + EDGE_PX ? -SCROLL_STEP_PX : a.y > box.bottom - EDGE_PX ? SCROLL_STEP_PX : 0;
      const dx = a.x < box.left + EDGE_PX ? -SCROLL_STEP_PX : a.x > box.right - EDGE_PX ? SCROLL_STEP_PX : 0;
      if ((dy && el.scrollHeight > el.clientHeight) || (dx && el.scrollWidth > el.clientWidth)) {
        el.scrollBy(dx, dy);
        mark(a);
        break;
      }
    }
    a.scrollFrame = requestAnimationFrame(autoScroll);
  };

  const start = (p: Pending) => {
    const box = p.card.getBoundingClientRect();
    const ghost = p.card.cloneNode(true) as HTMLElement;
    ghost.classList.add('drag-ghost');
    ghost.removeAttribute(`data-${name}`);
    Object.assign(ghost.style, {
      position: 'fixed', left: '0', top: '0', width: `${box.width}px`, pointerEvents: 'none', zIndex: '1000',
      transform: `translate(${box.left}px, ${box.top}px) rotate(2deg)`,
    });
    document.body.append(ghost);
    p.card.classList.add('dragging');
    active = {
      pointerId: p.pointerId, card: p.card, ghost, offsetX: p.x - box.left, offsetY: p.y - box.top,
      x: p.x, y: p.y, target: null, marked: [], scrollFrame: 0,
    };
    active.scrollFrame = requestAnimationFrame(autoScroll);
    if (p.touch) navigator.vibrate?.(20);
    options.onStart(idOf(p.card));
    mark(active);
  };

  const finish = (drop: boolean) => {
    if (pending) clearTimeout(pending.timer);
    pending = null;
    if (!active) return;
    const a = active;
    active = null;
    cancelAnimationFrame(a.scrollFrame);
    clearMarks(a);
    a.ghost.remove();
    a.card.classList.remove('dragging');
    if (drop) mark(a);
    clearMarks(a);
    if (drop && a.target) options.onDrop(idOf(a.card), a.target);
    options.onEnd();
  };

  const onDown = (event: PointerEvent) => {
    if (active || event.button !== 0) return;
    const card = (event.target as Element).closest<HTMLElement>(item.selector);
    if (!card || !root.contains(card) || (event.target as Element).closest('button, a, input, select, textarea')) return;
    const touch = event.pointerType !== 'mouse';
    pending = { pointerId: event.pointerId, card, x: event.clientX, y: event.clientY, touch, timer: 0 };
    if (touch) {
      const p = pending;
      p.timer = window.setTimeout(() => { if (pending === p) { pending = null; start(p); } }, HOLD_MS);
    }
  };

  const onMove = (event: PointerEvent) => {
    if (pending && event.pointerId === pending.pointerId) {
      const dist = Math.hypot(event.clientX - pending.x, event.clientY - pending.y);
      if (pending.touch && dist > HOLD_SLOP_PX) {
        clearTimeout(pending.timer); // the finger is scrolling, not holding
        pending = null;
      } else if (!pending.touch && dist > MOUSE_THRESHOLD_PX) {
        const p = pending;
        pending = null;
        start(p);
      }
    }
    if (!active || event.pointerId !== active.pointerId) return;
    active.x = event.clientX;
    active.y = event.clientY;
    active.ghost.style.transform = `translate(${active.x - active.offsetX}px, ${active.y - active.offsetY}px) rotate(2deg)`;
    mark(active);
  };

  const onUp = (event: PointerEvent) => {
    if (pending && event.pointerId === pending.pointerId) {
      clearTimeout(pending.timer);
      pending = null;
    }
    if (active && event.pointerId === active.pointerId) finish(event.type === 'pointerup');
  };

  // While a touch drag runs, the finger must not scroll the page.
  const onTouchMove = (event: TouchEvent) => { if (active) event.preventDefault(); };
  const onKey = (event: KeyboardEvent) => { if (event.key === 'Escape' && active) finish(false); };
  const onContextMenu = (event: Event) => { if (active || pending?.touch) event.preventDefault(); };

  root.addEventListener('pointerdown', onDown);
  window.addEventListener('pointermove', onMove);
  window.addEventListener('pointerup', onUp);
  window.addEventListener('pointercancel', onUp);
  window.addEventListener('touchmove', onTouchMove, { passive: false });
  window.addEventListener('keydown', onKey);
  root.addEventListener('contextmenu', onContextMenu);
  return () => {
    finish(false);
    root.removeEventListener('pointerdown', onDown);
    window.removeEventListener('pointermove', onMove);
    window.removeEventListener('pointerup', onUp);
    window.removeEventListener('pointercancel', onUp);
    window.removeEventListener('touchmove', onTouchMove);
    window.removeEventListener('keydown', onKey);
    root.removeEventListener('contextmenu', onContextMenu);
  };
}
