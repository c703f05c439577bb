// playtest hooks: evaluated in every new document before the game's own
// scripts (Page.addScriptToEvaluateOnNewDocument). The driver fills SEED
// below with eight 32-bit words derived from the run's seed.
//
// What it does:
// - Math.random and crypto.getRandomValues/randomUUID draw from seeded
//   generators (sfc32), fresh in every document: a reload with the same
//   seed repeats the game's randomness.
// - The wall clock (Date.now, new Date()) reads CLOCK_START plus the time
//   since the document began, in every document: a game sees the same date
//   and hour on every start and on every day it is replayed (a daily
//   challenge, a date on screen, a seed taken from the clock). The pace
//   stays real; the driver sets the time zone to UTC.
// - requestAnimationFrame is wrapped to count the frames in which the game
//   ran at least one rAF callback (frames drawn by the game); a private rAF
//   heartbeat of our own records the time between rendered frames.
// - EventTarget.prototype.addEventListener is wrapped to note which input
//   events the page listens for, and on which elements.
// - globalThis.__playtest__ (hidden, frozen) answers the driver: drain(),
//   affordances(max), digest().
(() => {
  'use strict';
  if (Object.prototype.hasOwnProperty.call(globalThis, '__playtest__')) return;
  const SEED = __PLAYTEST_SEED__;

  // --- Seeded randomness -------------------------------------------------
  const sfc32 = (a, b, c, d) => {
    const next = () => {
      a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
      let t = (a + b) | 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) | 0;
      c = (c << 21) | (c >>> 11);
      d = (d + 1) | 0;
      t = (t + d) | 0;
      c = (c + t) | 0;
      return t >>> 0;
    };
    for (let i = 0; i < 15; i++) next();
    return next;
  };
  const mathNext = sfc32(SEED[0], SEED[1], SEED[2], SEED[3]);
  const cryptoNext = sfc32(SEED[4], SEED[5], SEED[6], SEED[7]);

  Math.random = function random() {
    return mathNext() / 4294967296;
  };

  const fillBytes = (bytes) => {
    for (let i = 0; i < bytes.length; i += 4) {
      let word = cryptoNext();
      for (let j = 0; j < 4 && i + j < bytes.length; j++) {
        bytes[i + j] = word & 255;
        word >>>= 8;
      }
    }
  };
  if (typeof Crypto === 'function' && Crypto.prototype.getRandomValues) {
    const nativeGetRandomValues = Crypto.prototype.getRandomValues;
    const integerArrays = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array,
      Int32Array, Uint32Array, BigInt64Array, BigUint64Array];
    Crypto.prototype.getRandomValues = function getRandomValues(array) {
      // Anything the native one refuses, it refuses with its own error.
      if (!integerArrays.some((T) => array instanceof T) || array.byteLength > 65536) {
        return nativeGetRandomValues.call(this, array);
      }
      fillBytes(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
      return array;
    };
    if (Crypto.prototype.randomUUID) {
      Crypto.prototype.randomUUID = function randomUUID() {
        const b = new Uint8Array(16);
        fillBytes(b);
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
        return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
      };
    }
  }

  // --- Wall clock ----------------------------------------------------------
  const CLOCK_START = Date.UTC(2024, 0, 1, 12, 0, 0);
  const NativeDate = Date;
  const clockNow = () => Math.floor(CLOCK_START + performance.now());
  // Called: the date as a string; constructed without arguments: now; with
  // arguments: exactly the native Date (instanceof, subclasses and statics
  // all behave as before).
  const PlaytestDate = function Date(...args) {
    if (new.target === undefined) return new NativeDate(clockNow()).toString();
    return Reflect.construct(NativeDate, args.length === 0 ? [clockNow()] : args, new.target);
  };
  Object.setPrototypeOf(PlaytestDate, NativeDate);
  Object.defineProperty(PlaytestDate, 'prototype', { value: NativeDate.prototype });
  Object.defineProperty(PlaytestDate, 'length', { value: 7 });
  PlaytestDate.now = function now() {
    return clockNow();
  };
  Object.defineProperty(NativeDate.prototype, 'constructor', {
    value: PlaytestDate, writable: true, configurable: true, enumerable: false,
  });
  globalThis.Date = PlaytestDate;

  // --- Frames ------------------------------------------------------------
  const nativeRaf = window.requestAnimationFrame.bind(window);
  let framesDrawn = 0;
  let lastGameFrame = -1;
  window.requestAnimationFrame = function requestAnimationFrame(callback) {
    if (typeof callback !== 'function') return nativeRaf(callback);
    return nativeRaf((time) => {
      if (time !== lastGameFrame) {
        lastGameFrame = time;
        framesDrawn++;
      }
      return callback(time);
    });
  };

  const RING = 1024;
  const intervals = new Float32Array(RING);
  let ringHead = 0;
  let ringCount = 0;
  let lastBeat = -1;
  const beat = (time) => {
    if (lastBeat >= 0) {
      intervals[ringHead] = time - lastBeat;
      ringHead = (ringHead + 1) % RING;
      if (ringCount < RING) ringCount++;
    }
    lastBeat = time;
    nativeRaf(beat);
  };
  nativeRaf(beat);

  // --- Input listeners ---------------------------------------------------
  const KEY_EVENTS = new Set(['keydown', 'keyup', 'keypress']);
  const POINTER_EVENTS = new Set(['click', 'mousedown', 'mouseup', 'pointerdown', 'pointerup',
    'touchstart', 'touchend', 'dblclick']);
  let listensForKeys = false;
  const clickSeen = new WeakSet();
  let clickRefs = [];
  const nativeAddEventListener = EventTarget.prototype.addEventListener;
  EventTarget.prototype.addEventListener = function addEventListener(type, listener, options) {
    try {
      const name = String(type);
      if (KEY_EVENTS.has(name)) {
        listensForKeys = true;
      } else if (POINTER_EVENTS.has(name) && this instanceof Element && !clickSeen.has(this)) {
        clickSeen.add(this);
        if (clickRefs.length >= 4096) clickRefs = clickRefs.filter((r) => r.deref());
        if (clickRefs.length < 4096) clickRefs.push(new WeakRef(this));
      }
    } catch (_) {
      // Never let bookkeeping break the game.
    }
    return nativeAddEventListener.call(this, type, listener, options);
  };

  const keyHandlerProperty = () => {
    const targets = [window, document, document.body];
    return targets.some((t) => t && (t.onkeydown || t.onkeyup || t.onkeypress));
  };

  const CLICKABLE = 'button, a[href], input:not([type=hidden]), select, textarea, summary, ' +
    'label, [onclick], [onmousedown], [onpointerdown], [role=button], [role=link], canvas';

  const affordances = (max) => {
    const width = window.innerWidth;
    const height = window.innerHeight;
    const candidates = new Set(document.querySelectorAll(CLICKABLE));
    for (const ref of clickRefs) {
      const el = ref.deref();
      if (el) candidates.add(el);
    }
    const regions = [];
    const seen = new Set();
    for (const el of candidates) {
      if (regions.length >= max) break;
      if (!el.isConnected) continue;
      if (el.checkVisibility && !el.checkVisibility({ opacityProperty: true, visibilityProperty: true })) continue;
      const r = el.getBoundingClientRect();
      const x0 = Math.max(0, r.left);
      const y0 = Math.max(0, r.top);
      const x1 = Math.min(width, r.right);
      const y1 = Math.min(height, r.bottom);
      if (x1 - x0 < 1 || y1 - y0 < 1) continue;
      const hit = document.elementFromPoint((x0 + x1) / 2, (y0 + y1) / 2);
      if (!hit || !(hit === el || el.contains(hit) || hit.contains(el))) continue;
      const region = [Math.round(x0), Math.round(y0), Math.round(x1 - x0), Math.round(y1 - y0)];
      const key = region.join(',');
      if (seen.has(key)) continue;
      seen.add(key);
      regions.push(region);
    }
    return { keys: listensForKeys || keyHandlerProperty(), regions };
  };

  // --- DOM digest --------------------------------------------------------
  const SKIPPED = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'HEAD']);
  const digest = () => {
    let h1 = 0x811c9dc5;
    let h2 = 0x9747b28c;
    const mix = (s) => {
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        h1 = Math.imul(h1 ^ c, 16777619);
        h2 = Math.imul(h2 ^ c, 0x5bd1e995);
        h2 ^= h2 >>> 13;
      }
    };
    let budget = 20000;
    const walk = (node) => {
      for (let child = node.firstChild; child && budget > 0; child = child.nextSibling) {
        budget--;
        if (child.nodeType === 1) {
          if (SKIPPED.has(child.tagName)) continue;
          if (child.checkVisibility && !child.checkVisibility({ visibilityProperty: true })) continue;
          mix('<' + child.tagName);
          walk(child);
          mix('>');
        } else if (child.nodeType === 3) {
          const text = child.data.trim();
          if (text) mix('"' + text);
        }
      }
    };
    if (document.documentElement) walk(document.documentElement);
    const hex = (h) => (h >>> 0).toString(16).padStart(8, '0');
    return hex(h1) + hex(h2);
  };

  const drain = () => {
    const out = new Array(ringCount);
    const start = (ringHead - ringCount + RING) % RING;
    for (let i = 0; i < ringCount; i++) out[i] = Math.round(intervals[(start + i) % RING] * 100) / 100;
    ringCount = 0;
    return { frames: framesDrawn, intervals: out, digest: digest() };
  };

  Object.defineProperty(globalThis, '__playtest__', {
    value: Object.freeze({ drain, affordances, digest }),
    enumerable: false,
    writable: false,
    configurable: false,
  });
})();
