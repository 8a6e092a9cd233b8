package io.gatehouse.health;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.vertx.core.buffer.Buffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The hand-written messages against protobuf-java's own classes for grpc.health.v1, both ways. */
class GrpcHealthMessagesTest {

  @Test
  void requestsParseAsHealthCheckRequestsWithTheServiceName() throws InvalidProtocolBufferException {
    for (String service : new String[] {"", "shop.Cart", "ü.服务", "s".repeat(200), "x".repeat(20_000)}) {
      byte[] frame = GrpcHealthMessages.checkRequest(service).getBytes();
      assertEquals(0, frame[0], "not compressed");
      assertEquals(frame.length - 5, Buffer.buffer(frame).getInt(1), "length prefix");
      byte[] message = Arrays.copyOfRange(frame, 5, frame.length);
      assertEquals(service, HealthCheckRequest.parseFrom(message).getService());
      assertArrayEquals(HealthCheckRequest.newBuilder().setService(service).build().toByteArray(), message);
    }
  }

  @Test
  void responsesGiveTheirStatusSkippingUnknownFields() {
    assertEquals(1, GrpcHealthMessages.servingStatus(frame(response(ServingStatus.SERVING))));
    assertEquals(2, GrpcHealthMessages.servingStatus(frame(response(ServingStatus.NOT_SERVING))));
    assertEquals(0, GrpcHealthMessages.servingStatus(frame(new byte[0])), "absent: proto3's default, UNKNOWN");
    UnknownFieldSet unknown = UnknownFieldSet.newBuilder()
        .addField(2, UnknownFieldSet.Field.newBuilder().addVarint(Long.MAX_VALUE).build())
        .addField(3, UnknownFieldSet.Field.newBuilder().addFixed32(7).build())
        .addField(4, UnknownFieldSet.Field.newBuilder().addFixed64(8).build())
        .addField(5000, UnknownFieldSet.Field.newBuilder().addLengthDelimited(ByteString.copyFromUtf8("x".repeat(300)))
            .build())
        .build();
    byte[] withUnknown = HealthCheckResponse.newBuilder().setStatus(ServingStatus.SERVING).setUnknownFields(unknown)
        .build().toByteArray();
    assertEquals(1, GrpcHealthMessages.servingStatus(frame(withUnknown)));
    assertEquals("SERVING", GrpcHealthMessages.statusName(1));
    assertEquals("NOT_SERVING", GrpcHealthMessages.statusName(2));
    assertEquals("status 9", GrpcHealthMessages.statusName(9));
  }

  @Test
  void everyTruncationAndMalformedFrameIsRefused() {
    byte[] good = frame(HealthCheckResponse.newBuilder().setStatus(ServingStatus.SERVING)
        .setUnknownFields(UnknownFieldSet.newBuilder()
            .addField(9, UnknownFieldSet.Field.newBuilder().addLengthDelimited(ByteString.copyFromUtf8("abc")).build())
            .build())
        .build().toByteArray()).getBytes();
    for (int cut = 0; cut < good.length; cut++) {
      Buffer truncated = Buffer.buffer(Arrays.copyOf(good, cut));
      assertThrows(IllegalArgumentException.class, () -> GrpcHealthMessages.servingStatus(truncated), "cut at " + cut);
    }
    // the frame's own length agrees, the message inside does not
    refused(frame(new byte[] {0x08, (byte) 0x80}), "truncated varint");
    refused(frame(new byte[] {0x12, 0x05, 'a'}), "truncated field");
    refused(frame(new byte[] {0x0b, 0x08, 0x01, 0x0c}), "unknown wire type 3"); // a group
    refused(frame(new byte[] {0x08, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff,
        (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01}), "varint longer than 10 bytes");
    Buffer compressed = frame(response(ServingStatus.SERVING));
    compressed.setByte(0, (byte) 1);
    refused(compressed, "compressed message");
    refused(frame(response(ServingStatus.SERVING)).appendBuffer(frame(response(ServingStatus.SERVING))),
        "more than one message");
    refused(Buffer.buffer(), "no message");
  }

  private static void refused(Buffer body, String why) {
    assertEquals(why, assertThrows(IllegalArgumentException.class, () -> GrpcHealthMessages.servingStatus(body))
        .getMessage());
  }

  private static byte[] response(ServingStatus status) {
    return HealthCheckResponse.newBuilder().setStatus(status).build().toByteArray();
  }

  private static Buffer frame(byte[] message) {
    return Buffer.buffer().appendByte((byte) 0).appendInt(message.length).appendBytes(message);
  }
}
