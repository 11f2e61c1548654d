"""A real RTSP server on loopback for the tests: GStreamer's RTSP server
(Debian: gstreamer1.0-rtsp, gir1.2-gst-rtsp-server-1.0, python3-gi,
gstreamer1.0-plugins-good/ugly, gstreamer1.0-libav), run with the system
Python (which has `gi`), not the project's.

    /usr/bin/python3 tests/helpers/rtsp_server.py PORT CLIP [USER:PASSWORD] [--tls=PEM]

serves CLIP at rtsp://127.0.0.1:PORT/clip as H.264 (each client gets the
clip from its start, once; the stream ends at the clip's end), with Basic
authentication when USER:PASSWORD is given, and over TLS (rtsps://, the
whole RTSP connection with the interleaved RTP in it) with the certificate
and private key in PEM when --tls is given (as gst-rtsp-server's
examples/test-video.c WITH_TLS; needs glib-networking). Prints "ready"
once listening. Standard library and gi only.
"""

import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import Gio, GLib, Gst, GstRtspServer  # noqa: E402


def main() -> int:
    port, clip = sys.argv[1], sys.argv[2]
    credentials = next((a for a in sys.argv[3:] if not a.startswith("--")), "")
    tls = next((a.split("=", 1)[1] for a in sys.argv[3:] if a.startswith("--tls=")), "")
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(port)
    factory = GstRtspServer.RTSPMediaFactory()
    location = clip.replace("\\", "\\\\").replace('"', '\\"')
    factory.set_launch(
        f'( filesrc location="{location}" ! decodebin ! videoconvert ! '
        "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=15 ! "
        "rtph264pay name=pay0 pt=96 config-interval=1 )")
    factory.set_shared(False)
    factory.set_eos_shutdown(True)
    auth = GstRtspServer.RTSPAuth() if credentials or tls else None
    if tls:
        auth.set_tls_certificate(Gio.TlsCertificate.new_from_file(tls))
    if not credentials and auth is not None:  # TLS alone: anyone may watch
        token = GstRtspServer.RTSPToken()
        token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, "anonymous")
        auth.set_default_token(token)
        server.set_auth(auth)
        permissions = GstRtspServer.RTSPPermissions()
        permissions.add_permission_for_role("anonymous", "media.factory.access", True)
        permissions.add_permission_for_role("anonymous", "media.factory.construct", True)
        factory.set_permissions(permissions)
    if credentials:
        user, _, password = credentials.partition(":")
        token = GstRtspServer.RTSPToken()
        token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, user)
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(user, password), token)
        server.set_auth(auth)
        permissions = GstRtspServer.RTSPPermissions()
        permissions.add_permission_for_role(user, "media.factory.access", True)
        permissions.add_permission_for_role(user, "media.factory.construct", True)
        factory.set_permissions(permissions)
    server.get_mount_points().add_factory("/clip", factory)
    if server.attach(None) == 0:
        print(f"cannot listen on port {port}", file=sys.stderr)
        return 1
    print("ready", flush=True)
    GLib.MainLoop().run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
