/** Timers the engine arms, fired by hand: what matters is that one is armed soon, not the wall clock. */
export function manualTimers(): {
  setTimer: (cb: () => void, ms: number) => unknown;
  clearTimer: (h: unknown) => void;
  armed: { cb: () => void; ms: number }[];
} {
  const armed: { cb: () => void; ms: number }[] = [];
  return {
    armed,
    setTimer: (cb, ms) => {
      const entry = { cb, ms };
      armed.push(entry);
      return entry;
    },
    clearTimer: (h) => {
      const i = armed.indexOf(h as { cb: () => void; ms: number });
      if (i >= 0) armed.splice(i, 1);
    },
  };
}
