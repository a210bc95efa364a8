/**
 * The first rows of each daily group (PLACES_KEPT of them): where a tie-out finding points and what a dispute lists
 * as evidence. A month of rows in no order has a few rows per group, so nearly every row is one of its group's
 * first: as objects they were a million in a month of 1M rows, held through the whole tie-out. Here a row's place
 * is a row of typed arrays, and becomes a `Place` only for the groups a finding shows.
 */
import type { TextRange } from '../findings';
import { grown } from './priceSteps';

/** A place in a file: the path and a 0-based range. */
export interface Place extends TextRange {
  path: string;
}

const NO_PLACE = -1;

/** The kept rows of every group of one daily file, in columns. */
export class RowPlaceTable {
  private capacity = 1024;
  private count = 0;
  private line: Int32Array = new Int32Array(this.capacity);
  private character: Int32Array = new Int32Array(this.capacity);
  private endLine: Int32Array = new Int32Array(this.capacity);
  private endCharacter: Int32Array = new Int32Array(this.capacity);
  /** The next kept row of the same group (NO_PLACE: its last). */
  private next: Int32Array = new Int32Array(this.capacity);

  /** A new group's rows (none yet), in the file at `path`. */
  group(path: string): RowPlaces {
    return new RowPlaces(this, path);
  }

  /** Keeps a row's range after `previous` (NO_PLACE: the group's first). */
  add(previous: number, range: TextRange): number {
    const i = this.count++;
    if (i === this.capacity) this.grow();
    this.line[i] = range.line;
    this.character[i] = range.character;
    this.endLine[i] = range.endLine;
    this.endCharacter[i] = range.endCharacter;
    this.next[i] = NO_PLACE;
    if (previous !== NO_PLACE) this.next[previous] = i;
    return i;
  }

  nextOf(i: number): number {
    return this.next[i];
  }

  place(i: number, path: string): Place {
    return {
      path,
      line: this.line[i],
      character: this.character[i],
      endLine: this.endLine[i],
      endCharacter: this.endCharacter[i],
    };
  }

  private grow(): void {
    const capacity = this.capacity * 2;
    this.line = grown(this.line, capacity);
    this.character = grown(this.character, capacity);
    this.endLine = grown(this.endLine, capacity);
    this.endCharacter = grown(this.endCharacter, capacity);
    this.next = grown(this.next, capacity);
    this.capacity = capacity;
  }
}

/** One group's kept rows, in file order. */
export class RowPlaces {
  private head = NO_PLACE;
  private tail = NO_PLACE;
  size = 0;

  constructor(
    private readonly table: RowPlaceTable,
    private readonly path: string,
  ) {}

  add(range: TextRange): void {
    const i = this.table.add(this.tail, range);
    if (this.head === NO_PLACE) this.head = i;
    this.tail = i;
    this.size++;
  }

  /** The group's first row, if it has any. */
  first(): Place | undefined {
    return this.head === NO_PLACE ? undefined : this.table.place(this.head, this.path);
  }

  /** The first `limit` rows (all by default) as places. */
  list(limit = Infinity): Place[] {
    const out: Place[] = [];
    for (let i = this.head; i !== NO_PLACE && out.length < limit; i = this.table.nextOf(i))
      out.push(this.table.place(i, this.path));
    return out;
  }
}
