#!/usr/bin/python3
"""A real RTSP server that is not ours, for the tests: GStreamer's (GstRtspServer through PyGObject).

Serves live test media on 127.0.0.1 over TCP and UDP:
  /av      H.264 (x264, zerolatency, an IDR every 50 frames) + AAC 48 kHz stereo (mpeg4-generic)
  /video   H.264 only
  /pcma    H.264 + G.711 A-law
  /lossy   as /av, with --loss (default 1 %) of the RTP packets of both tracks dropped after the payloaders
  /h265    H.265 (x265, a constant QP, an IRAP every 50 frames, VPS/SPS/PPS in band before each) + AAC
  /h265-sdp  the same H.265, its parameter sets only in the SDP (sprop-vps/sps/pps), + AAC
  /h265-lossy  as /h265, with --loss of the RTP packets of both tracks dropped after the payloaders
  /mjpeg   MJPEG (jpegenc, RTP payload 26): video ipc-hls cannot record
  /h265-file  with --hevc-file F (an MP4 whose HEVC keeps its parameter sets in the hvcC box only): that file's video,
           the parameter sets in the SDP only, never in band
Each client gets its own pipeline, so every session starts at frame 0 with an IDR. With --shared every mount
has one pipeline for all its clients (one encoder, so 100 clients cost the server about what one does; a client
that joins waits for the next IDR): what the bench uses to record many cameras at once.

usage: /usr/bin/python3 rtsp_server.py [--port N (0: any free one)] [--user U --password P (Digest)]
         [--loss PERCENT] [--fps N] [--size WxH] [--bitrate KBITS (ABR; default a constant quantizer)]
         [--shared] [--hevc-file F.mp4]
Prints "ready <port>" once listening; runs until killed.
(Debian's python3: the gi bindings are installed for it, not for other pythons on PATH.)
"""
import argparse
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
gi.require_version("GstRtsp", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402


def first_element(*names):
    for name in names:
        if Gst.ElementFactory.find(name):
            return name
    raise SystemExit(f"none of {names} is installed")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--loss", type=float, default=1.0)
    parser.add_argument("--fps", type=int, default=25)
    parser.add_argument("--size", default="640x360")
    parser.add_argument("--bitrate", type=int, help="H.264 kbit/s (ABR); default: constant quantizer 24")
    parser.add_argument("--shared", action="store_true", help="one pipeline per mount for all its clients")
    parser.add_argument("--hevc-file", help="serve this MP4's HEVC (hvc1) at /h265-file")
    args = parser.parse_args()
    Gst.init(None)

    width, height = args.size.split("x")
    # A constant quantizer makes every session's pictures the same bits (ABR varies with the machine's load),
    # so a recording can be compared frame by frame with ffmpeg's recording of another session.
    rate = f"bitrate={args.bitrate}" if args.bitrate else "pass=quant quantizer=24"
    aac = first_element("avenc_aac", "voaacenc")
    video = (
        f"videotestsrc is-live=true pattern=smpte horizontal-speed=3 "
        f"! video/x-raw,width={width},height={height},framerate={args.fps}/1 "
        f"! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=50 {rate} byte-stream=true "
        f"! video/x-h264,profile=constrained-baseline ! rtph264pay pt=96"
    )
    audio_aac = (
        f"audiotestsrc is-live=true wave=sine freq=440 ! audioconvert ! audioresample "
        f"! audio/x-raw,rate=48000,channels=2 ! {aac} bitrate=128000 ! rtpmp4gpay pt=97"
    )
    audio_pcma = "audiotestsrc is-live=true wave=sine freq=440 ! audioconvert ! audioresample ! audio/x-raw,rate=8000,channels=1 ! alawenc ! rtppcmapay pt=8"
    # x265 at a constant QP: every session gets the same bits (as for x264 above). repeat-headers puts VPS/SPS/PPS
    # before every IRAP; without it they come once, in the first frame, which h265parse (hvc1 in, parameter sets
    # in caps) takes out of the stream: then the camera's SDP is the only place they are.
    hevc = (
        f"videotestsrc is-live=true pattern=smpte horizontal-speed=3 "
        f"! video/x-raw,width={width},height={height},framerate={args.fps}/1 "
        f"! x265enc tune=zerolatency speed-preset=ultrafast key-int-max=50 qp=28"
    )
    hevc_inband = f'{hevc} option-string="repeat-headers=1" ! rtph265pay pt=96'
    hevc_sdp_only = f"{hevc} ! h265parse ! video/x-h265,stream-format=hvc1,alignment=au ! rtph265pay pt=96"
    mjpeg = (
        f"videotestsrc is-live=true ! video/x-raw,format=I420,width={width},height={height},framerate={args.fps}/1 "
        f"! jpegenc ! rtpjpegpay pt=26"
    )
    drop = f"identity drop-probability={args.loss / 100}"
    mounts = {
        "/av": f"( {video} name=pay0 {audio_aac} name=pay1 )",
        "/video": f"( {video} name=pay0 )",
        "/pcma": f"( {video} name=pay0 {audio_pcma} name=pay1 )",
        # The "payN" elements are where the server takes each track's RTP: here after the packets were dropped.
        "/lossy": f"( {video} ! {drop} name=pay0 {audio_aac} ! {drop} name=pay1 )",
        "/h265": f"( {hevc_inband} name=pay0 {audio_aac} name=pay1 )",
        "/h265-sdp": f"( {hevc_sdp_only} name=pay0 {audio_aac} name=pay1 )",
        "/h265-lossy": f"( {hevc_inband} ! {drop} name=pay0 {audio_aac} ! {drop} name=pay1 )",
        "/mjpeg": f"( {mjpeg} name=pay0 )",
    }
    if args.hevc_file:
        # hvc1 samples go to the payloader as they are: it takes sprop-* from the hvcC and adds nothing in band.
        mounts["/h265-file"] = f'( filesrc location="{args.hevc_file}" ! qtdemux name=d d.video_0 ! queue ! rtph265pay pt=96 name=pay0 )'

    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    if args.user:
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string("media.factory.role", "user")
        auth.add_digest(args.user, args.password or "", token)
        auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
        server.set_auth(auth)
    for path, launch in mounts.items():
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(launch)
        factory.set_protocols(GstRtsp.RTSPLowerTrans.TCP | GstRtsp.RTSPLowerTrans.UDP)
        factory.set_shared(args.shared)
        if args.user:
            permissions = GstRtspServer.RTSPPermissions()
            permissions.add_role_from_structure(
                Gst.Structure.new_from_string("user, media.factory.access=(boolean)true, media.factory.construct=(boolean)true")
            )
            factory.set_permissions(permissions)
        server.get_mount_points().add_factory(path, factory)

    if server.attach(None) == 0:
        raise SystemExit(f"could not listen on 127.0.0.1:{args.port}")
    print(f"ready {server.get_bound_port()}", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    sys.exit(main())
