// Typed RTSP errors. Every message names the camera by its masked URL (see url.ts): never a password.

export class RtspError extends Error {
  override name = "RtspError";
  /** The RTSP status code when the server answered with one. */
  readonly status?: number;
  constructor(message: string, status?: number) {
    super(message);
    this.status = status;
  }
}

/** 401 with the credentials given (or none given): wrong user or password. */
export class RtspAuthError extends RtspError {
  override name = "RtspAuthError";
}

/** 404: no such stream on the server. */
export class RtspNotFoundError extends RtspError {
  override name = "RtspNotFoundError";
}

/** 461, or the server chose a transport we did not ask for. */
export class RtspTransportError extends RtspError {
  override name = "RtspTransportError";
}

/** A request without an answer before its deadline, or no media for that long while playing. */
export class RtspTimeoutError extends RtspError {
  override name = "RtspTimeoutError";
}

/** The connection closed or failed (socket error, TLS, server gone, RTCP BYE). */
export class RtspConnectionLostError extends RtspError {
  override name = "RtspConnectionLostError";
}

/** The server said something we cannot use (a bad response, an SDP without what it should carry). */
export class RtspProtocolError extends RtspError {
  override name = "RtspProtocolError";
}

/** The stream is one we cannot record (its video codec, or an H.265 packetization we do not take): retrying will
 *  not change that. */
export class RtspUnsupportedError extends RtspError {
  override name = "RtspUnsupportedError";
}
