/**
 * EventBridge Scheduler expressions: `rate(N unit)` and the six-field `cron(min hour dom month dow
 * year)` with `* ? , - /`, month and weekday names, `L`, `W` and `#`. Parses them with clear errors
 * and computes the next run, in a time zone, so `triggervault plan` can say when a policy runs.
 */

export type ParsedSchedule =
  | { type: 'rate'; minutes: number; text: string }
  | { type: 'cron'; fields: CronFields; text: string };

interface CronFields {
  minutes: Set<number>;
  hours: Set<number>;
  months: Set<number>;
  years: Set<number> | undefined;
  dayOfMonth: DayOfMonthRule;
  dayOfWeek: DayOfWeekRule;
}

type DayOfMonthRule =
  | { any: true }
  | { days: Set<number>; last: boolean; lastWeekday: boolean; nearestWeekday?: number };
type DayOfWeekRule = { any: true } | { days: Set<number>; last?: number; nth?: { day: number; n: number } };

const UNITS: Record<string, number> = { minute: 1, hour: 60, day: 1440 };
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

class ScheduleError extends Error {}

function parseRate(body: string, text: string): ParsedSchedule {
  const match = /^(\d+)\s+(minute|minutes|hour|hours|day|days)$/.exec(body.trim());
  if (!match) throw new ScheduleError(`"${text}": a rate is rate(N minute|minutes|hour|hours|day|days)`);
  const value = Number(match[1]);
  const unit = match[2] as string;
  if (value < 1) throw new ScheduleError(`"${text}": the rate must be at least 1`);
  if ((value === 1) !== !unit.endsWith('s'))
    throw new ScheduleError(
      `"${text}": AWS wants "${value} ${unit.replace(/s$/, '')}${value === 1 ? '' : 's'}"`,
    );
  return { type: 'rate', minutes: value * (UNITS[unit.replace(/s$/, '')] as number), text };
}

function numberIn(token: string, field: string, min: number, max: number, names?: string[]): number {
  const named = names?.indexOf(token.toUpperCase()) ?? -1;
  const value = named >= 0 ? named + min : /^\d+$/.test(token) ? Number(token) : Number.NaN;
  if (!Number.isInteger(value) || value < min || value > max)
    throw new ScheduleError(`${field}: "${token}" is not in ${min}-${max}`);
  return value;
}

/** `*`, `a`, `a-b`, `a/s`, `a-b/s`, `* /s` and comma lists of those. */
function parseSet(text: string, field: string, min: number, max: number, names?: string[]): Set<number> {
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : numberIn(stepText, field, 1, max - min + 1);
    let from = min;
    let to = max;
    if (range !== '*') {
      const [start = '', end] = range.split('-');
      from = numberIn(start, field, min, max, names);
      to = end === undefined ? (stepText === undefined ? from : max) : numberIn(end, field, min, max, names);
      if (to < from) throw new ScheduleError(`${field}: range "${range}" runs backwards`);
    }
    for (let value = from; value <= to; value += step) values.add(value);
  }
  return values;
}

function parseDayOfMonth(text: string): DayOfMonthRule {
  if (text === '?' || text === '*') return { any: true };
  if (text === 'L') return { days: new Set(), last: true, lastWeekday: false };
  if (text === 'LW') return { days: new Set(), last: false, lastWeekday: true };
  const weekday = /^(\d+)W$/.exec(text);
  if (weekday)
    return {
      days: new Set(),
      last: false,
      lastWeekday: false,
      nearestWeekday: numberIn(weekday[1] as string, 'day-of-month', 1, 31),
    };
  return { days: parseSet(text, 'day-of-month', 1, 31), last: false, lastWeekday: false };
}

function parseDayOfWeek(text: string): DayOfWeekRule {
  if (text === '?' || text === '*') return { any: true };
  const nth = /^(\w+)#([1-5])$/.exec(text);
  if (nth)
    return {
      days: new Set(),
      nth: { day: numberIn(nth[1] as string, 'day-of-week', 1, 7, WEEKDAYS), n: Number(nth[2]) },
    };
  const last = /^(\w+)L$/.exec(text);
  if (last) return { days: new Set(), last: numberIn(last[1] as string, 'day-of-week', 1, 7, WEEKDAYS) };
  return { days: parseSet(text, 'day-of-week', 1, 7, WEEKDAYS) };
}

