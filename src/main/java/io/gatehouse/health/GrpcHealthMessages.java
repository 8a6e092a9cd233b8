package io.gatehouse.health;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/**
 * The two messages of {@code grpc.health.v1.Health/Check} in their gRPC framing, written by hand: the gateway has
 * no protobuf runtime, and each message has one field. {@code HealthCheckRequest { string service = 1; }} and
 * {@code HealthCheckResponse { ServingStatus status = 1; }}. The member's answer is read defensively: unknown
 * fields are skipped as protobuf requires, and anything truncated or malformed is an {@link IllegalArgumentException}
 * (the probe counts it as down).
 */
final class GrpcHealthMessages {

  /** {@code ServingStatus.SERVING}; UNKNOWN (0), NOT_SERVING (2) and SERVICE_UNKNOWN (3) are down. */
  static final int SERVING = 1;
  private static final String[] STATUS_NAMES = {"UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"};
  /** Compressed flag (1 byte) and message length (4 bytes, big-endian) before every message. */
  private static final int PREFIX = 5;
  private static final int WIRE_VARINT = 0;
  private static final int WIRE_FIXED64 = 1;
  private static final int WIRE_LENGTH = 2;
  private static final int WIRE_FIXED32 = 5;

  private GrpcHealthMessages() {}

  /** One uncompressed frame of a {@code HealthCheckRequest}; {@code ""} (proto3's default) sends no field at all. */
  static Buffer checkRequest(String service) {
    byte[] name = service.getBytes(StandardCharsets.UTF_8);
    int fieldLength = name.length == 0 ? 0 : 1 + varintSize(name.length) + name.length;
    Buffer frame = Buffer.buffer(PREFIX + fieldLength).appendByte((byte) 0).appendInt(fieldLength);
    if (name.length > 0) {
      frame.appendByte((byte) (1 << 3 | WIRE_LENGTH));
      appendVarint(frame, name.length);
      frame.appendBytes(name);
    }
    return frame;
  }

  /** The {@code status} of the one {@code HealthCheckResponse} frame {@code body} holds (0 when absent). */
  static int servingStatus(Buffer body) {
    if (body.length() < PREFIX) {
      throw new IllegalArgumentException(body.length() == 0 ? "no message" : "truncated frame");
    }
    if (body.getByte(0) != 0) {
      // we sent no grpc-accept-encoding, so a compressed answer is a broken member
      throw new IllegalArgumentException("compressed message");
    }
    long length = body.getUnsignedInt(1);
    if (length != body.length() - PREFIX) {
      throw new IllegalArgumentException(length > body.length() - PREFIX ? "truncated message" : "more than one message");
    }
    int status = 0;
    int[] at = {PREFIX};
    while (at[0] < body.length()) {
      long key = readVarint(body, at);
      int field = (int) (key >>> 3);
      int wire = (int) (key & 7);
      if (field == 1 && wire == WIRE_VARINT) {
        status = (int) readVarint(body, at); // the last one wins, as protobuf says
      } else {
        skip(body, at, wire);
      }
    }
    return status;
  }

  /** {@code SERVING}, {@code NOT_SERVING}, ...; a value the enum does not have as its number. */
  static String statusName(int status) {
    return status >= 0 && status < STATUS_NAMES.length ? STATUS_NAMES[status] : "status " + status;
  }

  private static void skip(Buffer body, int[] at, int wire) {
    long length = switch (wire) {
      case WIRE_VARINT -> {
        readVarint(body, at);
        yield 0;
      }
      case WIRE_FIXED64 -> 8;
      case WIRE_FIXED32 -> 4;
      case WIRE_LENGTH -> readVarint(body, at);
      default -> throw new IllegalArgumentException("unknown wire type " + wire);
    };
    // a 10-byte varint is negative: unchecked, it would move the reader back (onto its own key: an endless loop)
    if (length < 0 || length > body.length() - at[0]) {
      throw new IllegalArgumentException("truncated field");
    }
    at[0] += (int) length;
  }

  private static long readVarint(Buffer body, int[] at) {
    long value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (at[0] >= body.length()) {
        throw new IllegalArgumentException("truncated varint");
      }
      byte b = body.getByte(at[0]++);
      value |= (long) (b & 0x7f) << shift;
      if (b >= 0) {
        return value;
      }
    }
    throw new IllegalArgumentException("varint longer than 10 bytes");
  }

  private static void appendVarint(Buffer to, int value) {
    int v = value;
    while ((v & ~0x7f) != 0) {
      to.appendByte((byte) (v & 0x7f | 0x80));
      v >>>= 7;
    }
    to.appendByte((byte) v);
  }

  private static int varintSize(int value) {
    int size = 1;
    for (int v = value >>> 7; v != 0; v >>>= 7) {
      size++;
    }
    return size;
  }
}
