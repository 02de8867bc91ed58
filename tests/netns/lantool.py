#!/usr/bin/python3
# LAN software for tests/netns/lan.sh, run inside a member's namespace:
# what a LAN game's discovery does (a UDP broadcast, answered by
# unicast), a multicast listener and sender, a broadcast flood, and mDNS
# with python3-zeroconf (Debian's package, hence /usr/bin/python3).
#
#   listen PORT LOG [GROUP IFNAME]  log "SRC TEXT" per datagram and answer
#                                   each "ping ..." with "pong ..." by
#                                   unicast; GROUP: join it on IFNAME
#   send ADDR PORT TEXT [IFNAME]    one datagram (broadcast allowed;
#                                   IFNAME: multicast out of it)
#   discover ADDR PORT TEXT N SECS  broadcast "ping TEXT" to ADDR
#                                   (255.255.255.255 or a directed
#                                   broadcast) from 0.0.0.0, print each
#                                   answer's source until N came
#   flood ADDR PORT COUNT           COUNT datagrams as fast as it can
#   mdns-publish NAME SECS v4|v6 IFNAME ADDR
#   mdns-browse NAME SECS v4|v6 IFNAME ADDR
#                                   publish _hamtest._tcp NAME for SECS,
#                                   or look it up: print its port
#   ipx-listen IFNAME LOG           log the hex of every IPX frame that
#                                   arrives on IFNAME (Ethernet II type
#                                   0x8137, or raw 802.3: FFFF after the
#                                   length)
#   ipx-send IFNAME DST ether2|8023 TAG [SRC]
#                                   build an IPX frame with python3-scapy
#                                   (from SRC, default IFNAME's MAC),
#                                   send it on IFNAME, print its hex
import socket
import struct
import sys
import time


def ifindex(name):
    return socket.if_nametoindex(name)


def udp(family, port):
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    if family == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind(("::", port))
    else:
        s.bind(("0.0.0.0", port))
    return s


def join(s, group, ifname):
    idx = ifindex(ifname)
    if ":" in group:
        mreq = socket.inet_pton(socket.AF_INET6, group) + struct.pack("@I", idx)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, mreq)
    else:
        mreq = socket.inet_aton(group) + struct.pack("@II", 0, idx)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)


def multicast_out(s, family, ifname):
    idx = ifindex(ifname)
    if family == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, idx)
    else:
        mreqn = struct.pack("@4s4si", b"\0" * 4, b"\0" * 4, idx)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, mreqn)


def listen(port, logfile, group=None, ifname=None):
    family = socket.AF_INET6 if group and ":" in group else socket.AF_INET
    s = udp(family, port)
    if group:
        join(s, group, ifname)
    with open(logfile, "a", buffering=1) as log:
        log.write("ready\n")
        while True:
            data, src = s.recvfrom(65535)
            text = data.decode(errors="replace")
            log.write("%s %s\n" % (src[0], text))
            if text.startswith("ping "):
                s.sendto(("pong " + text[5:]).encode(), src)


def send(addr, port, text, ifname=None):
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = udp(family, 0)
    if ifname:
        multicast_out(s, family, ifname)
    dest = (addr, port, 0, ifindex(ifname)) if family == socket.AF_INET6 \
        and ifname else (addr, port)
    s.sendto(text.encode(), dest)


def discover(addr, port, text, want, secs):
    # As a LAN game finds its players: bound to 0.0.0.0, no interface
    # named, a datagram to a broadcast address.
    s = udp(socket.AF_INET, 0)
    s.sendto(("ping " + text).encode(), (addr, port))
    end = time.monotonic() + secs
    got = 0
    while got < want and time.monotonic() < end:
        s.settimeout(max(0.01, end - time.monotonic()))
        try:
            data, src = s.recvfrom(65535)
        except socket.timeout:
            break
        if data.decode(errors="replace") == "pong " + text:
            print(src[0], flush=True)
            got += 1
    return 0 if got >= want else 1


