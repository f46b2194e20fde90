/** A set of listeners for observers such as metrics: a listener that throws never breaks the work it watches. */
export class Listeners<E> {
  private readonly list: ((e: E) => void)[] = [];

  add(listener: (e: E) => void): void {
    this.list.push(listener);
  }

  emit(e: E): void {
    for (const l of this.list) {
      try {
        l(e);
      } catch {
        // an observer's failure is its own
      }
    }
  }
}