function parseCron(body: string, text: string): ParsedSchedule {
  const parts = body.trim().split(/\s+/);
  if (parts.length !== 6)
    throw new ScheduleError(
      `"${text}": cron needs 6 fields (minutes hours day-of-month month day-of-week year)`,
    );
  const [minutes, hours, dom, month, dow, year] = parts as [string, string, string, string, string, string];
  if ((dom === '?') === (dow === '?'))
    throw new ScheduleError(`"${text}": exactly one of day-of-month and day-of-week must be "?"`);
  try {
    return {
      type: 'cron',
      text,
      fields: {
        minutes: parseSet(minutes, 'minutes', 0, 59),
        hours: parseSet(hours, 'hours', 0, 23),
        months: parseSet(month, 'month', 1, 12, MONTHS),
        years: year === '*' ? undefined : parseSet(year, 'year', 1970, 2199),
        dayOfMonth: parseDayOfMonth(dom),
        dayOfWeek: parseDayOfWeek(dow),
      },
    };
  } catch (error) {
    throw new ScheduleError(`"${text}": ${(error as Error).message}`);
  }
}

export function parseSchedule(text: string): ParsedSchedule {
  const match = /^(rate|cron)\((.*)\)$/.exec(text.trim());
  if (!match) throw new ScheduleError(`"${text}": must be rate(...) or cron(...)`);
  return match[1] === 'rate' ? parseRate(match[2] as string, text) : parseCron(match[2] as string, text);
}

/** The problem with an expression, or undefined when it is valid (for zod refinements). */
export function scheduleProblem(text: string): string | undefined {
  try {
    parseSchedule(text);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Wall-clock fields of an instant in a time zone. */
function wallClock(instant: number, timeZone: string) {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
  }).formatToParts(new Date(instant));
  const field = (type: string) => Number(parts.find((part) => part.type === type)?.value);
  return {
    year: field('year'),
    month: field('month'),
    day: field('day'),
    hour: field('hour'),
    minute: field('minute'),
  };
}

/** The instant at which the wall clock of `timeZone` shows the given time (DST gaps move forward). */
function zonedInstant(year: number, month: number, day: number, hour: number, minute: number, zone: string) {
  const naive = Date.UTC(year, month - 1, day, hour, minute);
  const offsetAt = (instant: number) => {
    const wall = wallClock(instant, zone);
    return Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute) - instant;
  };
  const first = naive - offsetAt(naive);
  return naive - offsetAt(first);
}

const daysInMonth = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();
const weekdayOf = (year: number, month: number, day: number) =>
  new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1; // 1 = SUN … 7 = SAT

function nearestWeekday(year: number, month: number, day: number): number {
  const last = daysInMonth(year, month);
  const target = Math.min(day, last);
  const weekday = weekdayOf(year, month, target);
  if (weekday === 7) return target === 1 ? 3 : target - 1;
  if (weekday === 1) return target === last ? target - 2 : target + 1;
  return target;
}

function dayMatches(fields: CronFields, year: number, month: number, day: number): boolean {
  const dom = fields.dayOfMonth;
  if (!('any' in dom)) {
    const last = daysInMonth(year, month);
    if (dom.last) return day === last;
    if (dom.lastWeekday) {
      const weekday = weekdayOf(year, month, last);
      return day === (weekday === 7 ? last - 1 : weekday === 1 ? last - 2 : last);
    }
    if (dom.nearestWeekday !== undefined) return day === nearestWeekday(year, month, dom.nearestWeekday);
    return dom.days.has(day);
  }
  const dow = fields.dayOfWeek;
  if ('any' in dow) return true;
  const weekday = weekdayOf(year, month, day);
  if (dow.nth) return weekday === dow.nth.day && Math.ceil(day / 7) === dow.nth.n;
  if (dow.last !== undefined) return weekday === dow.last && day + 7 > daysInMonth(year, month);
  return dow.days.has(weekday);
}

/** The first run strictly after `after`; undefined when the expression never fires again. */
export function nextRun(text: string, after: Date, timeZone = 'UTC', startDate?: Date): Date | undefined {
  const schedule = parseSchedule(text);
  if (schedule.type === 'rate') {
    const period = schedule.minutes * 60_000;
    const start = startDate?.getTime() ?? after.getTime();
    const elapsed = after.getTime() - start;
    const periods = elapsed < 0 ? 0 : Math.floor(elapsed / period) + 1;
    return new Date(start + periods * period);
  }
  const { fields } = schedule;
  const hours = [...fields.hours].sort((a, b) => a - b);
  const minutes = [...fields.minutes].sort((a, b) => a - b);
  const from = wallClock(after.getTime(), timeZone);
  let cursor = Date.UTC(from.year, from.month - 1, from.day);
  // Six years of days covers every expression that fires at all (29 February needs four).
  for (let dayIndex = 0; dayIndex < 6 * 366; dayIndex += 1, cursor += 86_400_000) {
    const date = new Date(cursor);
    const [year, month, day] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
    if (fields.years && !fields.years.has(year)) continue;
    if (!fields.months.has(month) || !dayMatches(fields, year, month, day)) continue;
    for (const hour of hours)
      for (const minute of minutes) {
        const instant = zonedInstant(year, month, day, hour, minute, timeZone);
        if (instant > after.getTime()) return new Date(instant);
      }
  }
  return undefined;
}
