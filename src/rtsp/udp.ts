// RTP over UDP: a pair of sockets on consecutive ports (RTP even, RTCP the next one, RFC 3550 section 11),
// bound to the local address of the RTSP connection (not to every interface).
import { createSocket, type Socket } from "node:dgram";
import { isIPv6 } from "node:net";
import { RtspTransportError } from "./errors.js";

export interface UdpPair {
  rtp: Socket;
  rtcp: Socket;
  rtpPort: number;
}

/** Room for a burst (a large IDR frame arrives at once); the kernel may cap it (net.core.rmem_max). */
const RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;
const ATTEMPTS = 20;

export async function bindUdpPair(address: string): Promise<UdpPair> {
  const type = isIPv6(address) ? "udp6" : "udp4";
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const rtp = await bind(type, address, 0);
    if (!rtp) continue;
    const rtpPort = rtp.address().port;
    const rtcp = rtpPort % 2 === 0 ? await bind(type, address, rtpPort + 1) : undefined;
    if (rtcp) {
      for (const socket of [rtp, rtcp]) {
        try {
          socket.setRecvBufferSize(RECEIVE_BUFFER_BYTES);
        } catch {
          // The default buffer still works; bursts may lose packets (counted as lost).
        }
      }
      return { rtp, rtcp, rtpPort };
    }
    rtp.close();
  }
  throw new RtspTransportError(`no two consecutive UDP ports free on ${address}`);
}

function bind(type: "udp4" | "udp6", address: string, port: number): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const socket = createSocket(type);
    socket.once("error", () => {
      socket.close();
      resolve(undefined);
    });
    socket.bind(port, address, () => {
      socket.removeAllListeners("error");
      resolve(socket);
    });
  });
}