def flood(addr, port, count):
    s = udp(socket.AF_INET, 0)
    sent = 0
    payload = b"flood " + b"x" * 64
    while sent < count:
        try:
            s.sendto(payload, (addr, port))
            sent += 1
        except (BlockingIOError, OSError):
            time.sleep(0.0005)
    print(sent)


def mdns(publish, name, secs, ver, ifname, addr):
    from zeroconf import IPVersion, ServiceInfo, Zeroconf

    if ver == "v6":
        zc = Zeroconf(interfaces=[ifindex(ifname)], ip_version=IPVersion.V6Only)
    else:
        zc = Zeroconf(interfaces=[addr], ip_version=IPVersion.V4Only)
    stype = "_hamtest._tcp.local."
    full = "%s.%s" % (name, stype)
    try:
        if publish:
            packed = socket.inet_pton(socket.AF_INET6 if ":" in addr
                                      else socket.AF_INET, addr)
            info = ServiceInfo(stype, full, port=4242, addresses=[packed],
                               properties={"via": ver})
            zc.register_service(info)
            print("published", flush=True)
            time.sleep(secs)
            zc.unregister_service(info)
            return 0
        end = time.monotonic() + secs
        while time.monotonic() < end:
            info = zc.get_service_info(stype, full, timeout=1000)
            if info is not None:
                print(info.port, flush=True)
                return 0
        return 1
    finally:
        zc.close()


ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def ipx_listen(ifname, logfile):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                      socket.htons(ETH_P_ALL))
    s.bind((ifname, 0))
    with open(logfile, "a", buffering=1) as log:
        log.write("ready\n")
        while True:
            frame, addr = s.recvfrom(65535)
            if addr[2] == PACKET_OUTGOING or len(frame) < 16:
                continue
            tl = struct.unpack("!H", frame[12:14])[0]
            if tl == 0x8137 or (tl <= 1500 and frame[14:16] == b"\xff\xff"):
                log.write(frame.hex() + "\n")


def ipx_header(tag):
    # checksum FFFF, length, transport control, type 4 (PEP), then
    # destination and source network, node and socket (0x4000: a
    # game's); the tag makes each frame its own.
    data = ("hamd lan test " + tag).encode().ljust(40, b".")
    hdr = struct.pack("!HHBB4s6sH4s6sH", 0xffff, 30 + len(data), 0, 4,
                      b"\0\0\0\0", b"\xff" * 6, 0x4000,
                      b"\0\0\0\0", b"\0" * 6, 0x4000)
    return hdr + data


def ipx_send(ifname, dst, kind, tag, src=None):
    from scapy.all import Dot3, Ether, Raw, get_if_hwaddr, sendp

    src = src or get_if_hwaddr(ifname)
    if kind == "ether2":
        frame = Ether(dst=dst, src=src, type=0x8137) / Raw(ipx_header(tag))
    else:
        frame = Dot3(dst=dst, src=src) / Raw(ipx_header(tag))
    raw = bytes(frame)
    sendp(frame, iface=ifname, verbose=False)
    print(raw.hex())


def main(argv):
    cmd = argv[1]
    if cmd == "listen":
        listen(int(argv[2]), argv[3], *(argv[4:6] if len(argv) > 5 else []))
    elif cmd == "send":
        send(argv[2], int(argv[3]), argv[4], argv[5] if len(argv) > 5 else None)
    elif cmd == "discover":
        return discover(argv[2], int(argv[3]), argv[4], int(argv[5]),
                        float(argv[6]))
    elif cmd == "flood":
        flood(argv[2], int(argv[3]), int(argv[4]))
    elif cmd == "ipx-listen":
        ipx_listen(argv[2], argv[3])
    elif cmd == "ipx-send":
        ipx_send(argv[2], argv[3], argv[4], argv[5],
                 argv[6] if len(argv) > 6 else None)
    elif cmd in ("mdns-publish", "mdns-browse"):
        return mdns(cmd == "mdns-publish", argv[2], float(argv[3]), argv[4],
                    argv[5], argv[6])
    else:
        print("unknown command " + cmd, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
