package io.gatehouse.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A UDP test client on its own socket (one client address:port = one gateway session). */
public final class UdpClient implements AutoCloseable {

  private final DatagramSocket socket;
  private final InetSocketAddress gateway;

  public UdpClient(int gatewayPort) {
    this(gatewayPort, "127.0.0.1");
  }

  public UdpClient(int gatewayPort, String fromAddress) {
    try {
      socket = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(fromAddress), 0));
      socket.setReceiveBufferSize(1 << 20);
      socket.setSoTimeout(3000);
      gateway = new InetSocketAddress("127.0.0.1", gatewayPort);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public void send(byte[] data) {
    try {
      socket.send(new DatagramPacket(data, data.length, gateway));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public void send(String text) {
    send(text.getBytes(StandardCharsets.UTF_8));
  }

  /** The next datagram, or null when none arrives within {@code millis}. */
  public byte[] receive(int millis) {
    try {
      socket.setSoTimeout(millis);
      DatagramPacket p = new DatagramPacket(new byte[65_536], 65_536);
      socket.receive(p);
      return Arrays.copyOf(p.getData(), p.getLength());
    } catch (SocketTimeoutException e) {
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Sends {@code text} and returns the answer as text (null when none came within 3 s). */
  public String ask(String text) {
    send(text);
    byte[] answer = receive(3000);
    return answer == null ? null : new String(answer, StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    socket.close();
  }
}
