/**
 * `--color=auto|always|never` (a program option, before or after the command) beside NO_COLOR:
 * `auto` colours a terminal unless NO_COLOR is set to something (https://no-color.org); `always`
 * and `never` decide whatever the output is and whatever NO_COLOR says. The terminal UI reads
 * NO_COLOR itself, so `never` sets it and `always` clears it for the run (runCli puts it back).
 */
export const COLOR_CHOICES = ['auto', 'always', 'never'] as const;
export type ColorWhen = typeof COLOR_CHOICES[number];

let when: ColorWhen = 'auto';
let savedNoColor: string | undefined;
let saved = false;

/** Applies `--color` for this run. */
export function setColor(w: ColorWhen): void {
  when = w;
  if (w === 'auto') return;
  if (!saved) { savedNoColor = process.env.NO_COLOR; saved = true; }
  if (w === 'never') process.env.NO_COLOR = '1';
  else delete process.env.NO_COLOR;
}

/** Undoes setColor (the end of a run: the fuzzer runs many in one process). */
export function resetColor(): void {
  when = 'auto';
  if (!saved) return;
  if (savedNoColor === undefined) delete process.env.NO_COLOR; else process.env.NO_COLOR = savedNoColor;
  saved = false;
}

/** True when output to `stream` is to be coloured. */
export function useColor(stream: { isTTY?: boolean }): boolean {
  if (when !== 'auto') return when === 'always';
  const nc = process.env.NO_COLOR;
  return stream.isTTY === true && (nc === undefined || nc === '');
}
