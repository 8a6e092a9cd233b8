package io.gatehouse.log;

/**
 * What one access log line says, handed to the writer thread as it is: the line is formatted there, in the
 * configured format, so that the event loop only fills a small record.
 */
public interface AccessEntry {

  /** What an entry holds beyond the values a client chose: the record, its time and small fields. */
  int BASE_SIZE = 256;

  /** Writes the line's fields, the head ({@link AccessFields#head}) first, in their text order. */
  void writeTo(AccessFields line);

  /**
   * About how many bytes of heap the entry holds while it waits: {@link #BASE_SIZE} plus the length of every
   * value a client chose (a path, a user agent of up to 32 KiB). The same every time it is asked.
   */
  default int size() {
    return BASE_SIZE;
  }
}
