package io.gatehouse.log;

/**
 * What one access log line says, handed to the writer thread as it is: the line is formatted there, in the
 * configured format, so that the event loop only fills a small record.
 */
public interface AccessEntry {

  /** Writes the line's fields, the head ({@link AccessFields#head}) first, in their text order. */
  void writeTo(AccessFields line);
}
